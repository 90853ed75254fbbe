"""The real server (`parley serve`: granian, 2 worker processes) against the test database:
what a test writes is visible through it, concurrent writers never see a 5xx, static assets
are served, limits hold, and SIGTERM stops it."""

import json
import socket
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from urllib.parse import urlsplit

import pytest

from parley.accounts.models import ApiKey, Website
from tests import live

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.server]


def test_data_created_in_the_test_is_served_by_the_running_server(live_server_url, api, owner):
    website = Website.objects.create(account=owner.memberships.get().account, name="Shop")

    me = live.request("GET", f"{live_server_url}/api/v1/me", key=api.key)
    shown = live.request("GET", f"{live_server_url}/api/v1/websites/{website.id}", key=api.key)

    assert me.status == 200
    assert me.json()["email"] == owner.email
    assert shown.status == 200
    assert shown.json()["name"] == "Shop"


def test_what_the_server_writes_is_visible_to_the_test(live_server_url, api, account):
    response = live.request(
        "POST", f"{live_server_url}/api/v1/websites", key=api.key, json={"name": "Via server"}
    )

    assert response.status == 201
    assert Website.objects.get(id=response.json()["id"]).account == account


def test_concurrent_writes_with_one_key_all_succeed(live_server_url, api, account):
    def create(n):
        return live.request(
            "POST", f"{live_server_url}/api/v1/api-keys", key=api.key, json={"name": f"c{n}"}
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = [r.status for r in pool.map(create, range(20))]

    assert statuses == [201] * 20
    assert ApiKey.objects.filter(account=account, name__startswith="c").count() == 20


def test_the_server_serves_the_api_docs_and_their_assets(live_server_url):
    page = live.request("GET", f"{live_server_url}/api/v1/docs")

    assert page.status == 200
    for asset in ("/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui.css"):
        assert asset in page.text
        assert live.request("GET", f"{live_server_url}{asset}").status == 200


def test_the_server_answers_413_for_a_json_body_over_1_mb(live_server_url, api):
    body = json.dumps({"name": "x", "pad": "x" * (1024 * 1024)}).encode()

    response = live.request(
        "POST",
        f"{live_server_url}/api/v1/websites",
        key=api.key,
        body=body,
        headers={"Content-Type": "application/json"},
    )

    assert response.status == 413
    assert response.json() == {"detail": "The request body is larger than 1 MB.", "errors": []}


def test_the_server_answers_413_for_a_chunked_body_over_1_mb(live_server_url, api):
    parts = urlsplit(live_server_url)
    conn = HTTPConnection(parts.hostname, parts.port, timeout=30)
    chunks = [b'{"name": "x", "pad": "', *([b"x" * 65536] * 17), b'"}']
    try:
        conn.request(
            "POST",
            "/api/v1/websites",
            body=iter(chunks),
            headers={"Authorization": f"Bearer {api.key}", "Content-Type": "application/json"},
            encode_chunked=True,
        )
        response = conn.getresponse()
        status, body = response.status, response.read()
    finally:
        conn.close()

    assert status == 413
    assert json.loads(body)["detail"] == "The request body is larger than 1 MB."
    assert not Website.objects.filter(name="x").exists()


def test_parley_serve_exits_on_sigterm(transactional_db):
    server = live.LiveServer(workers=1).start()
    try:
        assert live.request("GET", f"{server.url}/healthz").status == 200

        code = server.terminate(timeout=15)

        assert code == 0, server.log()
        assert not server.group_alive()  # granian's worker processes are gone too
        port = urlsplit(server.url).port
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
    finally:
        server.stop()
