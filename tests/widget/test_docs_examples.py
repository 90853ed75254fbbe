"""The server-side `user_hash` examples of docs/widget.md compute the hash that
`POST /identify` accepts: the Python one run here, the Node one run with `node`."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from parley.accounts.models import Website
from parley.api.widget_cors import clear_cache
from parley.tracking.models import Visitor
from tests.conversations.conftest import ORIGIN, Widget

DOC = Path(__file__).resolve().parents[2] / "docs" / "widget.md"
EMAIL = "  Dana.Miller@Acme.Example "


def example(language: str) -> str:
    """The code block that follows the `Language:` line of the identify section."""
    text = DOC.read_text()
    match = re.search(rf"^{language}:\n\n```\w+\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert match, f"docs/widget.md has no {language} example"
    return match.group(1)


def python_hash(email: str, secret: str) -> str:
    scope: dict = {}
    exec(example("Python"), scope)  # noqa: S102 - our own documentation
    return scope["parley_user_hash"](email, secret)


def node_hash(email: str, secret: str) -> str:
    script = example("Node") + "\nprocess.stdout.write(parleyUserHash(process.argv[1], process.argv[2]));"
    result = subprocess.run(["node", "-e", script, email, secret], capture_output=True,
                            text=True, timeout=30, check=True)
    return result.stdout.strip()


@pytest.fixture
def widget(account):
    Website.objects.filter(account=account, is_default=True).update(origins=[ORIGIN])
    clear_cache()
    widget = Widget(account)
    widget.visit()
    yield widget
    clear_cache()


def identify(widget, user_hash):
    return widget.post("/identify", {"visitor_token": widget.token, "email": EMAIL,
                                     "user_hash": user_hash})


def test_the_python_example_computes_the_hash_identify_accepts(widget, account):
    assert identify(widget, python_hash(EMAIL, "not the secret")).status_code == 403
    response = identify(widget, python_hash(EMAIL, account.identity_secret))
    assert response.status_code == 200, response.data
    visitor = Visitor.objects.get(token=widget.token)
    assert visitor.contact.values()["email"] == "dana.miller@acme.example"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_node_example_computes_the_same_hash_as_the_python_one(account):
    for email in (EMAIL, "ana@acme.test", "Ana@ÉXEMPLE.fr"):
        assert node_hash(email, account.identity_secret) == python_hash(
            email, account.identity_secret)


def test_an_international_domain_is_lower_cased_as_the_server_does(widget, account):
    email = "Ana@ÉXEMPLE.fr"
    response = widget.post("/identify", {"visitor_token": widget.token, "email": email,
                                         "user_hash": python_hash(email, account.identity_secret)})
    assert response.status_code == 200, response.data
    assert Visitor.objects.get(token=widget.token).contact.values()["email"] == "ana@éxemple.fr"


def test_the_php_example_lower_cases_every_letter_not_only_ascii():
    # PHP's strtolower() folds A-Z only, so "ÉXEMPLE" would keep its capital and the
    # hash would not match; mb_strtolower() folds like the server.
    php = example("PHP")
    assert "hash_hmac('sha256', mb_strtolower(trim($email), 'UTF-8'), $identitySecret)" in php
