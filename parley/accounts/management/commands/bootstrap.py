import json
import sys

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from parley.accounts import services
from parley.accounts.models import User


class Command(BaseCommand):
    help = (
        "Create an account with a default website, its admin and an API key; print one "
        "JSON line: account_id, api_key, site_key, identity_secret."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--account", default=None, help="account name (default: from email)")

    def handle(self, email, password, account, **options):
        # Migration chatter goes to stderr: stdout carries exactly one JSON line.
        call_command("migrate", interactive=False, verbosity=0, stdout=sys.stderr)
        email = email.strip().lower()
        name = account or email.split("@")[-1].split(".")[0].title() or "My account"
        try:
            with transaction.atomic():
                user = User.objects.filter(email=email).first()
                if user is None:
                    user = services.create_user(email, password, name=email.split("@")[0])
                elif not user.check_password(password):
                    raise CommandError(f"{email} already exists and the password does not match.")
                new_account = services.create_account(name, user)
                _, raw_key = services.create_api_key(new_account, user, "bootstrap")
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(
            json.dumps(
                {
                    "account_id": str(new_account.id),
                    "api_key": raw_key,
                    "site_key": new_account.site_key,
                    "identity_secret": new_account.identity_secret,
                }
            )
        )
