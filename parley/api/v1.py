"""The management API (SPEC 8.2): one NinjaAPI, routers from each app."""

from ninja import NinjaAPI

from parley.api import errors
from parley.api.auth import ApiKeyAuth

api = NinjaAPI(
    title="Parley management API",
    version="1",
    description=(
        "Manage contacts, bots, activities, calendars and webhooks. Send "
        "`Authorization: Bearer <key>` with a key created under Settings → API keys. "
        "Errors answer `{\"detail\", \"errors\": [{\"field\", \"message\"}]}`; lists answer "
        "`{\"items\", \"next\"}` and take `?limit=` (≤ 200) and `?cursor=`."
    ),
    auth=ApiKeyAuth(),
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)


def register_routers():
    from parley.accounts.api import router as accounts_router
    from parley.contacts.api import router as contacts_router

    api.add_router("", accounts_router)
    api.add_router("", contacts_router)
    for module in EXTRA_ROUTERS:
        api.add_router("", __import__(module, fromlist=["router"]).router)


# Later apps append their router modules here (one line each).
EXTRA_ROUTERS: list[str] = [
    "parley.bots.api",
    "parley.bots.targeting_api",
    "parley.tracking.api",
    "parley.integrations.api",
    "parley.booking.api",
    "parley.activity.api",
    "parley.reports.api",
]

register_routers()
