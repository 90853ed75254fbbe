"""CSV imports hold contact data: each job keeps the first rows of its file (`sample`, for the
mapping step) and the failed rows (`ImportRowError.values`, for the error report) until the
job is deleted. Neither links to a contact by id, so a row belongs to a contact when one of
its cells holds one of the contact's email addresses or phone numbers (current ones, earlier
ones from the field history, and custom email/phone fields), compared in canonical form.

- merge: nothing to move (rows name people by identifier, not by contact id).
- erase: the matching sample rows are dropped from the job and the matching error rows are
  deleted (the report loses them; the job's counts stay as they were).
- export: the matching rows, with the job they came from.

The uploaded file itself (ImportChunk) is kept only while a job waits for its mapping or runs,
and is deleted when it ends; erasure does not edit it.
"""

import re

import phonenumbers

from parley.contacts.models import Contact, ContactField, FieldChange, FieldType
from parley.contacts.registry import register
from parley.imports.models import ImportJob, ImportRowError

DIGITS = re.compile(r"\d")


class Identifiers:
    """One account's view of the contacts' emails and phones, and a test for a CSV cell."""

    def __init__(self, region: str, emails: set[str], phones: set[str]):
        self.region = region or None
        self.phones = phones
        self.email_patterns = [
            re.compile(rf"(?<![\w.+-]){re.escape(email)}(?![\w-]|\.\w)", re.IGNORECASE)
            for email in sorted(emails)
        ]

    def __bool__(self):
        return bool(self.phones or self.email_patterns)

    def cell_matches(self, cell) -> bool:
        text = str(cell or "").strip()
        if not text:
            return False
        if "@" in text and any(p.search(text) for p in self.email_patterns):
            return True
        if self.phones and len(DIGITS.findall(text)) >= 6:
            try:
                number = phonenumbers.parse(text, None if text.startswith("+") else self.region)
            except phonenumbers.NumberParseException:
                return False
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return e164 in self.phones
        return False

    def row_matches(self, row) -> bool:
        return isinstance(row, list) and any(self.cell_matches(cell) for cell in row)


def identifiers_by_account(contact_ids) -> dict:
    """{account id: Identifiers} for the contacts (the registry calls erase before the
    contacts and their history are scrubbed, so both are still readable here)."""
    contacts = Contact.objects.filter(id__in=contact_ids).select_related("account").only(
        "id", "account_id", "account__default_phone_region", "email", "phone", "custom"
    )
    found: dict = {}  # account id -> (region, emails, phones, {field key: type})
    for contact in contacts:
        if contact.account_id not in found:
            typed = dict(
                ContactField.objects.filter(
                    account_id=contact.account_id, type__in=[FieldType.EMAIL, FieldType.PHONE]
                ).values_list("key", "type")
            )
            typed.update(email=FieldType.EMAIL, phone=FieldType.PHONE)
            found[contact.account_id] = (contact.account.default_phone_region, set(), set(), typed)
        _, emails, phones, typed = found[contact.account_id]

        def add(key, value, emails=emails, phones=phones, typed=typed):
            if isinstance(value, str) and value.strip():
                if typed.get(key) == FieldType.EMAIL:
                    emails.add(value.strip().lower())
                elif typed.get(key) == FieldType.PHONE:
                    phones.add(value.strip())

        add("email", contact.email)
        add("phone", contact.phone)
        for key, value in (contact.custom or {}).items():
            add(key, value)
        for key, old, new in FieldChange.objects.filter(
            account_id=contact.account_id, contact_id=contact.id, field__in=list(typed)
        ).values_list("field", "old", "new"):
            add(key, old)
            add(key, new)
    return {
        account_id: Identifiers(region, emails, phones)
        for account_id, (region, emails, phones, _) in found.items()
    }


def matching_errors(account_id, ids: Identifiers):
    rows = ImportRowError.objects.filter(account_id=account_id).only("id", "values")
    return [row for row in rows.iterator(chunk_size=1000) if ids.row_matches(row.values)]


def merge(source, target) -> int:
    return 0


def erase(contact_ids) -> int:
    """Drop the contacts' rows from import samples and error reports; answers how many."""
    removed = 0
    for account_id, ids in identifiers_by_account(contact_ids).items():
        if not ids:
            continue
        for job in ImportJob.objects.filter(account_id=account_id).only("id", "sample"):
            kept = [row for row in job.sample if not ids.row_matches(row)]
            if len(kept) != len(job.sample):
                removed += len(job.sample) - len(kept)
                ImportJob.objects.filter(id=job.id).update(sample=kept)
        errors = [row.id for row in matching_errors(account_id, ids)]
        for start in range(0, len(errors), 500):
            removed += ImportRowError.objects.filter(id__in=errors[start : start + 500]).delete()[0]
    return removed


def export(contact) -> list[dict]:
    """The import rows that name the contact: sample rows and failed rows, by job."""
    from parley.contacts.erasure import contact_ids_of

    ids = identifiers_by_account(contact_ids_of(contact)).get(contact.account_id)
    if not ids:
        return []
    errors = {}
    for row in matching_errors(contact.account_id, ids):
        errors.setdefault(row.job_id, []).append(row.id)
    out = []
    jobs = ImportJob.objects.filter(account_id=contact.account_id).order_by("created_at")
    for job in jobs.only("id", "file_name", "headers", "sample", "created_at"):
        sample = [row for row in job.sample if ids.row_matches(row)]
        failed = ImportRowError.objects.filter(id__in=errors.get(job.id, [])).order_by("row")
        if not sample and not errors.get(job.id):
            continue
        out.append({
            "job_id": str(job.id),
            "file_name": job.file_name,
            "created_at": job.created_at.isoformat(),
            "headers": job.headers,
            "sample_rows": sample,
            "failed_rows": [{"row": e.row, "values": e.values, "message": e.message}
                            for e in failed],
        })
    return out


register("imports", merge=None, erase=erase, export=export)
