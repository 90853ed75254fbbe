"""Request limits: JSON body size (413) and in-process token buckets (429).

Buckets live in each server process and each process allows the configured rate (with a
burst of rate x PARLEY_RATE_BURST). A client on one keep-alive connection always reaches
one process, so dividing the rate by the number of processes would give it less than the
SPEC's promised minimum; the price is that a server of N processes allows at most N times
the configured rate in total (documented in docs/configuration.md).
"""

import ipaddress
import threading
import time
from io import BytesIO

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import JsonResponse


class TokenBuckets:
    def __init__(self, max_keys: int = 100_000):
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}
        self._max_keys = max_keys
        self.clock = time.monotonic  # replaceable, so tests can let time pass

    def allow(self, key: str, rate_per_s: float, burst: float) -> bool:
        if rate_per_s <= 0:
            return True
        now = self.clock()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (burst, now))
            tokens = min(burst, tokens + (now - stamp) * rate_per_s)
            allowed = tokens >= 1
            if allowed:
                tokens -= 1
            if len(self._buckets) >= self._max_keys and key not in self._buckets:
                self._buckets.clear()  # bounded memory; a reset only ever allows more
            self._buckets[key] = (tokens, now)
            return allowed

    def reset(self):
        with self._lock:
            self._buckets.clear()


buckets = TokenBuckets()


def allow_per_second(kind: str, key: str, rate: float) -> bool:
    """`rate` requests per second for one key, with a burst of rate x PARLEY_RATE_BURST."""
    return buckets.allow(f"{kind}:{key}", rate, max(1.0, rate * settings.PARLEY_RATE_BURST))


def allow_per_minute(kind: str, key: str, per_minute: float) -> bool:
    """`per_minute` requests per minute for one key; a full minute's worth may come at once."""
    return buckets.allow(f"{kind}:{key}", per_minute / 60.0, max(1.0, per_minute))


def client_ip(request) -> str:
    """The client's address for per-IP limits: REMOTE_ADDR, or behind PARLEY_TRUSTED_PROXIES
    reverse proxies the address the outermost of them saw (X-Forwarded-For, counted from the
    right: entries further left are written by the client and cannot be trusted)."""
    remote = request.META.get("REMOTE_ADDR") or "0.0.0.0"
    hops = settings.PARLEY_TRUSTED_PROXIES
    if hops <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops_seen = [part.strip() for part in forwarded.split(",") if part.strip()]
    if len(hops_seen) < hops:
        return remote
    try:
        return str(ipaddress.ip_address(hops_seen[-hops]))
    except ValueError:
        return remote


def read_at_most(stream, size: int) -> bytes:
    parts, total = [], 0
    while total < size:
        chunk = stream.read(min(64 * 1024, size - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


def error_body(detail: str, errors=None) -> dict:
    return {"detail": detail, "errors": errors or []}


class BodySizeMiddleware:
    """413 for JSON bodies over 1 MB and uploads over 50 MB, before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in {"POST", "PUT", "PATCH"}:
            limit = self.limit_for(request)
            length = request.META.get("CONTENT_LENGTH") or ""
            if length.isdigit() and int(length) > limit:
                return self.too_large(limit)
            chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
            if not length and chunked and "wsgi.input" in request.META:
                # Django reads only CONTENT_LENGTH bytes (none here): read the chunked body
                # ourselves, at most one byte past the limit, and hand Django that body.
                body = read_at_most(request.META["wsgi.input"], limit + 1)
                if len(body) > limit:
                    return self.too_large(limit)
                request.META["CONTENT_LENGTH"] = str(len(body))
                request._stream = LimitedStream(BytesIO(body), len(body))
        return self.get_response(request)

    @staticmethod
    def limit_for(request) -> int:
        if request.content_type == "multipart/form-data":
            return settings.PARLEY_UPLOAD_BODY_MAX
        if request.content_type == "application/x-www-form-urlencoded":
            return settings.PARLEY_JSON_BODY_MAX
        return settings.PARLEY_JSON_BODY_MAX

    @staticmethod
    def too_large(limit: int):
        megabytes = limit // (1024 * 1024)
        return JsonResponse(
            error_body(f"The request body is larger than {megabytes} MB."), status=413
        )
