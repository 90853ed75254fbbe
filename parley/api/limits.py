"""Request limits: JSON body size (413) and in-process token buckets (429).

Buckets live in each server process; the configured rate is divided by the number of
worker processes so that the whole server allows roughly the configured rate.
"""

import threading
import time

from django.conf import settings
from django.http import JsonResponse


class TokenBuckets:
    def __init__(self, max_keys: int = 100_000):
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}
        self._max_keys = max_keys

    def allow(self, key: str, rate_per_s: float, burst: float) -> bool:
        if rate_per_s <= 0:
            return True
        now = time.monotonic()
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


def per_process(rate: float) -> float:
    return rate / max(1, settings.PARLEY_SERVER_WORKERS)


def allow_per_second(kind: str, key: str, rate: float) -> bool:
    rate = per_process(rate)
    return buckets.allow(f"{kind}:{key}", rate, max(1.0, rate * settings.PARLEY_RATE_BURST))


def allow_per_minute(kind: str, key: str, per_minute: float) -> bool:
    per_minute = per_process(per_minute)
    return buckets.allow(f"{kind}:{key}", per_minute / 60.0, max(1.0, per_minute))


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
            if not length and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", ""):
                body = request.read(limit + 1)
                if len(body) > limit:
                    return self.too_large(limit)
                request._body = body
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
