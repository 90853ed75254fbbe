"""Build a large account quickly, for benchmarks: bulk inserts on SQLite, COPY on PostgreSQL.

    parley-bench-generate --profile small|large      (run through bench/run.py)

Profiles (large / small = 1/100 of the big tables):
- contacts 1,000,000 / 10,000 with realistic names, companies, custom fields and statuses
- page views 10,000,000 / 100,000 over 3 months, on visitors of those contacts
- activities 2,000,000 / 20,000 (conversation activities with their conversations, status
  changes, field edits)
- 50 users and 20 bots (published) in both
- one "panel" contact with 1,000 page views and 50 activities (the contact-panel scenario)

Rows are written straight to the tables (model-driven column lists, so new columns get their
defaults): this is a data generator, not the product's write path.
"""

import json
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

PROFILES = {
    "small": {"contacts": 10_000, "page_views": 100_000, "activities": 20_000},
    "large": {"contacts": 1_000_000, "page_views": 10_000_000, "activities": 2_000_000},
}
USERS, BOTS = 50, 20
FIRST = [
    "Ana",
    "Ben",
    "Chloé",
    "Dmitri",
    "Elif",
    "Femi",
    "Greta",
    "Hiro",
    "Ines",
    "Jürgen",
    "Kai",
    "Lena",
    "Marta",
    "Noah",
    "Olu",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Zoë",
    "Łucja",
    "Mateo",
    "Aisha",
    "Tomás",
    "Yuki",
    "Omar",
    "Sara",
    "Liam",
    "Nora",
    "Ivan",
]
LAST = [
    "Smith",
    "Müller",
    "García",
    "Rossi",
    "Nowak",
    "Okafor",
    "Tanaka",
    "Dubois",
    "Silva",
    "Kowalski",
    "Jensen",
    "Haddad",
    "Novak",
    "Schmidt",
    "Costa",
    "Ivanova",
    "Brown",
    "Lee",
]
COMPANIES = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark",
    "Wayne",
    "Soylent",
    "Cyberdyne",
    "Tyrell",
    "Aperture",
    "Vandelay",
    "Wonka",
    "Oscorp",
    "Pied Piper",
]
SIZES = ["1-10", "11-200", "200+"]
STATUSES = [None, None, "qualified", "marketing_qualified", "sales_qualified", "disqualified"]
PAGES = ["/", "/pricing", "/about", "/blog/why-us", "/features", "/contact", "/customers"]


def now():
    return datetime.now(UTC)


class Table:
    """Collects rows for one model and writes them in big batches."""

    def __init__(self, model, connection, batch=20_000):
        from django.db.models.fields import NOT_PROVIDED

        self.model = model
        self.connection = connection
        self.fields = [f for f in model._meta.concrete_fields]
        self.columns = [f.column for f in self.fields]
        self.defaults = {}
        for f in self.fields:
            if f.default is NOT_PROVIDED:
                self.defaults[f.attname] = None
            elif callable(f.default):
                self.defaults[f.attname] = f.default
            else:
                self.defaults[f.attname] = f.default
        self.kinds = [
            (f.target_field if f.is_relation else f).get_internal_type() for f in self.fields
        ]
        self.rows = []
        self.batch = batch
        self.count = 0
        self.pg = connection.vendor == "postgresql"

    def add(self, **values):
        row = []
        for field, kind in zip(self.fields, self.kinds, strict=True):
            value = values.get(field.attname, self.defaults[field.attname])
            if callable(value):
                value = value()
            row.append(self.convert(kind, value))
        self.rows.append(row)
        if len(self.rows) >= self.batch:
            self.flush()

    def convert(self, kind, value):
        if value is None:
            return None
        if kind == "JSONField":
            return json.dumps(value)
        if self.pg:
            return value
        if kind == "UUIDField":
            return value.hex if isinstance(value, uuid.UUID) else str(value).replace("-", "")
        if kind == "DateTimeField":
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if kind == "BooleanField":
            return int(value)
        return value

    def flush(self):
        if not self.rows:
            return
        table = self.model._meta.db_table
        cols = ", ".join(f'"{c}"' for c in self.columns)
        with self.connection.cursor() as cursor:
            if self.pg:
                raw = cursor.cursor
                with raw.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', self.rows)
        self.count += len(self.rows)
        self.rows = []


