"""The widget API's front door: an unknown site key answers 404 before anything else; an
`Origin` that is not one of the account's websites answers 403; allowed origins get CORS
headers (and preflights are answered here)."""

import re
import time

from django.http import HttpResponse, JsonResponse

from parley.accounts.models import Account, Website

PREFIX = re.compile(r"^/api/widget/(?P<site_key>[^/]+)(/|$)")
CACHE_S = 10.0
_cache: dict[str, tuple[float, object, dict]] = {}


def lookup(site_key: str):
    """(account, {origin: website_id}) with a short in-process cache: the widget's hot path."""
    now = time.monotonic()
    hit = _cache.get(site_key)
    if hit and now - hit[0] < CACHE_S:
        return hit[1], hit[2]
    account = Account.objects.filter(site_key=site_key).first()
    origins = {}
    if account is not None:
        for website in Website.objects.filter(account=account):
            for origin in website.origins:
                origins.setdefault(origin, website)
            if website.is_default:
                origins.setdefault(None, website)
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[site_key] = (now, account, origins)
    return account, origins


def clear_cache():
    _cache.clear()


def cors_headers(response, origin):
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = "600"
    response["Vary"] = "Origin"
    return response


class WidgetGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = PREFIX.match(request.path)
        if not match:
            return self.get_response(request)
        account, origins = lookup(match["site_key"])
        if account is None:
            return JsonResponse({"detail": "Unknown site key.", "errors": []}, status=404)
        origin = request.headers.get("Origin")
        if origin is not None and origin not in origins:
            return JsonResponse({"detail": f"Origin {origin} is not one of this account's "
                                           "websites (Settings → Websites).", "errors": []},
                                status=403)
        request.widget_account = account
        request.widget_website = origins.get(origin) or origins.get(None)
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
        else:
            response = self.get_response(request)
        return cors_headers(response, origin) if origin else response
