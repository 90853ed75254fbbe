import socket

import pytest

from parley.integrations import http as guarded
from parley.integrations.models import Webhook


@pytest.fixture
def public_only(settings):
    settings.PARLEY_WEBHOOKS_ALLOW_PRIVATE = False


@pytest.fixture
def dns(monkeypatch):
    records = {
        "hooks.example.test": ["93.184.216.34"],
        "intranet.example.test": ["10.0.0.5"],
        "mixed.example.test": ["93.184.216.34", "192.168.1.7"],
    }

    def resolve(host, port):
        if host not in records:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return records[host]

    monkeypatch.setattr(guarded, "resolve", resolve)
    return records


def refused(api, url):
    response = api.post("/webhooks", {"url": url, "events": ["contact.created"]})
    assert response.status_code == 422, response.data
    assert response.data["errors"][0]["field"] == "url"
    assert Webhook.objects.count() == 0
    return response.data["errors"][0]["message"]


def test_it_refuses_a_host_that_resolves_to_a_private_address(api, public_only, dns):
    message = refused(api, "https://intranet.example.test/hook")
    assert "intranet.example.test resolves to a private address 10.0.0.5" in message
    assert (
        api.post(
            "/webhooks",
            {"url": "https://intranet.example.test/hook", "events": ["contact.created"]},
        ).data["detail"]
        == message
    )


def test_it_refuses_when_any_of_the_addresses_is_private(api, public_only, dns):
    assert "private address 192.168.1.7" in refused(api, "https://mixed.example.test/")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://127.0.0.1:8000/hook", "loopback address 127.0.0.1"),
        ("http://[::1]/hook", "loopback address ::1"),
        ("http://169.254.169.254/latest/meta-data", "link-local address 169.254.169.254"),
        ("http://224.0.0.1/", "multicast address 224.0.0.1"),
        ("http://0.0.0.0/", "unspecified address 0.0.0.0"),
        ("http://[::ffff:10.1.2.3]/", "private address 10.1.2.3"),
        ("http://100.64.0.1/", "non-public address 100.64.0.1"),
    ],
)
def test_it_refuses_addresses_that_are_not_public(api, public_only, url, problem):
    assert problem in refused(api, url)


def test_it_refuses_schemes_other_than_http_and_https(api, public_only, dns):
    assert "Only http and https URLs are allowed, not ftp://" in refused(
        api, "ftp://hooks.example.test/hook"
    )
    assert "Only http and https" in refused(api, "hooks.example.test/hook")
    assert "Only http and https" in refused(api, "javascript:alert(1)")


def test_it_refuses_a_host_that_does_not_resolve(api, dns):
    assert "cannot be resolved" in refused(api, "https://no-such-host.invalid/hook")


def test_it_refuses_credentials_in_the_url(api, dns):
    assert "user name or password" in refused(api, "https://me:pw@hooks.example.test/hook")


def test_it_accepts_a_public_https_url(api, public_only, dns):
    response = api.post(
        "/webhooks", {"url": "https://hooks.example.test/in?x=1", "events": ["contact.created"]}
    )
    assert response.status_code == 201
    assert response.data["url"] == "https://hooks.example.test/in?x=1"


def test_it_allows_private_addresses_when_the_server_is_told_to(api, settings):
    settings.PARLEY_WEBHOOKS_ALLOW_PRIVATE = True
    response = api.post(
        "/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["contact.created"]}
    )
    assert response.status_code == 201


def test_it_connects_to_the_address_it_checked_and_keeps_the_host_name(monkeypatch, settings):
    settings.PARLEY_WEBHOOKS_ALLOW_PRIVATE = False
    answers = iter([["93.184.216.34"], ["10.0.0.5"]])  # a rebinding DNS server
    monkeypatch.setattr(guarded, "resolve", lambda host, port: next(answers))
    connected = []

    def fake_connect(address, timeout):
        connected.append(address)
        raise ConnectionRefusedError("stop here")

    monkeypatch.setattr(guarded.socket, "create_connection", fake_connect)
    with pytest.raises(ConnectionRefusedError):
        guarded.post("http://hooks.example.test/x", b"{}", {}, timeout=1)
    assert connected == [("93.184.216.34", 80)]


def test_it_sends_international_names_and_paths_in_their_ascii_form():
    target = guarded.parse("https://bücher.example/bestellung/ä?q=é&x=%20")
    assert target.host == "xn--bcher-kva.example"
    assert target.path == "/bestellung/%C3%A4?q=%C3%A9&x=%20"
    assert (target.scheme, target.port) == ("https", 443)
