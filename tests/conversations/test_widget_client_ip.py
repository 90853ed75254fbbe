"""New visitors are limited per client address (SPEC 8.0); behind PARLEY_TRUSTED_PROXIES
reverse proxies that address is the one the outermost proxy saw, not the proxy's own."""

import pytest

from tests.conversations.conftest import Widget

PROXY = "10.0.0.1"


def new_visit(site, forwarded=None):
    headers = {"REMOTE_ADDR": PROXY}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return Widget(site).post("/visits", {"url": "https://www.acme.test/"}, **headers)


@pytest.fixture
def two_per_minute(settings):
    settings.PARLEY_RATE_NEW_VISITORS_PER_IP_MIN = 2


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(site, settings, two_per_minute):
    settings.PARLEY_TRUSTED_PROXIES = 1
    assert [new_visit(site, "198.51.100.1").status_code for _ in range(3)] == [200, 200, 429]
    assert new_visit(site, "198.51.100.2").status_code == 200
    # An entry the client wrote itself (left of the proxy's) does not make a new client.
    assert new_visit(site, "203.0.113.9, 198.51.100.1").status_code == 429
    assert new_visit(site, "203.0.113.9, 198.51.100.3").status_code == 200


def test_two_trusted_proxies_count_from_the_right(site, settings, two_per_minute):
    settings.PARLEY_TRUSTED_PROXIES = 2
    assert [new_visit(site, "198.51.100.1, 10.0.0.2").status_code for _ in range(3)] == [
        200, 200, 429]
    assert new_visit(site, "198.51.100.2, 10.0.0.2").status_code == 200


def test_without_trusted_proxies_the_header_is_ignored(site, settings, two_per_minute):
    settings.PARLEY_TRUSTED_PROXIES = 0
    codes = [new_visit(site, f"198.51.100.{i}").status_code for i in range(3)]
    assert codes == [200, 200, 429]  # one connection address, whatever the header says


def test_a_returning_visitor_is_not_counted_as_new(site, settings, two_per_minute):
    settings.PARLEY_TRUSTED_PROXIES = 1
    widget = Widget(site)
    widget.visit(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1")
    for _ in range(3):
        widget.visit(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1")
