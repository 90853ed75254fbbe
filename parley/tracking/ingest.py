"""Page-view beacons are acknowledged at once and written in batches (DESIGN: one write per
request caps a small server; batched writes have many times the headroom).

Each server process keeps a short in-memory buffer; a flusher thread writes it every
PARLEY_PAGE_VIEW_FLUSH_MS (default 100 ms) or as soon as it holds PARLEY_PAGE_VIEW_BATCH
beacons, all in ONE transaction. A page view is therefore visible through the API within a
second of its beacon; a process that dies loses at most the beacons of its last flush
interval (documented in docs/architecture.md). With PARLEY_PAGE_VIEW_FLUSH_MS=0 beacons are
written synchronously (tests, and servers that prefer durability over throughput).
"""

import atexit
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

log = logging.getLogger("parley.tracking")


@dataclass
class Beacon:
    visitor_id: object
    page_view_id: str
    url: str
    title: str
    referrer: str
    visible_ms: int
    website_id: object
    received_at: datetime = field(default_factory=timezone.now)


class Buffer:
    def __init__(self):
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._items: list[Beacon] = []
        self._thread = None

    def add(self, beacon: Beacon) -> None:
        with self._lock:
            self._items.append(beacon)
            full = len(self._items) >= settings.PARLEY_PAGE_VIEW_BATCH
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="page-view-flusher",
                                                daemon=True)
                self._thread.start()
        if full:
            self._wake.set()

    def take(self) -> list[Beacon]:
        with self._lock:
            items, self._items = self._items, []
        return items

    def _run(self):
        interval = settings.PARLEY_PAGE_VIEW_FLUSH_MS / 1000
        while True:
            self._wake.wait(interval)
            self._wake.clear()
            try:
                close_old_connections()
                flush()
            except Exception:
                log.exception("page-view flush failed")


buffer = Buffer()


def submit(beacon: Beacon) -> None:
    if settings.PARLEY_PAGE_VIEW_FLUSH_MS <= 0:
        write([beacon])
    else:
        buffer.add(beacon)


def flush() -> int:
    items = buffer.take()
    if items:
        write(items)
    return len(items)


def write(beacons: list[Beacon]) -> None:
    """Write beacons in one transaction: per page view, the first beacon creates it and the
    largest visible time wins."""
    from parley.accounts.models import Website
    from parley.tracking.models import Visitor
    from parley.tracking.services import record_page_view

    latest: dict[tuple, Beacon] = {}
    for beacon in beacons:
        key = (beacon.visitor_id, beacon.page_view_id)
        kept = latest.get(key)
        if kept is None or beacon.visible_ms > kept.visible_ms:
            latest[key] = beacon if kept is None else Beacon(
                **{**beacon.__dict__, "url": kept.url, "title": kept.title,
                   "referrer": kept.referrer, "received_at": kept.received_at})
    visitors = Visitor.objects.in_bulk({b.visitor_id for b in latest.values()})
    websites = Website.objects.in_bulk({b.website_id for b in latest.values() if b.website_id})
    with transaction.atomic():
        for beacon in latest.values():
            visitor = visitors.get(beacon.visitor_id)
            if visitor is None or visitor.consent == "denied":
                continue  # erased, or consent revoked since the beacon
            record_page_view(visitor, page_view_id=beacon.page_view_id, url=beacon.url,
                             title=beacon.title, referrer=beacon.referrer,
                             visible_ms=beacon.visible_ms,
                             website=websites.get(beacon.website_id), now=beacon.received_at)


atexit.register(lambda: flush() if buffer._items else None)
