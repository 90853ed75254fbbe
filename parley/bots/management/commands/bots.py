import json
import sys
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from parley.flows import FlowError, flow_to_doc, lint, parse_flow, simulate


def read_flow(path: str) -> dict:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
    try:
        doc = yaml.safe_load(text) if path.endswith((".yaml", ".yml")) else json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise CommandError(f"{path} is not valid {'YAML' if path.endswith(('.yaml', '.yml')) else 'JSON'}: {exc}") from None
    if isinstance(doc, dict) and "flow" in doc and "interactions" not in doc:
        doc = doc["flow"]  # an export document: {"name", "flow", ...}
    return doc


def write(path: str | None, doc, stdout):
    if path and path.endswith((".yaml", ".yml")):
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
        imp.add_argument("--account", help="account slug (default: the only account)")
        imp.add_argument("--name", help="bot name (default: from the file)")
        lint_p = sub.add_parser("lint", help="check a flow file; exit 1 on errors")
        lint_p.add_argument("file")
        lint_p.add_argument("--account", help="check fields and calendars of this account")
        sim = sub.add_parser("simulate", help="run a flow file against answers")
        sim.add_argument("file")
        sim.add_argument("--answers", default="", help="comma-separated answers (JSON values ok)")
        sim.add_argument("--trust", default="cookie", choices=["cookie", "claimed", "verified"])
        sim.add_argument("--contact", default="{}", help='JSON, e.g. {"fields": {...}}')

    def handle(self, action, **options):
        getattr(self, f"do_{action}")(**options)

    def account(self, slug):
        from parley.accounts.models import Account

        if slug:
            account = Account.objects.filter(slug=slug).first()
            if account is None:
                raise CommandError(f"No account with slug {slug!r}.")
            return account
        accounts = list(Account.objects.all()[:2])
        if len(accounts) != 1:
            raise CommandError("Say which account with --account SLUG.")
        return accounts[0]

    def do_export(self, bot_id, file=None, **_):
        from parley.bots.models import Bot

        bot = Bot.objects.filter(id=bot_id).first() if _is_uuid(bot_id) else None
        if bot is None:
            raise CommandError(f"No bot with id {bot_id!r}.")
        write(file, {"name": bot.name, "reach_out_delay_s": bot.reach_out_delay_s,
                     "look": bot.look, "flow": bot.draft}, self.stdout)

    def do_import(self, file, account=None, name=None, **_):
        from parley.bots.services import create_bot

        raw = Path(file).read_text() if file != "-" else None
        doc = read_flow(file)
        meta = {}
        if raw is not None:
            loaded = yaml.safe_load(raw) if file.endswith((".yaml", ".yml")) else json.loads(raw)
            meta = loaded if isinstance(loaded, dict) and "flow" in loaded else {}
        target = self.account(account)
        from parley.accounts.models import Membership

        owner = Membership.objects.filter(account=target, role="admin").first()
        try:
            bot = create_bot(target, owner.user, name=name or meta.get("name") or Path(file).stem,
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
            raise CommandError(f"{len(result.errors)} error(s)")
        self.stdout.write(f"ok: no errors, {len(result.warnings)} warning(s)")

    def do_simulate(self, file, answers, trust, contact, **_):
        doc = read_flow(file)
        try:
            parse_flow(doc)
        except FlowError as exc:
            raise CommandError("; ".join(f"{e['path']}: {e['message']}" for e in exc.errors)) from None
        try:
            contact_doc = json.loads(contact)
        except json.JSONDecodeError as exc:
            raise CommandError(f"--contact is not JSON: {exc}") from None
        values = [_answer(a) for a in answers.split(",")] if answers else []
        result = simulate(flow_to_doc(parse_flow(doc)), contact_fields=contact_doc.get("fields", {}),
                          status=contact_doc.get("status"), trust=trust, answers=values)
        for line in result["transcript"]:
            who = "bot    " if line["from"] == "bot" else "visitor"
            self.stdout.write(f"{who} {line['text']}")
        for effect in result["effects"]:
            self.stdout.write(f"effect  {json.dumps(effect, ensure_ascii=False)}")
        self.stdout.write("ended" if result["ended"] else
                          f"awaiting {json.dumps(result['awaiting'], ensure_ascii=False)}")


def needs_account(message: str) -> bool:
    return message.startswith(('unknown contact field "', 'unknown calendar "'))


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
