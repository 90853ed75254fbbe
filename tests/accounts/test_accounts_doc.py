"""docs/accounts.md states the defaults users rely on: they must be the code's defaults, its
links must lead somewhere, and the README must list it."""

import re
from pathlib import Path

from django.conf import settings

from parley.accounts.models import Account, TrackingMode

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "accounts.md").read_text()
TEXT = " ".join(DOC.split())  # sentences as read, whatever the line breaks


def field_default(name):
    return Account._meta.get_field(name).default


def test_the_readme_lists_the_accounts_doc():
    assert "(docs/accounts.md)" in (ROOT / "README.md").read_text()


def test_the_defaults_it_states_are_the_codes():
    stated = {
        f"valid for **{settings.PARLEY_INVITATION_DAYS} days** (`PARLEY_INVITATION_DAYS`)",
        f"At least **{settings.AUTH_PASSWORD_VALIDATORS[0]['OPTIONS']['min_length']} "
        "characters** (`PARLEY_PASSWORD_MIN_LENGTH`)",
        f"**{settings.PARLEY_LOCKOUT_FAILURES} failed sign-ins** (`PARLEY_LOCKOUT_FAILURES`)",
        f"within **{settings.PARLEY_LOCKOUT_WINDOW_MIN} minutes** (`PARLEY_LOCKOUT_WINDOW_MIN`)",
        f"**{settings.PARLEY_LOCKOUT_MIN} minutes** (`PARLEY_LOCKOUT_MIN`)",
        f"**{settings.PARLEY_SIGNIN_PER_IP_PER_MIN} sign-ins a minute**",
        f"after **{field_default('session_idle_hours')} hours without activity**",
        f"the session cookie lasts {settings.SESSION_COOKIE_AGE // 86400} days",
        f"acts as {settings.SESSION_COOKIE_AGE // 86400} days",
        f"a value above {settings.SESSION_COOKIE_AGE // 3600} hours",
        f"N days (default **{field_default('retention_anonymous_days')}**)",
        f"N days (default **{field_default('retention_page_view_days')}**, about 13 months)",
        f"Each key may make {settings.PARLEY_RATE_API_KEY} requests a second",
    }
    missing = [text for text in stated if text not in TEXT]
    assert missing == []
    assert field_default("tracking") == TrackingMode.REQUIRED
    assert "(the default, `required`)" in TEXT
    assert field_default("members_see_all_contacts") is True
    assert field_default("honour_dnt") is True and "(on by default)" in TEXT
    for mode in TrackingMode:
        assert f"**{mode.label}**" in TEXT, mode


def anchors(markdown: str) -> set[str]:
    out = set()
    for heading in re.findall(r"^#+ (.+)$", markdown, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


def test_its_links_lead_to_existing_docs_and_sections():
    for target in re.findall(r"\]\(([^)]+)\)", DOC):
        if target.startswith("http"):
            continue
        path, _, anchor = target.partition("#")
        page = (ROOT / "docs" / path) if path else ROOT / "docs" / "accounts.md"
        assert page.exists(), target
        if anchor:
            assert anchor in anchors(page.read_text()), target
