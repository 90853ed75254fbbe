from typing import Any

from ninja import Body, Router

from parley.api.auth import require_admin
from parley.bots import targeting
from parley.bots.models import TargetingRule

router = Router(tags=["Targeting"])


def rules_out(account) -> dict:
    return {"rules": [targeting.rule_out(r) for r in
                      TargetingRule.objects.filter(account=account).order_by("position")]}


@router.get("/targeting", response=dict)
def get_targeting(request):
    """The account's ordered targeting rules; the first rule that matches decides."""
    return rules_out(request.account)


@router.put("/targeting", response=dict)
def put_targeting(request, payload: dict[str, Any] = Body(...)):
    """Save the whole ordered list: `{"rules": [{"id"?, "name", "when", "schedule"?, "bot",
    "cap"}]}`. A rule with the `id` of an existing rule is updated in place and keeps its id;
    one without `id` is created; rules left out are deleted. Admins only."""
    require_admin(request)
    targeting.replace_rules(request.account, payload.get("rules"))
    from parley.api.widget_cors import clear_cache

    clear_cache()
    return rules_out(request.account)
