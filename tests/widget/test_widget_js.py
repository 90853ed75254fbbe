"""`/widget.js` is served small, cached and safe; the demo site embeds it with one tag."""

import gzip
import re

import pytest

from parley.accounts import services
from parley.widget.views import WIDGET_JS

SIZE_BUDGET = 30 * 1024


def source() -> str:
    return WIDGET_JS.read_text(encoding="utf-8")


def test_it_serves_the_widget_with_cache_headers(client):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert "Accept-Encoding" in response["Vary"]
    assert "Content-Encoding" not in response
    assert response.content == WIDGET_JS.read_bytes()


def test_it_gzips_when_the_client_accepts_it(client):
    response = client.get("/widget.js", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content) == WIDGET_JS.read_bytes()
    assert int(response["Content-Length"]) == len(response.content)
    plain = client.get("/widget.js", HTTP_ACCEPT_ENCODING="gzip;q=0")
    assert "Content-Encoding" not in plain
    assert plain["ETag"] != response["ETag"]  # one strong ETag per representation


def test_it_answers_not_modified_for_a_matching_etag(client):
    etag = client.get("/widget.js")["ETag"]
    again = client.get("/widget.js", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["Cache-Control"] == "public, max-age=300"
    assert client.get("/widget.js", HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_it_answers_head_and_refuses_post(client):
    assert client.head("/widget.js").status_code == 200
    assert client.post("/widget.js").status_code == 405


def test_the_widget_stays_under_its_size_budget():
    size = len(gzip.compress(WIDGET_JS.read_bytes(), 9))
    assert size <= SIZE_BUDGET, f"widget.js is {size} bytes gzipped"


def test_the_widget_never_builds_markup_from_strings():
    code = source()
    for banned in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "postMessage",
    ):
        assert banned not in code, banned
    # Event handlers are attached with addEventListener, never as attributes.
    assert not re.search(r"setAttribute\(\s*['\"]on", code)


def test_the_widget_stores_only_under_its_prefix_and_sets_no_cookie():
    code = source()
    assert "document.cookie" not in code and "d.cookie" not in code
    assert "sessionStorage" not in code and "indexedDB" not in code
    assert "'parley:'" in code
    assert "attachShadow({ mode: 'open' })" in code


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/demo/", "/demo/pricing/", "/demo/about/"])
def test_demo_pages_embed_the_widget_with_one_tag(client, owner, path):
    account = services.create_account("Acme Demo", owner, slug="demo")
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    tags = re.findall(r"<script\b[^>]*>", html)
    assert tags == [
        f'<script src="http://testserver/widget.js" data-site="{account.site_key}" async>'
    ]
    for link in ("/demo/", "/demo/pricing/", "/demo/about/"):
        assert f'href="{link}"' in html
    assert "Set-Cookie" not in response.headers  # a demo visitor gets no cookie from the page


@pytest.mark.django_db
def test_demo_pages_say_how_to_create_the_demo_account(client):
    response = client.get("/demo/")
    assert response.status_code == 404
    assert b"parley demo" in response.content
    assert b"<script" not in response.content


@pytest.mark.django_db
def test_an_unknown_demo_page_is_not_found(client):
    assert client.get("/demo/careers/").status_code == 404
