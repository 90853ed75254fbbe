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
from django.db import IntegrityError, close_old_connections, connection, transaction
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
    largest visible time wins. A batch compiles a handful of statements whatever its size: one
    read of the page views it touches, one bulk insert, and one prepared update each for
    visible times, visitors' figures and contacts' figures, run once per row."""
    from parley.accounts.models import Website
    from parley.tracking.models import Visitor

    latest: dict[tuple, Beacon] = {}
    for beacon in beacons:
        key = (beacon.visitor_id, beacon.page_view_id)
        kept = latest.get(key)
        if kept is None or beacon.visible_ms > kept.visible_ms:
            latest[key] = beacon if kept is None else Beacon(
                **{**beacon.__dict__, "url": kept.url, "title": kept.title,
                   "referrer": kept.referrer, "received_at": kept.received_at})
    visitors = Visitor.objects.only("id", "account_id", "contact_id", "consent", "visits").in_bulk(
        {b.visitor_id for b in latest.values()})
    websites = Website.objects.in_bulk({b.website_id for b in latest.values() if b.website_id})
    wanted = [b for b in latest.values()
              if b.visitor_id in visitors and visitors[b.visitor_id].consent != "denied"]
    # erased visitors, and visitors who revoked consent since their beacon, are dropped
    if not wanted:
        return
    try:
        with transaction.atomic():
            _write_batch(wanted, visitors, websites)
    except IntegrityError:
        # another process created one of these page views at the same moment: write them
        # one by one, each finding the other's row
        _write_each(wanted, visitors, websites)


def _write_batch(wanted, visitors, websites):
    from parley.tracking.models import PageView
    from parley.tracking.services import utm_of

    existing = {
        (view.visitor_id, view.client_id): view
        for view in PageView.objects.select_for_update().filter(
            visitor_id__in={b.visitor_id for b in wanted},
            client_id__isnull=False,
            client_id__in={b.page_view_id for b in wanted},
        ).only("id", "visitor_id", "client_id", "visible_ms")
    }
    created, grown = [], []
    figures = Figures()
    for beacon in wanted:
        visitor = visitors[beacon.visitor_id]
        visible_ms = max(0, int(beacon.visible_ms or 0))
        view = existing.get((beacon.visitor_id, beacon.page_view_id))
        if view is None:
            view = PageView(
                account_id=visitor.account_id, visitor_id=visitor.id,
                contact_id=visitor.contact_id, client_id=beacon.page_view_id,
                website_id=beacon.website_id if beacon.website_id in websites else None,
                url=beacon.url[:2000], title=(beacon.title or "")[:500],
                referrer=(beacon.referrer or "")[:2000], utm=utm_of(beacon.url),
                started_at=beacon.received_at, visible_ms=visible_ms,
                visit=max(visitor.visits, 1))
            existing[(beacon.visitor_id, beacon.page_view_id)] = view
            created.append(view)
            figures.add(visitor, views=1, seconds=visible_ms // 1000, at=beacon.received_at,
                        viewed=True)
        elif visible_ms > view.visible_ms:
            gained_s = visible_ms // 1000 - view.visible_ms // 1000
            view.visible_ms = visible_ms
            grown.append(view)
            if gained_s > 0:
                figures.add(visitor, seconds=gained_s, at=beacon.received_at)
    if created:
        PageView.objects.bulk_create(created)
    if grown:
        execute_many(PageView, "UPDATE {table} SET visible_ms = %s WHERE id = %s",
                     [(view.visible_ms, pk(PageView, view.id)) for view in grown])
    figures.save()


def _write_each(wanted, visitors, websites):
    from parley.tracking.services import record_page_view

    with transaction.atomic():
        for beacon in wanted:
            record_page_view(visitors[beacon.visitor_id], page_view_id=beacon.page_view_id,
                             url=beacon.url, title=beacon.title, referrer=beacon.referrer,
                             visible_ms=beacon.visible_ms,
                             website=websites.get(beacon.website_id), now=beacon.received_at)


class Figures:
    """The visitors' and contacts' page-view figures a batch adds, written with one bulk
    update per table (each row's new value computed from its own column, so concurrent
    writers add up instead of overwriting each other; times only move forwards)."""

    def __init__(self):
        self.visitors: dict = {}
        self.contacts: dict = {}

    def add(self, visitor, *, views=0, seconds=0, at, viewed=False):
        for table, key in ((self.visitors, visitor.id), (self.contacts, visitor.contact_id)):
            if key is None:
                continue
            row = table.setdefault(key, {"views": 0, "seconds": 0, "at": at, "viewed": None})
            row["views"] += views
            row["seconds"] += seconds
            row["at"] = max(row["at"], at)
            if viewed:
                row["viewed"] = max(row["viewed"] or at, at)

    def save(self):
        from parley.contacts.models import Contact
        from parley.tracking.models import Visitor

        # One statement prepared once and run for every row: Django's bulk_update builds a
        # CASE per row and column, whose compilation cost more than the whole batch's writes.
        execute_many(Visitor, """UPDATE {table} SET page_views = page_views + %s,
            time_on_site_s = time_on_site_s + %s,
            last_seen_at = CASE WHEN last_seen_at > %s THEN last_seen_at ELSE %s END,
            last_page_view_at = CASE WHEN %s IS NULL OR last_page_view_at > %s
                                     THEN last_page_view_at ELSE %s END
            WHERE id = %s""", [
            (row["views"], row["seconds"], moment(row["at"]), moment(row["at"]),
             moment(row["viewed"]), moment(row["viewed"]), moment(row["viewed"]), pk(Visitor, key))
            for key, row in self.visitors.items()])
        execute_many(Contact, """UPDATE {table} SET page_views = page_views + %s,
            time_on_site_s = time_on_site_s + %s,
            last_seen_at = CASE WHEN last_seen_at > %s THEN last_seen_at ELSE %s END
            WHERE id = %s""", [
            (row["views"], row["seconds"], moment(row["at"]), moment(row["at"]), pk(Contact, key))
            for key, row in self.contacts.items()])


def execute_many(model, sql: str, rows: list) -> None:
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql.format(table=connection.ops.quote_name(model._meta.db_table)),
                               rows)


def pk(model, value):
    return model._meta.pk.get_db_prep_value(value, connection)


def moment(value):
    return None if value is None else connection.ops.adapt_datetimefield_value(value)


atexit.register(lambda: flush() if buffer._items else None)
