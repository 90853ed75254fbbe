"""Demo step: a field library and ~300 realistic contacts with provenance and history.

Idempotent: fields are got-or-created by key, and the contacts (fixed ids derived from the
account) are inserted only when none of them exists yet, in a few bulk inserts. Every value
goes through `values.normalise_all`, like any other write path.
"""

import random
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from parley.accounts.models import Membership
from parley.activity import types as activity_types
from parley.activity.models import Activity
from parley.contacts import fields as field_service
from parley.contacts.models import SYSTEM_COLUMNS, Contact, FieldChange, Source, Status, Trust
from parley.contacts.services import search_text
from parley.contacts.values import normalise_all

SEED = 20260331
COUNT = 300
NAMESPACE = uuid.UUID("6f1c2a52-3d0e-4a8b-9a57-6c0f5d2e8b11")
TEAM_EMAILS = ["demo@example.com", "maria@example.com", "sam@example.com"]

INDUSTRIES = [
    ("saas", "Software / SaaS"),
    ("ecommerce", "E-commerce"),
    ("healthcare", "Healthcare"),
    ("finance", "Finance"),
    ("education", "Education"),
    ("manufacturing", "Manufacturing"),
    ("agency", "Agency"),
    ("nonprofit", "Non-profit"),
]
INTERESTS = [
    ("chatbots", "Website chatbots"),
    ("booking", "Meeting booking"),
    ("routing", "Lead routing"),
    ("analytics", "Analytics"),
    ("integrations", "CRM integrations"),
]
FIELDS = [
    (
        "company_size",
        "Company size",
        "single_choice",
        ["1-10", "11-200", "200+"],
        "Employees, as the visitor told the bot.",
    ),
    ("role", "Role", "text", [], ""),
    ("budget", "Budget", "number", [], "Yearly budget in euros."),
    (
        "industry",
        "Industry",
        "single_choice",
        [{"value": v, "label": label} for v, label in INDUSTRIES],
        "",
    ),
    ("newsletter", "Newsletter", "boolean", [], "Agreed to receive the newsletter."),
    (
        "interests",
        "Interests",
        "multi_choice",
        [{"value": v, "label": label} for v, label in INTERESTS],
        "",
    ),
    ("next_step_date", "Next step", "date", [], "When the next call or follow-up is due."),
    ("website", "Website", "url", [], ""),
]

FIRST_NAMES = [
    "Zoë",
    "Jürgen",
    "Łucja",
    "Søren",
    "Amélie",
    "José",
    "Siobhán",
    "Chloé",
    "Björn",
    "Ana",
    "Mateus",
    "Priya",
    "Wei",
    "Aiko",
    "Kwame",
    "Fatima",
    "Olivia",
    "Liam",
    "Noah",
    "Emma",
    "Mia",
    "Lucas",
    "Sofia",
    "Hannah",
    "Inês",
    "Tomás",
    "Dmitri",
    "Yuki",
    "Omar",
    "Leila",
    "Grace",
    "Ethan",
    "Isabella",
    "Jonas",
    "Marta",
    "Nils",
    "Ravi",
    "Sara",
    "Émile",
    "Ngozi",
]
LAST_NAMES = [
    "Müller",
    "Nowak",
    "Żak",
    "García",
    "O'Brien",
    "Lindqvist",
    "Dubois",
    "Rossi",
    "Kowalski",
    "Andersson",
    "Nakamura",
    "Silva",
    "Chen",
    "Patel",
    "Smith",
    "Johnson",
    "Brown",
    "Schneider",
    "Fischer",
    "Moreau",
    "Bianchi",
    "Novák",
    "Horváth",
    "Papadopoulos",
    "Yılmaz",
    "Haddad",
    "Mensah",
    "Kim",
    "Tanaka",
    "Costa",
    "Jensen",
    "Virtanen",
    "Ó Briain",
    "Fernández",
]
# (name, domain, industry, size)
COMPANIES = [
    ("Northwind Traders", "northwind.example.com", "ecommerce", "11-200"),
    ("Globex", "globex.example.com", "manufacturing", "200+"),
    ("Initech", "initech.example.org", "saas", "11-200"),
    ("Umbrella Health", "umbrella-health.example.net", "healthcare", "200+"),
    ("Hooli", "hooli.example.com", "saas", "200+"),
    ("Vandelay Imports", "vandelay.example.com", "ecommerce", "1-10"),
    ("Soylent Foods", "soylent.example.org", "manufacturing", "200+"),
    ("Acme Robotics", "acme-robotics.example.com", "manufacturing", "11-200"),
    ("Tyrell Systems", "tyrell.example.net", "saas", "11-200"),
    ("Wonka Confections", "wonka.example.com", "ecommerce", "11-200"),
    ("Blue Sun Retail", "bluesun.example.com", "ecommerce", "200+"),
    ("Gringotts Finance", "gringotts.example.org", "finance", "200+"),
    ("Monarch Learning", "monarch.example.org", "education", "11-200"),
    ("Pied Piper", "piedpiper.example.com", "saas", "1-10"),
    ("Dunder Paper", "dunder.example.com", "manufacturing", "11-200"),
    ("Bluth Homes", "bluth.example.net", "finance", "11-200"),
    ("Müller & Söhne", "mueller-soehne.example.com", "manufacturing", "11-200"),
    ("Brightside Studio", "brightside.example.com", "agency", "1-10"),
    ("Kind Hands", "kindhands.example.org", "nonprofit", "1-10"),
    ("Łódź Logistics", "lodz-logistics.example.com", "ecommerce", "11-200"),
]
ROLES = [
    "Head of Marketing",
    "Marketing Manager",
    "CTO",
    "CEO",
    "Founder",
    "Sales Director",
    "Growth Lead",
    "Product Manager",
    "Operations Manager",
    "Web Developer",
    "Office Manager",
    "Customer Success Lead",
    "CFO",
    "Demand Generation Manager",
]
PERSONAL_DOMAINS = ["mail.example.com", "example.org", "example.net"]
STATUS_WEIGHTS = [
    (None, 35),
    (Status.QUALIFIED, 25),
    (Status.MARKETING_QUALIFIED, 15),
    (Status.SALES_QUALIFIED, 15),
    (Status.DISQUALIFIED, 10),
]
# Where values come from: (source, trust, weight).
ORIGINS = [
    (Source.CONVERSATION, Trust.COOKIE, 40),
    (Source.CONVERSATION, Trust.VERIFIED, 12),
    (Source.CONVERSATION, Trust.CLAIMED, 8),
    (Source.BOOKING, Trust.COOKIE, 10),
    (Source.MANUAL, None, 14),
    (Source.API, None, 8),
    (Source.IMPORT, None, 8),
]


