from typing import Any

from django.core.exceptions import ValidationError
from ninja import Body, Router, Schema

from parley.accounts.scoping import get_for_account
from parley.api.errors import ApiError
from parley.api.pagination import paginate
from parley.bots import ready_made, services
from parley.bots.models import Bot

router = Router(tags=["Bots"])


class BotIn(Schema):
    name: str
    owner: str | None = None
    assignment: dict[str, Any] | None = None
    look: dict[str, Any] | None = None
    reach_out_delay_s: int = 5
    draft: dict[str, Any] | None = None
    template: str | None = None


class BotPatch(Schema):
    name: str | None = None
    owner: str | None = None
    assignment: dict[str, Any] | None = None
    look: dict[str, Any] | None = None
    reach_out_delay_s: int | None = None


class BotOut(Schema):
    id: str
    name: str
    owner: str
    assignment: dict[str, Any]
    look: dict[str, Any]
    reach_out_delay_s: int
    draft: dict[str, Any]
    published_version: int | None


class SimulationIn(Schema):
    contact: dict[str, Any] | None = None
    visitor: dict[str, Any] | None = None
    trust: str = "cookie"
    answers: list[Any] = []
    version: int | None = None


def bot_out(bot: Bot) -> dict:
    return {
        "id": str(bot.id), "name": bot.name, "owner": str(bot.owner_id),
        "assignment": bot.assignment, "look": bot.look,
        "reach_out_delay_s": bot.reach_out_delay_s, "draft": bot.draft,
        "published_version": bot.published_version,
    }


def live_bots(request):
    return Bot.objects.filter(account=request.account, archived_at__isnull=True)


def get_bot(request, bot_id) -> Bot:
    return get_for_account(live_bots(request), request.account, id=bot_id)


@router.get("/bots", response=dict)
def list_bots(request, q: str | None = None, limit: int | None = None,
              cursor: str | None = None):
    qs = live_bots(request)
    if q:
        qs = qs.filter(name__icontains=q.strip())
    return paginate(qs, limit=limit, cursor=cursor, serialize=bot_out)


@router.post("/bots", response={201: BotOut})
def create_bot(request, payload: BotIn):
    """Create a bot; `template` (qualify, newsletter, support) starts from a ready-made flow."""
    settings = {"name": payload.name, "owner": payload.owner, "assignment": payload.assignment,
                "look": payload.look, "reach_out_delay_s": payload.reach_out_delay_s}
    if payload.template:
        if payload.draft is not None:
            raise ValidationError({"draft": "Give either a template or a draft, not both."})
        if not payload.name.strip():
            raise ValidationError({"name": "A bot needs a name."})
        bot = ready_made.create_from_template(
            request.account, request.user, payload.template, **settings)
    else:
        bot = services.create_bot(request.account, request.user, draft=payload.draft, **settings)
    return 201, bot_out(bot)


@router.get("/bots/{bot_id}", response=BotOut)
def get_bot_detail(request, bot_id: str):
    return bot_out(get_bot(request, bot_id))


@router.patch("/bots/{bot_id}", response=BotOut)
def patch_bot(request, bot_id: str, payload: BotPatch):
    bot = get_bot(request, bot_id)
    return bot_out(services.update_bot(bot, **payload.dict(exclude_unset=True)))


@router.delete("/bots/{bot_id}", response={204: None})
def delete_bot(request, bot_id: str):
    services.archive(get_bot(request, bot_id))
    return 204, None


@router.put("/bots/{bot_id}/draft", response=BotOut)
def put_draft(request, bot_id: str, payload: dict[str, Any] = Body(...)):
    """Replace the draft flow. 422 only for structurally invalid documents; dangling
    references are allowed in a draft and reported by lint."""
    bot = get_bot(request, bot_id)
    return bot_out(services.save_draft(bot, payload))


@router.get("/bots/{bot_id}/lint", response=dict)
def lint_bot(request, bot_id: str):
    bot = get_bot(request, bot_id)
    return services.lint_flow(request.account, bot.draft).to_dict()


@router.post("/bots/{bot_id}/publish", response=dict)
def publish_bot(request, bot_id: str):
    bot = get_bot(request, bot_id)
    try:
        version = services.publish(bot, request.user)
    except services.PublishRefused as exc:
        raise ApiError(409, str(exc), [{"field": e["path"], "message": e["message"]}
                                       for e in exc.result.errors],
                       lint=exc.result.to_dict()) from None
    bot.refresh_from_db()
    return {"published_version": version.number, "bot": bot_out(bot)}


@router.post("/bots/{bot_id}/simulate", response=dict)
def simulate_bot(request, bot_id: str, payload: SimulationIn):
    bot = get_bot(request, bot_id)
    try:
        return services.run_simulation(
            bot, contact=payload.contact, visitor=payload.visitor, trust=payload.trust,
            answers=payload.answers, version=payload.version)
    except ValidationError:
        raise
