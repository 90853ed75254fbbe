"""Every table that holds contact data joins merge, erasure and export here: one
`register` call per table (see docs/architecture.md, "Adding a table that holds contact data").

- merge(source, target): move the source contact's rows to the target (inside the merge
  transaction); return how many rows moved.
- erase(contact_ids): delete or scrub every row holding those contacts' data.
- export(contact): return a JSON-able value for the export document, under `name`.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ContactData:
    name: str
    merge: Callable | None = None
    erase: Callable | None = None
    export: Callable | None = None


TABLES: dict[str, ContactData] = {}


def register(name: str, *, merge=None, erase=None, export=None) -> None:
    TABLES[name] = ContactData(name, merge, erase, export)


def accounts_of(contact_ids) -> list:
    """The accounts of these contacts. Every index of a contact-data table starts with the
    account, so each lookup by contact names the account too: without it the database reads
    the whole table (seconds on an account with millions of page views)."""
    from parley.contacts.models import Contact

    return list(
        Contact.objects.filter(id__in=list(contact_ids))
        .values_list("account_id", flat=True)
        .distinct()
    )


def load_all() -> dict[str, ContactData]:
    """Import every app's `contact_data` module so their registrations run."""
    import importlib

    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("parley."):
            try:
                importlib.import_module(f"{config.name}.contact_data")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.contact_data":
                    raise
    return TABLES