def contact_ids(account) -> list[uuid.UUID]:
    return [uuid.uuid5(NAMESPACE, f"{account.id}/contact/{i}") for i in range(COUNT)]


def ensure_fields(account) -> None:
    existing = set(field_service.field_map(account))
    for key, label, type_, options, help_text in FIELDS:
        if key not in existing:
            field_service.create_field(
                account, key=key, label=label, type=type_, options=options, help_text=help_text
            )


def team(account) -> list:
    members = list(Membership.objects.filter(account=account).select_related("user"))
    chosen = [m.user for m in members if m.user.email in TEAM_EMAILS]
    return chosen or [m.user for m in members]


ASCII = str.maketrans(
    {"ø": "o", "Ø": "O", "æ": "ae", "ß": "ss", "ł": "l", "Ł": "L", "ı": "i", "đ": "d", "œ": "oe"}
)


def ascii_part(text: str) -> str:
    """Zoë Ó Briain -> zoe, obriain: email local parts stay plain ASCII."""
    return slugify(text.translate(ASCII)).replace("-", "")


class Generator:
    def __init__(self, account, users, now):
        self.account = account
        self.users = users
        self.now = now
        self.rng = random.Random(SEED)
        self.library = field_service.field_map(account)
        self.emails: set[str] = set()
        self.phone_serial = 0
        self.phones: set = set()

    def pick(self, weighted):
        return self.rng.choices([w[:-1] for w in weighted], [w[-1] for w in weighted])[0]

    def phone(self) -> str:
        self.phone_serial += 1
        n = self.phone_serial
        return self.rng.choice(
            [
                f"+1 415 555 {n % 100:04d}",
                f"+44 20 7946 {n % 1000:04d}",
                f"+48 601 {n // 1000 % 1000:03d} {n % 1000:03d}",
                f"(415) 555-{n % 100:04d}",  # no country code: the account's default region
            ]
        )

    def email(self, first, last, domain) -> str:
        local = f"{ascii_part(first)}.{ascii_part(last)}".strip(".")
        candidate, n = f"{local}@{domain}", 1
        while candidate in self.emails:
            n += 1
            candidate = f"{local}{n}@{domain}"
        self.emails.add(candidate)
        return candidate

    def raw_values(self) -> dict:
        rng = self.rng
        if rng.random() < 0.12:  # an anonymous visitor who answered a question or two
            raw = {}
            if rng.random() < 0.7:
                raw["interests"] = [v for v, _ in rng.sample(INTERESTS, rng.randint(1, 2))]
            if rng.random() < 0.5:
                raw["company_size"] = rng.choice(["1-10", "11-200", "200+"])
            return raw
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        raw = {"first_name": first, "last_name": last}
        company = rng.choice(COMPANIES) if rng.random() < 0.85 else None
        if company:
            name, domain, industry, size = company
            raw.update(company=name, industry=industry, company_size=size)
            if rng.random() < 0.6:
                raw["website"] = domain
        else:
            domain = rng.choice(PERSONAL_DOMAINS)
        if rng.random() < 0.92:
            raw["email"] = self.email(first, last, domain)
        if rng.random() < 0.4:
            raw["phone"] = self.phone()
        if rng.random() < 0.7:
            raw["role"] = rng.choice(ROLES)
        if rng.random() < 0.45:
            raw["budget"] = rng.choice([2500, 5000, 7500, 12000, 20000, 48000, 1250.5])
        if rng.random() < 0.6:
            raw["newsletter"] = rng.random() < 0.55
        if rng.random() < 0.65:
            raw["interests"] = [v for v, _ in rng.sample(INTERESTS, rng.randint(1, 3))]
        return raw

    def owner(self, clean):
        known = clean.get("email") or clean.get("phone")
        if not self.users or self.rng.random() >= (0.75 if known else 0.1):
            return None
        return self.rng.choice(self.users)

    def moment_between(self, start, end):
        span = max((end - start).total_seconds(), 1)
        return start + timedelta(seconds=self.rng.uniform(0, span))

    def contact(self, contact_id):
        rng = self.rng
        raw = self.raw_values()
        status = self.pick(STATUS_WEIGHTS)[0]
        if status in (Status.QUALIFIED, Status.SALES_QUALIFIED) and rng.random() < 0.7:
            due = timezone.localdate() + timedelta(days=rng.randint(-3, 45))
            raw["next_step_date"] = due.isoformat()
        clean = normalise_all(self.library, raw, region=self.account.default_phone_region)
        clean = {k: v for k, v in clean.items() if v is not None}
        phone = clean.get("phone")
        if phone in self.phones:  # phones are unique among contacts without email
            del clean["phone"]
        elif phone:
            self.phones.add(phone)
        created = self.now - timedelta(days=rng.uniform(0.2, 180))
        visits = rng.randint(1, 25)
        contact = Contact(
            id=contact_id,
            account=self.account,
            status=status,
            owner=self.owner(clean),
            created_at=created,
            last_seen_at=self.moment_between(created, self.now),
            visits=visits,
            page_views=visits * rng.randint(1, 6),
            time_on_site_s=visits * rng.randint(20, 400),
            conversations=rng.randint(0 if not clean else 1, 4),
            bookings=rng.randint(1, 2) if status == Status.SALES_QUALIFIED else 0,
        )
        history, activities = [], []
        anonymous = not clean.get("email") and not clean.get("phone")
        for key, value in clean.items():
            source, trust = self.pick(ORIGINS)
            if anonymous:  # only a browser's own answers can exist on an anonymous contact
                source, trust = Source.CONVERSATION, Trust.COOKIE
            observed = self.moment_between(created, contact.last_seen_at)
            if key in SYSTEM_COLUMNS:
                setattr(contact, key, value)
            else:
                contact.custom[key] = value
            contact.field_meta[key] = {
                "source": source,
                "trust": trust,
                "observed_at": observed.isoformat(),
                "conversation": None,
            }
            actor = rng.choice(self.users) if source == Source.MANUAL and self.users else None
            history.append(self.change(contact, key, None, value, source, trust, observed, actor))
            if key == "company" and trust == Trust.COOKIE and rng.random() < 0.15:
                # A later claimed answer tried to overwrite it and was kept as rejected.
                later = self.moment_between(observed, self.now)
                history.append(
                    self.change(
                        contact,
                        key,
                        value,
                        rng.choice(COMPANIES)[0],
                        Source.CONVERSATION,
                        Trust.CLAIMED,
                        later,
                        None,
                        outcome="rejected",
                    )
                )
        if status:
            source, trust = self.pick(ORIGINS)
            observed = self.moment_between(created, contact.last_seen_at)
            actor = contact.owner if source == Source.MANUAL else None
            contact.status_meta = {
                "source": source,
                "trust": trust,
                "observed_at": observed.isoformat(),
            }
            history.append(
                self.change(contact, "status", None, status, source, trust, observed, actor)
            )
            activities.append(
                Activity(
                    account=self.account,
                    type=activity_types.STATUS_CHANGED.key,
                    actor=actor,
                    actor_kind="user" if actor else "bot",
                    owner=actor or contact.owner,
                    contact=contact,
                    occurred_at=observed,
                    updated_at=observed,
                    summary=f"Status set to {Status(status).label}",
                    data={"old": None, "new": status, "source": source},
                )
            )
        contact.updated_at = max([contact.created_at] + [c.observed_at for c in history])
        contact.search = search_text(contact)
        return contact, history, activities

    def change(self, contact, key, old, new, source, trust, observed, actor, outcome="applied"):
        return FieldChange(
            account_id=self.account.id,
            contact_id=contact.id,
            field=key,
            old=old,
            new=new,
            source=source,
            trust=trust,
            outcome=outcome,
            observed_at=observed,
            actor_id=actor.id if actor else None,
        )


@transaction.atomic
def build(account) -> None:
    ensure_fields(account)
    ids = contact_ids(account)
    if Contact.objects.filter(id__in=ids).exists():
        return
    generator = Generator(account, team(account), timezone.now())
    contacts, history, activities = [], [], []
    for contact_id in ids:
        contact, changes, acts = generator.contact(contact_id)
        contacts.append(contact)
        history.extend(changes)
        activities.extend(acts)
    Contact.objects.bulk_create(contacts, batch_size=500)
    FieldChange.objects.bulk_create(history, batch_size=1000)
    Activity.objects.bulk_create(activities, batch_size=1000)
