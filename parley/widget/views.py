"""`/widget.js` (the embeddable widget, cached and gzipped) and the Acme demo website."""

import gzip
import hashlib
from pathlib import Path

from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from parley.accounts.models import Account

WIDGET_JS = Path(__file__).resolve().parent / "static" / "widget" / "widget.js"
MAX_AGE_S = 300
DEMO_SLUG = "demo"

_cache: dict = {}


def _widget_file() -> tuple[bytes, bytes, str]:
    """(body, gzipped body, hash), re-read only when the file changes on disk."""
    stat = WIDGET_JS.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    if _cache.get("stamp") != stamp:
        body = WIDGET_JS.read_bytes()
        digest = hashlib.sha256(body).hexdigest()[:20]
        _cache.update(stamp=stamp, body=body, gz=gzip.compress(body, 9, mtime=0), hash=digest)
    return _cache["body"], _cache["gz"], _cache["hash"]


def _accepts_gzip(request) -> bool:
    for part in request.headers.get("Accept-Encoding", "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*") and params.replace(" ", "") not in (
            "q=0",
            "q=0.0",
        ):
            return True
    return False


@require_safe
def widget_js(request):
    body, gz, digest = _widget_file()
    use_gzip = _accepts_gzip(request)
    # One strong ETag per representation, as the gzipped bytes differ from the plain ones.
    etag = f'"{digest}-gz"' if use_gzip else f'"{digest}"'
    wanted = {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}
    if etag in wanted or "*" in wanted:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(
            gz if use_gzip else body, content_type="text/javascript; charset=utf-8"
        )
        if use_gzip:
            response["Content-Encoding"] = "gzip"
        response["Content-Length"] = str(len(response.content))
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={MAX_AGE_S}"
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["X-Content-Type-Options"] = "nosniff"
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


DEMO_PAGES = {
    "home": "widget/demo_home.html",
    "pricing": "widget/demo_pricing.html",
    "about": "widget/demo_about.html",
}


@require_safe
def demo(request, page="home"):
    if page not in DEMO_PAGES:
        raise Http404
    account = Account.objects.filter(slug=DEMO_SLUG).first()
    if account is None:
        return render(request, "widget/demo_missing.html", status=404)
    context = {
        "page": page,
        "site_key": account.site_key,
        "widget_src": request.build_absolute_uri("/widget.js"),
    }
    return render(request, DEMO_PAGES[page], context)
