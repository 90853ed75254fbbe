"""`parley bots simulate` as a user runs it: the exit status says whether every scripted
answer was taken (0), one was refused (1, the refusal on stderr), or the command could not
run as asked (2, e.g. an unknown --account)."""

import json

FLOW = {
    "start": "email",
    "interactions": [
        {"id": "email", "type": "question", "input": "email", "text": "Your work email?",
         "save_to": "email"},
        {"id": "bye", "type": "message", "text": "Thanks, {{contact.email}}!"},
    ],
}


def flow_file(parley, doc=FLOW):
    path = parley.cwd / "flow.json"
    path.write_text(json.dumps(doc))
    return str(path)


def bootstrap(parley, name, email):
    result = parley("bootstrap", "--email", email, "--password", "violet-harbour-lantern",
                    "--account", name)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["account_id"]


def test_a_refused_answer_exits_1_naming_the_question_and_the_reason(migrated_parley):
    result = migrated_parley("bots", "simulate", flow_file(migrated_parley),
                             "--answers", "ada-at-example")
    assert result.returncode == 1, result.stderr
    assert ('answer 1 ("ada-at-example") to "email" was refused: '
            "Please enter a valid email address.") in result.stderr
    assert result.stdout.splitlines()[:3] == [
        "bot     Your work email?",
        "visitor ada-at-example",
        "bot     Please enter a valid email address.",
    ]


def test_answers_taken_exit_0(migrated_parley):
    result = migrated_parley("bots", "simulate", flow_file(migrated_parley),
                             "--answers", "ada@example.com")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[2] == "bot     Thanks, ada@example.com!" and lines[-1] == "ended"
    assert result.stderr == ""


def test_account_picks_one_of_several_by_slug_or_id_and_an_unknown_one_exits_2(
        migrated_parley):
    first = bootstrap(migrated_parley, "Acme", "ada@acme.test")
    bootstrap(migrated_parley, "Globex", "gus@globex.test")
    slugs = sorted(s for (s,) in migrated_parley.rows("SELECT slug FROM accounts_account"))
    greeting = flow_file(migrated_parley, {"start": "hi", "interactions": [
        {"id": "hi", "type": "message", "text": "Hello <{{contact.email|stranger}}>"}]})
    contact = '{"fields": {"email": " ADA@Example.COM"}}'
    for account in (first, slugs[0]):
        result = migrated_parley("bots", "simulate", greeting, "--account", account,
                                 "--contact", contact)
        assert result.returncode == 0, result.stderr
        # Read with the account's field library: the email is normalised as stored.
        assert result.stdout.splitlines() == ["bot     Hello <ada@example.com>", "ended"]
    path = flow_file(migrated_parley)

    unknown = migrated_parley("bots", "simulate", path, "--account", "initech")
    assert unknown.returncode == 2
    assert "No account with slug or id 'initech'" in unknown.stderr
    assert all(slug in unknown.stderr for slug in slugs)
    assert unknown.stdout == ""

    several = migrated_parley("bots", "import", path)
    assert several.returncode == 2
    assert "several accounts" in several.stderr
