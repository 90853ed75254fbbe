"""Who sent a page-view beacon, without a database read per beacon.

Beacons are the widget's most frequent call (one per page load, a heartbeat every 15 s, one
on `pagehide`), and reading the visitor row was most of a beacon's cost. Each server process
keeps, for a minute, the few columns a beacon needs of the visitors whose beacons it has
stored: their id and consent. Staleness only ever errs towards accepting a beacon, which the
batch writer then checks against the fresh row (`ingest.write` drops beacons of erased
visitors and of visitors who revoked consent since):

- an entry is kept only while tracking is allowed for it; a "no" is always re-read from the
  database, so a visitor who has just consented in another process is never turned away;
- consent changes in this process forget the entry at once.
"""

import threading
import time
from dataclasses import dataclass

TTL_S = 60.0
MAX_ENTRIES = 50_000


@dataclass(frozen=True)
class KnownVisitor:
    id: object
    account_id: object
    consent: str | None
    contact_id: object = None


_lock = threading.Lock()
_entries: dict[tuple, tuple[float, KnownVisitor]] = {}
clock = time.monotonic  # replaceable, so tests can let time pass


def get(account_id, token: str) -> KnownVisitor | None:
    hit = _entries.get((account_id, token))
    if hit is None or clock() - hit[0] >= TTL_S:
        return None
    return hit[1]


def keep(account_id, token: str, visitor: KnownVisitor) -> None:
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()  # bounded memory; a miss only costs one read
        _entries[(account_id, token)] = (clock(), visitor)


def forget(account_id, token: str) -> None:
    with _lock:
        _entries.pop((account_id, token), None)


def clear() -> None:
    with _lock:
        _entries.clear()
