"""Recording into the activity log. Services call `record`; nothing is written from signals."""

from django.utils import timezone

from parley.activity.models import Activity


def actor_fields(actor) -> dict:
    """`actor` is a User, or a string naming a kind of actor ("bot", "api", "system")."""
    if actor is None:
        return {"actor": None, "actor_kind": "system"}
    if isinstance(actor, str):
        return {"actor": None, "actor_kind": actor}
    return {"actor": actor, "actor_kind": "user"}


def record(
    account,
    type_,
    *,
    actor=None,
    contact=None,
    owner=None,
    summary="",
    data=None,
    occurred_at=None,
    **extra,
) -> Activity:
    fields = actor_fields(actor)
    if owner is None and fields["actor"] is not None:
        owner = fields["actor"]
    now = occurred_at or timezone.now()
    return Activity.objects.create(
        account=account,
        type=type_.key if hasattr(type_, "key") else type_,
        contact=contact,
        owner=owner,
        summary=summary[:300],
        data=data or {},
        occurred_at=now,
        updated_at=now,
        **fields,
        **extra,
    )
