"""Bots: create, edit the draft, lint, publish immutable versions, simulate, duplicate."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from parley.accounts.models import Membership
from parley.accounts.services import Conflict
from parley.bots.models import Bot, BotVersion, default_assignment, default_look, empty_flow
from parley.contacts.fields import field_map
from parley.contacts.values import normalise_all
from parley.flows import (
    STATUSES,
    FieldSpec,
    FlowError,
    flow_to_doc,
    lint,
    parse_flow,
    simulate,
)

ASSIGNMENT_MODES = {"owner", "fixed", "round_robin"}
POSITIONS = {"right", "left"}


def field_specs(account) -> dict[str, FieldSpec]:
    return {key: FieldSpec(key, f.type, [o["value"] for o in f.options])
            for key, f in field_map(account).items()}


def calendar_slugs(account) -> set[str]:
    try:
        from parley.booking.models import Calendar
    except ImportError:
        return set()
    return set(Calendar.objects.filter(account=account).values_list("slug", flat=True))


def check_flow(doc) -> dict:
    """A structurally valid flow document, normalised; raises ValidationError with paths."""
    try:
        return flow_to_doc(parse_flow(doc))
    except FlowError as exc:
        raise ValidationError({e["path"] or "draft": e["message"] for e in exc.errors}) from None


def lint_flow(account, doc):
    return lint(doc, field_specs(account), calendar_slugs(account))


def check_assignment(account, value) -> dict:
    if value is None:
        return default_assignment()
    if not isinstance(value, dict) or value.get("mode") not in ASSIGNMENT_MODES:
        raise ValidationError({"assignment.mode": "One of owner, fixed, round_robin."})
    users = [str(u) for u in value.get("users") or []]
    members = {str(u) for u in Membership.objects.filter(
        account=account).values_list("user_id", flat=True)}
    unknown = [u for u in users if u not in members]
    if unknown:
        raise ValidationError({"assignment.users": f"Not users of this account: "
                                                   f"{', '.join(unknown)}."})
    if value["mode"] in {"fixed", "round_robin"} and not users:
        raise ValidationError({"assignment.users": f"Mode {value['mode']} needs users."})
    if value["mode"] == "fixed" and len(users) != 1:
        raise ValidationError({"assignment.users": "Mode fixed takes exactly one user."})
    return {"mode": value["mode"], "users": users}


def check_look(value) -> dict:
    look = default_look()
    if value is None:
        return look
    if not isinstance(value, dict):
        raise ValidationError({"look": "Expected an object."})
    color = value.get("color", look["color"])
    if not (isinstance(color, str) and len(color) == 7 and color.startswith("#")
            and all(c in "0123456789abcdefABCDEF" for c in color[1:])):
        raise ValidationError({"look.color": f"{color!r} is not a colour like #4f46e5."})
    position = value.get("position", "right")
    if position not in POSITIONS:
        raise ValidationError({"look.position": "right or left."})
    avatar = value.get("avatar_url") or ""
    if avatar and not str(avatar).startswith(("https://", "http://", "/")):
        raise ValidationError({"look.avatar_url": "An http(s) address."})
    return {"color": color.lower(), "avatar_url": str(avatar)[:500],
            "display_name": str(value.get("display_name") or "")[:60], "position": position}


def check_delay(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 3600:
        raise ValidationError({"reach_out_delay_s": "Seconds between 0 and 3600."})
    return value


def check_owner(account, owner_id, default):
    if owner_id is None:
        return default
    membership = Membership.objects.select_related("user").filter(
        account=account, user_id__in=[owner_id] if _uuid(owner_id) else []).first()
    if membership is None:
        raise ValidationError({"owner": f"{owner_id!r} is not a user of this account."})
    return membership.user


def _uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False


@transaction.atomic
def create_bot(account, user, *, name, owner=None, assignment=None, look=None,
               reach_out_delay_s=5, draft=None) -> Bot:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A bot needs a name."})
    return Bot.objects.create(
        account=account, name=name[:120], owner=check_owner(account, owner, user),
        assignment=check_assignment(account, assignment), look=check_look(look),
        reach_out_delay_s=check_delay(reach_out_delay_s),
        draft=check_flow(draft) if draft is not None else empty_flow(),
    )


@transaction.atomic
def update_bot(bot: Bot, **changes) -> Bot:
    """Apply the given changes; only their columns are written, so an instance loaded
    before a publish never puts back an older `published_version`."""
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if not name:
            raise ValidationError({"name": "A bot needs a name."})
        bot.name = name[:120]
    if "owner" in changes:
        bot.owner = check_owner(bot.account, changes["owner"], bot.owner)
    if "assignment" in changes:
        bot.assignment = check_assignment(bot.account, changes["assignment"])
    if "look" in changes:
        bot.look = check_look({**bot.look, **(changes["look"] or {})})
    if "reach_out_delay_s" in changes:
        bot.reach_out_delay_s = check_delay(changes["reach_out_delay_s"])
    if "draft" in changes:
        bot.draft = check_flow(changes["draft"])
    bot.updated_at = timezone.now()
    bot.save(update_fields=[*(key for key in changes if key in _EDITABLE), "updated_at"])
    return bot


_EDITABLE = ("name", "owner", "assignment", "look", "reach_out_delay_s", "draft")


def save_draft(bot: Bot, doc) -> Bot:
    return update_bot(bot, draft=doc)


class PublishRefused(Conflict):
    def __init__(self, result):
        self.result = result
        super().__init__("The flow has lint errors; fix them before publishing.")


@transaction.atomic
def publish(caller_bot: Bot, user) -> BotVersion:
    bot = Bot.objects.select_for_update().get(pk=caller_bot.pk)
    result = lint_flow(bot.account, bot.draft)
    if result.errors:
        raise PublishRefused(result)
    number = (bot.published_version or 0) + 1
    try:
        version = BotVersion.objects.create(account=bot.account, bot=bot, number=number,
                                            flow=bot.draft, published_by=user)
    except IntegrityError:
        raise Conflict("Someone published this bot at the same moment; try again.") from None
    bot.published_version = number
    bot.save(update_fields=["published_version"])
    caller_bot.published_version = number
    return version


def published_flow(bot: Bot) -> BotVersion | None:
    if bot.published_version is None:
        return None
    return BotVersion.objects.filter(bot=bot, number=bot.published_version).first()


@transaction.atomic
def duplicate(bot: Bot, user) -> Bot:
    return Bot.objects.create(
        account=bot.account, name=f"{bot.name} (copy)"[:120], owner=user,
        assignment=bot.assignment, look=bot.look, reach_out_delay_s=bot.reach_out_delay_s,
        draft=bot.draft,
    )


def archive(bot: Bot) -> None:
    """Bots are archived, not deleted: past conversations keep their version."""
    bot.archived_at = timezone.now()
    bot.save(update_fields=["archived_at"])


def simulated_contact(account, contact: dict) -> tuple[dict, dict]:
    """A simulation's starting contact `{"fields"?, "status"?}` as the account reads it: its
    fields normalised by the account's field library (ValidationError naming the field),
    and the library's field types."""
    library = field_map(account)
    types = {k: f.type for k, f in library.items()}
    fields = {k: v for k, v in normalise_all(
        library, contact.get("fields") or {}, region=account.default_phone_region,
        prefix="contact.fields").items() if v is not None}
    if contact.get("status") not in (None, *STATUSES):
        raise ValidationError({"contact.status": f"Unknown status {contact['status']!r}."})
    return fields, types


def run_simulation(bot: Bot, *, contact=None, visitor=None, trust="cookie", answers=(),
                   version=None) -> dict:
    if version is None:
        flow = bot.draft
    else:
        found = BotVersion.objects.filter(bot=bot, number=version).first()
        if found is None:
            raise ValidationError({"version": f"This bot has no published version {version}."})
        flow = found.flow
    if trust not in {"cookie", "claimed", "verified"}:
        raise ValidationError({"trust": "One of cookie, claimed, verified."})
    contact = contact or {}
    fields, types = simulated_contact(bot.account, contact)
    try:
        parse_flow(flow)
    except FlowError as exc:
        raise ValidationError({e["path"]: e["message"] for e in exc.errors}) from None
    return simulate(flow, contact_fields=fields, field_types=types,
                    status=contact.get("status"), trust=trust, visitor=visitor or {},
                    answers=list(answers))
