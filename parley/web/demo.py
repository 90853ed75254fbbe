"""The demo account. Each step is idempotent (get-or-create by fixed keys): `make run`
runs it every time. Later features add their own step to STEPS."""

import importlib

from django.db import transaction

from parley.accounts import services
from parley.accounts.models import Account, Membership, Role, User

EMAIL = "demo@example.com"
PASSWORD = "parley-demo"
SLUG = "demo"

TEAM = [
    ("maria@example.com", "Maria Lopez", Role.MEMBER),
    ("sam@example.com", "Sam Okafor", Role.MEMBER),
]

# "module.function" taking the demo account; run in order.
STEPS: list[str] = ["parley.contacts.demo.build", "parley.booking.demo.build",
                    "parley.bots.demo.build"]


# Steps that need everything above (targeting and sample conversations need published bots).
LAST_STEPS: list[str] = ["parley.conversations.demo.build"]


def demo_user() -> User:
    user = User.objects.filter(email=EMAIL).first()
    if user is None:
        user = User(email=EMAIL, name="Dana Demo")
        user.set_password(PASSWORD)
        user.save()
    return user


def allow_demo_origins(account) -> None:
    """The demo pages are served by Parley itself: its own address must be an allowed origin
    (127.0.0.1 and localhost both, on the port it runs on)."""
    from urllib.parse import urlsplit

    from django.conf import settings

    parts = urlsplit(settings.PARLEY_BASE_URL)
    port = f":{parts.port}" if parts.port else ""
    wanted = [f"{parts.scheme}://{host}{port}" for host in ("127.0.0.1", "localhost")]
    if parts.hostname not in ("127.0.0.1", "localhost"):
        wanted.insert(0, f"{parts.scheme}://{parts.hostname}{port}")
    website = account.websites.get(is_default=True)
    missing = [origin for origin in wanted if origin not in website.origins]
    if missing:
        website.origins = [*website.origins, *missing]
        website.save(update_fields=["origins"])


@transaction.atomic
def build() -> Account:
    admin = demo_user()
    account = Account.objects.filter(slug=SLUG).first()
    if account is None:
        account = services.create_account("Acme Demo", admin, slug=SLUG)
        website = account.websites.get(is_default=True)
        website.name = "Acme website"
        website.save()
    allow_demo_origins(account)
    for email, name, role in TEAM:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email, name=name)
            user.set_password(PASSWORD)
            user.save()
        Membership.objects.get_or_create(account=account, user=user, defaults={"role": role})
    for step in [*STEPS, *LAST_STEPS]:
        module, func = step.rsplit(".", 1)
        getattr(importlib.import_module(module), func)(account)
    return account
