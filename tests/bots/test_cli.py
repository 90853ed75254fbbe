"""`parley bots export|import|lint|simulate` (SPEC 9)."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from parley.bots import services
from parley.bots.models import Bot

FLOW = {
    "start": "hello",
    "interactions": [
        {"id": "hello", "type": "message", "text": "Hi {{contact.first_name|there}}!"},
        {
            "id": "size",
            "type": "question",
            "input": "single_choice",
            "text": "Team size?",
            "options": [
                {"value": "small", "label": "Just a few"},
                {"value": "big", "label": "Hundreds"},
            ],
            "routing": {
                "rules": [
                    {
                        "when": {"all": [{"subject": "answer", "op": "equals", "value": "big"}]},
                        "go_to": "email",
                    }
                ],
                "otherwise": "bye",
            },
        },
        {
            "id": "email",
            "type": "question",
            "input": "email",
            "text": "Your work email?",
            "save_to": "email",
        },
        {"id": "qualify", "type": "action", "action": "set_status", "status": "sales_qualified"},
        {"id": "bye", "type": "message", "text": "Thanks!", "routing": {"next": "end"}},
    ],
}


def parley_command() -> list[str]:
    """The installed `parley` console script beside this Python."""
    script = Path(sys.executable).parent / "parley"
    return [str(script)] if script.exists() else [sys.executable, "-m", "parley.cli"]


def run(*args) -> str:
    out = StringIO()
    call_command("bots", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def bot(account, owner):
    return services.create_bot(account, owner, name="Qualifier", draft=FLOW)


def test_export_writes_json_to_stdout_and_yaml_by_extension(bot, tmp_path):
    exported = json.loads(run("export", str(bot.id)))
    assert exported["name"] == "Qualifier" and exported["flow"] == FLOW
    target = tmp_path / "flow.yaml"
    run("export", str(bot.id), str(target))
    assert yaml.safe_load(target.read_text())["flow"] == FLOW


def test_export_of_an_unknown_bot_fails(db):
    with pytest.raises(CommandError, match="No bot with id"):
        run("export", "00000000-0000-0000-0000-000000000000")


def test_import_creates_a_bot_from_an_export_or_a_bare_flow(bot, account, tmp_path):
    exported = tmp_path / "qualifier.yaml"
    run("export", str(bot.id), str(exported))
    created = json.loads(run("import", str(exported), "--account", account.slug))
    copy = Bot.objects.get(id=created["id"])
    assert copy.account == account and copy.name == "Qualifier" and copy.draft == FLOW
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(FLOW))
    created = json.loads(run("import", str(bare), "--account", account.slug, "--name", "Bare"))
    assert Bot.objects.get(id=created["id"]).name == "Bare"


def test_import_refuses_a_structurally_bad_flow_and_creates_nothing(account, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"interactions": [{"id": "x", "type": "shout"}]}))
    with pytest.raises(CommandError, match=r"interactions\[0\]\.type"):
        run("import", str(bad), "--account", account.slug)
    assert not Bot.objects.exists()


def test_lint_passes_a_clean_flow(tmp_path, account):
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(FLOW))
    assert run("lint", str(path), "--account", account.slug).strip() == (
        "ok: no errors, 0 warning(s)"
    )
    # Without an account the fields cannot be judged: those checks are left out.
    assert run("lint", str(path)).strip() == "ok: no errors, 0 warning(s)"


def test_lint_lists_each_error_with_its_id_or_key_and_fails(tmp_path, account):
    flow = json.loads(json.dumps(FLOW))
    flow["interactions"][1]["routing"]["otherwise"] = "byee"
    flow["interactions"][2]["save_to"] = "no_such_field"
    path = tmp_path / "flow.yaml"
    path.write_text(yaml.safe_dump(flow))
    out = StringIO()
    with pytest.raises(CommandError, match="2 error"):
        call_command("bots", "lint", str(path), "--account", account.slug, stdout=out)
    lines = out.getvalue().splitlines()
    assert 'error   interactions[1].routing.otherwise: unknown interaction "byee"' in lines
    assert 'error   interactions[2].save_to: unknown contact field "no_such_field"' in lines


def test_simulate_prints_the_transcript_and_effects(tmp_path, db):
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(FLOW))
    lines = run("simulate", str(path), "--answers", "big,ada@example.com").splitlines()
    assert lines[:5] == [
        "bot     Hi there!",
        "bot     Team size?",
        "visitor Hundreds",
        "bot     Your work email?",
        "visitor ada@example.com",
    ]
    assert lines[5] == "bot     Thanks!"
    assert 'effect  {"type": "save_field", "field": "email", "value": "ada@example.com"}' in lines
    assert 'effect  {"type": "set_status", "status": "sales_qualified"}' in lines
    assert lines[-1] == "ended"


def test_simulate_uses_the_contact_for_placeholders(tmp_path, db):
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(FLOW))
    lines = run(
        "simulate", str(path), "--contact", '{"fields": {"first_name": "Ada"}}'
    ).splitlines()
    assert lines[0] == "bot     Hi Ada!"
    assert lines[-1].startswith('awaiting {"interaction_id": "size"')


def test_the_real_command_simulates_from_a_file(tmp_path):
    path = tmp_path / "flow.yaml"
    path.write_text(yaml.safe_dump(FLOW))
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    result = subprocess.run(
        [*parley_command(), "bots", "simulate", str(path), "--answers", "small"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "bot     Hi there!",
        "bot     Team size?",
        "visitor Just a few",
        "bot     Thanks!",
        "ended",
    ]


def test_the_real_command_exits_non_zero_on_lint_errors(tmp_path):
    flow = json.loads(json.dumps(FLOW))
    flow["start"] = "nowhere"
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(flow))
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    result = subprocess.run(
        [*parley_command(), "bots", "lint", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode != 0
    assert 'error   start: unknown interaction "nowhere"' in result.stdout


PICK_FLOW = {
    "start": "tools",
    "interactions": [
        {
            "id": "tools",
            "type": "question",
            "input": "multi_choice",
            "text": "Which tools do you use?",
            "options": [
                {"value": "crm", "label": "A CRM"},
                {"value": "chat", "label": "Live chat"},
            ],
        },
        {"id": "company", "type": "question", "input": "text", "text": "Your company?"},
        {"id": "bye", "type": "message", "text": "Thanks, {{answers.company}}: {{answers.tools}}"},
    ],
}


def test_simulate_reads_a_json_list_with_commas_as_one_answer(tmp_path, db):
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(PICK_FLOW))
    lines = run("simulate", str(path), "--answers", '["crm", "chat"],"Acme, Inc."').splitlines()
    assert lines == [
        "bot     Which tools do you use?",
        "visitor A CRM, Live chat",
        "bot     Your company?",
        "visitor Acme, Inc.",
        "bot     Thanks, Acme, Inc.: A CRM, Live chat",
        "ended",
    ]


def test_simulate_keeps_brackets_inside_plain_text_answers(tmp_path, db):
    path = tmp_path / "flow.yaml"
    path.write_text(yaml.safe_dump(PICK_FLOW))
    lines = run("simulate", str(path), "--answers", "crm,Acme [EU],").splitlines()
    assert lines[1] == "visitor A CRM" and lines[3] == "visitor Acme [EU]"
    assert lines[-1] == "ended"


def test_import_into_an_account_without_an_admin_says_so(tmp_path, db):
    from parley.accounts.models import Account

    lonely = Account.objects.create(name="Lonely", slug="lonely")
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(FLOW))
    with pytest.raises(CommandError, match="has no admin"):
        run("import", str(path), "--account", lonely.slug)
    assert not Bot.objects.exists()


# -- a refused answer, --account ----------------------------------------------------
def run_failing(*args) -> tuple[CommandError, str]:
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("bots", *args, stdout=out)
    return caught.value, out.getvalue()


def flow_file(tmp_path, doc=FLOW):
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(doc))
    return str(path)


def test_simulate_fails_with_status_1_naming_the_refused_question_and_the_reason(tmp_path, db):
    error, out = run_failing("simulate", flow_file(tmp_path), "--answers", "big,not-an-email")
    assert error.returncode == 1
    assert str(error) == (
        'answer 2 ("not-an-email") to "email" was refused: Please enter a valid email address.'
    )
    lines = out.splitlines()
    # The transcript is still printed, the refusal as the last bot line, awaiting that question.
    assert lines[-3:-1] == ["visitor not-an-email", "bot     Please enter a valid email address."]
    assert lines[-1].startswith('awaiting {"interaction_id": "email"')


def test_simulate_refuses_in_the_flows_language(tmp_path, db):
    german = {**FLOW, "language": "de"}
    error, _ = run_failing("simulate", flow_file(tmp_path, german), "--answers", "big,nope")
    assert error.returncode == 1
    assert str(error).endswith(
        'to "email" was refused: Bitte geben Sie eine gültige E-Mail-Adresse ein.'
    )


def test_answers_that_run_out_are_not_a_refusal(tmp_path, db):
    lines = run("simulate", flow_file(tmp_path), "--answers", "big").splitlines()
    assert lines[-1].startswith('awaiting {"interaction_id": "email"')


BUDGET_FLOW = {
    "start": "hello",
    "interactions": [
        {"id": "hello", "type": "message", "text": "Budget {{contact.budget|unknown}}",
         "routing": {"rules": [{"when": {"subject": "contact_field", "field": "budget",
                                         "op": "gt", "value": 9}, "go_to": "big"}],
                     "otherwise": "small"}},
        {"id": "big", "type": "message", "text": "Big spender", "routing": {"next": "end"}},
        {"id": "small", "type": "message", "text": "Small budget", "routing": {"next": "end"}},
    ],
}


def test_simulate_reads_the_contact_with_the_chosen_accounts_fields(tmp_path, account,
                                                                     other_account):
    from parley.contacts.fields import create_field

    create_field(account, key="budget", label="Budget", type="number")
    path = flow_file(tmp_path, BUDGET_FLOW)
    contact = '{"fields": {"budget": "12.50"}}'
    by_slug = run("simulate", path, "--contact", contact, "--account", account.slug)
    by_id = run("simulate", path, "--contact", contact, "--account", str(account.id))
    assert by_slug == by_id
    assert by_slug.splitlines() == ["bot     Budget 12.5", "bot     Big spender", "ended"]
    # The other account has no budget field: its library refuses the contact, by name.
    error, _ = run_failing("simulate", path, "--contact", contact, "--account", other_account.slug)
    assert "--contact contact.fields.budget: Unknown contact field 'budget'." in str(error)


def test_an_unknown_account_is_a_usage_error_with_status_2(tmp_path, account):
    error, out = run_failing("simulate", flow_file(tmp_path), "--account", "nope")
    assert error.returncode == 2 and out == ""
    assert str(error) == f"No account with slug or id 'nope' (accounts: {account.slug})."
    error, _ = run_failing("simulate", flow_file(tmp_path), "--account",
                           "00000000-0000-0000-0000-000000000000")
    assert error.returncode == 2
    error, _ = run_failing("lint", flow_file(tmp_path), "--account", "nope")
    assert error.returncode == 2


def test_import_with_several_accounts_needs_account_and_takes_an_id(tmp_path, account,
                                                                      other_account):
    error, _ = run_failing("import", flow_file(tmp_path))
    assert error.returncode == 2 and "several accounts" in str(error)
    assert not Bot.objects.exists()
    created = json.loads(run("import", flow_file(tmp_path), "--account", str(other_account.id)))
    assert Bot.objects.get(id=created["id"]).account == other_account
