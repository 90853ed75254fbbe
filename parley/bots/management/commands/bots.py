import json
import sys
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from parley.flows import FlowError, flow_to_doc, lint, parse_flow, simulate_answers

# Exit statuses: 1 when the flow or an answer is refused (lint errors, a refused
# simulated answer), 2 when the command itself cannot run as asked (which account).
REFUSED, USAGE = 1, 2


def is_yaml(path: str) -> bool:
    return path.endswith((".yaml", ".yml"))


def read_document(path: str):
    """The parsed file (`-` is standard input): YAML by extension, else JSON."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
    try:
        return yaml.safe_load(text) if is_yaml(path) else json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        kind = "YAML" if is_yaml(path) else "JSON"
        raise CommandError(f"{path} is not valid {kind}: {exc}") from None


def flow_of(doc):
    """The flow of an export document (`{"name", "flow", ...}`), or the document itself."""
    if isinstance(doc, dict) and "flow" in doc and "interactions" not in doc:
        return doc["flow"]
    return doc


def read_flow(path: str):
    return flow_of(read_document(path))


def write(path: str | None, doc, stdout):
    if path and is_yaml(path):
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    else:
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if path and path != "-":
        Path(path).write_text(text)
    else:
        stdout.write(text, ending="")


class Command(BaseCommand):
    help = "Work with bot flows: export ID [FILE], import FILE, lint FILE, simulate FILE --answers a,b"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write a bot's draft flow (JSON, or YAML by extension)")
        export.add_argument("bot_id")
        export.add_argument("file", nargs="?")
        imp = sub.add_parser("import", help="create a bot from a flow file")
        imp.add_argument("file")
        imp.add_argument("--account", help="account slug or id (default: the only account)")
        imp.add_argument("--name", help="bot name (default: from the file)")
        lint_p = sub.add_parser("lint", help="check a flow file; exit 1 on errors")
        lint_p.add_argument("file")
        lint_p.add_argument("--account",
                            help="account slug or id: check its fields and calendars")
        sim = sub.add_parser("simulate", help="run a flow file against answers")
        sim.add_argument("file")
        sim.add_argument("--answers", default="", help="comma-separated answers (JSON values ok)")
        sim.add_argument("--trust", default="cookie", choices=["cookie", "claimed", "verified"])
        sim.add_argument("--contact", default="{}", help='JSON, e.g. {"fields": {...}}')
        sim.add_argument("--account", help="account slug or id: read the contact's fields "
                                           "with its field library (default: none)")

    def handle(self, action, **options):
        getattr(self, f"do_{action}")(**options)

    def account(self, wanted):
        """The account named by `--account` (its slug or its id), else the only one; a
        CommandError with exit status 2 when there is no such account or several."""
        from parley.accounts.models import Account

        if wanted:
            account = Account.objects.filter(slug=wanted).first()
            if account is None and _is_uuid(wanted):
                account = Account.objects.filter(id=wanted).first()
            if account is None:
                slugs = Account.objects.order_by("slug").values_list("slug", flat=True)[:20]
                known = f"accounts: {', '.join(slugs)}" if slugs else "there are no accounts"
                raise CommandError(f"No account with slug or id {wanted!r} ({known}).",
                                   returncode=USAGE)
            return account
        accounts = list(Account.objects.order_by("slug").values_list("slug", flat=True)[:21])
        if not accounts:
            raise CommandError("There is no account yet (create one with `parley bootstrap`).",
                               returncode=USAGE)
        if len(accounts) > 1:
            raise CommandError("There are several accounts: say which with --account SLUG or ID "
                               f"({', '.join(accounts[:20])}).", returncode=USAGE)
        return Account.objects.get(slug=accounts[0])

    def do_export(self, bot_id, file=None, **_):
        from parley.bots.models import Bot

        bot = Bot.objects.filter(id=bot_id).first() if _is_uuid(bot_id) else None
        if bot is None:
            raise CommandError(f"No bot with id {bot_id!r}.")
        write(file, {"name": bot.name, "reach_out_delay_s": bot.reach_out_delay_s,
                     "look": bot.look, "flow": bot.draft}, self.stdout)

    def do_import(self, file, account=None, name=None, **_):
        from parley.accounts.models import Membership
        from parley.bots.services import create_bot

        loaded = read_document(file)
        doc = flow_of(loaded)
        meta = loaded if doc is not loaded else {}
        target = self.account(account)
        owner = Membership.objects.filter(account=target, role="admin").first()
        if owner is None:
            raise CommandError(f"Account {target.slug!r} has no admin to own the bot.")
        default_name = "Imported bot" if file == "-" else Path(file).stem
        try:
            bot = create_bot(target, owner.user, name=name or meta.get("name") or default_name,
                             draft=doc, look=meta.get("look"),
                             reach_out_delay_s=meta.get("reach_out_delay_s", 5))
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {', '.join(v)}" for k, v in
                                         exc.message_dict.items())) from None
        self.stdout.write(json.dumps({"id": str(bot.id), "name": bot.name}))

    def do_lint(self, file, account=None, **_):
        doc = read_flow(file)
        if account:
            from parley.bots.services import lint_flow

            result = lint_flow(self.account(account), doc)
        else:
            result = lint(doc, None, None)
            # Without an account, the field library and calendars are unknown: checks that
            # need them are left out (say --account to include them).
            result.errors = [e for e in result.errors if not needs_account(e["message"])]
            result.warnings = [w for w in result.warnings if not needs_account(w["message"])]
        for item in result.errors:
            self.stdout.write(f"error   {item['path']}: {item['message']}")
        for item in result.warnings:
            self.stdout.write(f"warning {item['path']}: {item['message']}")
        if result.errors:
            raise CommandError(f"{len(result.errors)} error(s)", returncode=REFUSED)
        self.stdout.write(f"ok: no errors, {len(result.warnings)} warning(s)")

    def do_simulate(self, file, answers, trust, contact, account=None, **_):
        doc = read_flow(file)
        try:
            parse_flow(doc)
        except FlowError as exc:
            raise CommandError("; ".join(f"{e['path']}: {e['message']}" for e in exc.errors)) from None
        try:
            contact_doc = json.loads(contact)
        except json.JSONDecodeError as exc:
            raise CommandError(f"--contact is not JSON: {exc}") from None
        if not isinstance(contact_doc, dict):
            raise CommandError('--contact must be a JSON object, e.g. {"fields": {...}}')
        fields, types = contact_doc.get("fields") or {}, {}
        if account:
            # The account's field library: contact values normalised as the API's simulation
            # does, and comparisons by each field's type.
            from parley.bots.services import simulated_contact

            try:
                fields, types = simulated_contact(self.account(account), contact_doc)
            except ValidationError as exc:
                raise CommandError("; ".join(f"--contact {k}: {', '.join(v)}" for k, v in
                                             exc.message_dict.items())) from None
        values = split_answers(answers)
        result = simulate_answers(flow_to_doc(parse_flow(doc)), contact_fields=fields,
                                  field_types=types, status=contact_doc.get("status"),
                                  trust=trust, answers=values)
        for line in result.transcript:
            who = "bot    " if line["from"] == "bot" else "visitor"
            self.stdout.write(f"{who} {line['text']}")
        for effect in result.effects:
            self.stdout.write(f"effect  {json.dumps(effect, ensure_ascii=False)}")
        self.stdout.write("ended" if result.ended else
                          f"awaiting {json.dumps(result.awaiting, ensure_ascii=False)}")
        refused = result.refusal
        if refused is not None:
            raise CommandError(
                f"answer {refused.position} ({json.dumps(refused.answer, ensure_ascii=False)}) "
                f'to "{refused.interaction_id}" was refused: {refused.message}',
                returncode=REFUSED)


def needs_account(message: str) -> bool:
    return message.startswith(('unknown contact field "', 'unknown calendar "'))


def split_answers(text: str) -> list:
    """`--answers` as a list. Answers are comma-separated; one that starts with `[`,
    `{` or `"` runs to its closing bracket or quote, so a JSON list, object or string
    may hold commas. Each answer is read as JSON when it is JSON (`true`, `12`,
    `["a","b"]`), else as text; an empty one is None (Skip)."""
    if not text:
        return []
    parts, current = [], ""
    depth, quoted, escaped = 0, False, False
    for char in text:
        json_part = current.lstrip()[:1] in ("[", "{", '"') or (
            not current.strip() and char in '[{"')
        if json_part and quoted:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
        elif json_part and char == '"':
            quoted = True
        elif json_part and char in "[{":
            depth += 1
        elif json_part and char in "]}":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    return [_answer(part) for part in parts]


def _answer(text: str):
    text = text.strip()
    if text == "":
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _is_uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False