def generate(profile: str, seed: int = 1) -> dict:
    """Create the bench account (slug `bench`) and its data; returns ids the scenarios need."""
    from django.db import connection, transaction

    from parley.accounts import services
    from parley.accounts.models import Account, Membership, Role, User
    from parley.activity.models import Activity
    from parley.bots import ready_made
    from parley.bots import services as bot_services
    from parley.bots.models import Bot
    from parley.contacts.models import Contact
    from parley.conversations.models import Conversation
    from parley.tracking.models import PageView, Visitor

    sizes = PROFILES[profile]
    rng = random.Random(seed)
    started = time.monotonic()
    timings = {}
    Account.objects.filter(slug="bench").delete()
    admin = User.objects.filter(email="bench@example.com").first()
    if admin is None:
        admin = User.objects.create_user("bench@example.com", "bench-password-1", name="Bench")
    account = services.create_account("Bench Inc", admin, slug="bench")
    users = [admin]
    for i in range(USERS - 1):
        user = User.objects.filter(email=f"bench{i}@example.com").first() or User.objects.create(
            email=f"bench{i}@example.com", name=f"Seller {i}"
        )
        Membership.objects.create(account=account, user=user, role=Role.MEMBER)
        users.append(user)
    ready_made.ensure_fields(account, ["company_size", "role"])
    bots, versions = [], []
    for i in range(BOTS):
        key = ["qualify", "newsletter", "support"][i % 3]
        if key == "qualify":
            bot = ready_made.create_from_template(account, admin, key)
            flow = dict(
                bot.draft,
                interactions=[x for x in bot.draft["interactions"] if x["type"] != "booking"],
            )
            bot = bot_services.update_bot(bot, draft=flow, name=f"Qualify {i}")
        else:
            bot = ready_made.create_from_template(account, admin, key)
            bot = bot_services.update_bot(bot, name=f"{bot.name} {i}")
        versions.append(bot_services.publish(bot, admin))
        bots.append(bot)
    bots = list(Bot.objects.filter(account=account))
    timings["setup_s"] = round(time.monotonic() - started, 1)

    horizon = now()
    span = timedelta(days=90)

    def moment():
        return horizon - span * rng.random()

    contacts = Table(Contact, connection)
    contact_ids = []
    t0 = time.monotonic()
    with transaction.atomic():
        for n in range(sizes["contacts"]):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            company = rng.choice(COMPANIES)
            known = rng.random() < 0.8
            email = f"{first}.{last}.{n}@{company.lower()}.example.com".lower() if known else None
            created = moment()
            cid = uuid.uuid4()
            contact_ids.append(cid)
            contacts.add(
                id=cid,
                account_id=account.id,
                first_name=first if known else "",
                last_name=last if known else "",
                email=email,
                company=company if known else "",
                custom={
                    "company_size": rng.choice(SIZES),
                    "role": rng.choice(
                        ["CEO", "CTO", "Head of Sales", "Marketing lead", "Engineer"]
                    ),
                },
                field_meta={},
                search=f"{first} {last} {email or ''} {company}".casefold() if known else "",
                status=rng.choice(STATUSES),
                owner_id=rng.choice(users).id if rng.random() < 0.7 else None,
                created_at=created,
                updated_at=created,
                last_seen_at=created,
                visits=rng.randint(1, 5),
                page_views=rng.randint(1, 30),
                time_on_site_s=rng.randint(10, 3000),
                conversations=rng.randint(0, 3),
            )
        contacts.flush()
    timings["contacts_s"] = round(time.monotonic() - t0, 1)

    panel_id = contact_ids[0]
    visitors = Table(Visitor, connection)
    visitor_ids = []
    t0 = time.monotonic()
    with transaction.atomic():
        for cid in contact_ids:
            vid = uuid.uuid4()
            visitor_ids.append((vid, cid))
            stamp = moment()
            visitors.add(
                id=vid,
                account_id=account.id,
                token="v_" + uuid.uuid4().hex,
                contact_id=cid,
                trust="cookie",
                consent="granted",
                created_at=stamp,
                last_seen_at=stamp,
                visits=1,
            )
        visitors.flush()
    views = Table(PageView, connection)
    with transaction.atomic():
        panel_visitor = visitor_ids[0][0]
        for i in range(1000):
            views.add(
                id=uuid.uuid4(),
                account_id=account.id,
                visitor_id=panel_visitor,
                contact_id=panel_id,
                url="https://bench.example.com" + rng.choice(PAGES),
                title="Page",
                started_at=moment(),
                visible_ms=rng.randint(1, 300) * 1000,
                visit=1 + i // 20,
            )
        for _ in range(sizes["page_views"] - 1000):
            vid, cid = visitor_ids[rng.randrange(len(visitor_ids))]
            views.add(
                id=uuid.uuid4(),
                account_id=account.id,
                visitor_id=vid,
                contact_id=cid,
                url="https://bench.example.com" + rng.choice(PAGES),
                title="Page",
                started_at=moment(),
                visible_ms=rng.randint(1, 300) * 1000,
                visit=1,
            )
        views.flush()
    timings["page_views_s"] = round(time.monotonic() - t0, 1)

    activities = Table(Activity, connection)
    conversations = Table(Conversation, connection)
    t0 = time.monotonic()
    with transaction.atomic():
        for i in range(sizes["activities"]):
            cid = panel_id if i < 50 else contact_ids[rng.randrange(len(contact_ids))]
            stamp = moment()
            owner = rng.choice(users)
            if rng.random() < 0.5:
                index = rng.randrange(len(bots))
                bot, version = bots[index], versions[index]
                conv = uuid.uuid4()
                outcome = rng.choice(["completed", "completed", "abandoned", "started"])
                has_booking = outcome == "completed" and rng.random() < 0.2
                conversations.add(
                    id=conv,
                    account_id=account.id,
                    bot_id=bot.id,
                    version_id=version.id,
                    contact_id=cid,
                    assignee_id=owner.id,
                    state={},
                    outcome=outcome,
                    answers=rng.randint(0, 5),
                    has_booking=has_booking,
                    started_at=stamp,
                    last_reply_at=stamp,
                    initiated_by="bot",
                )
                activities.add(
                    id=uuid.uuid4(),
                    account_id=account.id,
                    type="conversation",
                    occurred_at=stamp,
                    updated_at=stamp,
                    actor_kind="visitor",
                    owner_id=owner.id,
                    contact_id=cid,
                    bot_id=bot.id,
                    conversation_id=conv,
                    outcome=outcome,
                    has_booking=has_booking,
                    summary=f"{bot.name} · 3 answers",
                    data={"answers": 3, "last_reply_at": stamp.isoformat()},
                )
            else:
                kind = rng.choice(["status_changed", "field_changed"])
                activities.add(
                    id=uuid.uuid4(),
                    account_id=account.id,
                    type=kind,
                    occurred_at=stamp,
                    updated_at=stamp,
                    actor_id=owner.id,
                    owner_id=owner.id,
                    contact_id=cid,
                    summary="Status set to Qualified"
                    if kind == "status_changed"
                    else "Changed Company",
                    data={},
                )
        conversations.flush()
        activities.flush()
    timings["activities_s"] = round(time.monotonic() - t0, 1)
    timings["total_s"] = round(time.monotonic() - started, 1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        **extras(account, admin),
        "account": str(account.id),
        "site_key": account.site_key,
        "panel_contact": str(panel_id),
        "bots": [str(b.id) for b in bots],
        # The turns scenario runs the qualification bot (start + its answers to the end).
        "qualify_bot": str(next(b.id for b in bots if b.name.startswith("Qualify"))),
        "admin": str(admin.id),
        "rows": {
            "contacts": contacts.count,
            "page_views": views.count,
            "activities": activities.count,
            "conversations": conversations.count,
        },
        "timings": timings,
    }


def extras(account, admin) -> dict:
    """What the load generator needs: an API key, a signed-in session, consenting visitors."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from parley.accounts.services import create_api_key
    from parley.tracking.models import Visitor

    _, key = create_api_key(account, admin, "bench")
    session = SessionStore()
    session[SESSION_KEY] = str(admin.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = admin.get_session_auth_hash()
    session["account_id"] = str(account.id)
    session.create()
    tokens = [f"v_bench_{n}" for n in range(2000)]
    Visitor.objects.bulk_create(
        [Visitor(account=account, token=t, consent="granted", visits=1) for t in tokens]
    )
    return {
        "api_key": key,
        "session_cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
        "visitor_tokens": tokens,
    }


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
    django.setup()
    print(json.dumps(generate(sys.argv[1] if len(sys.argv) > 1 else "small")))
