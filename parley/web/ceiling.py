"""Benchmark ceilings (served only when PARLEY_BENCH_ENDPOINTS=1): the same server, the same
middleware, a django-ninja POST that validates a small body — (a) without the database, and
(b) with one ORM insert in a transaction. Every scenario is judged against one of them."""

import uuid

from django.db import transaction
from django.utils import timezone
from ninja import NinjaAPI, Schema

api = NinjaAPI(title="Parley bench ceilings", urls_namespace="bench", docs_url=None,
               openapi_url=None)


class Ping(Schema):
    visitor_token: str
    url: str
    visible_ms: int = 0


@api.post("/framework")
def framework(request, payload: Ping):
    return {"ok": True, "visible_ms": payload.visible_ms}


@api.post("/single-write")
def single_write(request, payload: Ping):
    from parley.web.models import ScheduledJob

    with transaction.atomic():
        ScheduledJob.objects.create(name=f"bench-{uuid.uuid4().hex[:40]}",
                                    next_run_at=timezone.now())
    return {"ok": True, "visible_ms": payload.visible_ms}
