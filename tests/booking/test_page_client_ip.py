"""The public booking page limits posts per client address; behind PARLEY_TRUSTED_PROXIES
reverse proxies that is the address the outermost proxy saw, not the proxy's own."""

import pytest
from django.test import Client

from parley.booking.public import POSTS_PER_MINUTE

pytestmark = pytest.mark.django_db

PAGE = "/book/acme/demo"
PROXY = "10.0.0.1"


def post(forwarded):
    return Client().post(PAGE, {"start": "not-a-time", "tz": "UTC"}, REMOTE_ADDR=PROXY,
                         HTTP_X_FORWARDED_FOR=forwarded)


def test_behind_a_trusted_proxy_each_guest_has_its_own_limit(calendar, settings):
    settings.PARLEY_TRUSTED_PROXIES = 1
    codes = [post("198.51.100.1").status_code for _ in range(POSTS_PER_MINUTE + 1)]
    assert codes == [422] * POSTS_PER_MINUTE + [429]
    assert post("198.51.100.2").status_code == 422


def test_without_trusted_proxies_the_header_is_ignored(calendar, settings):
    settings.PARLEY_TRUSTED_PROXIES = 0
    codes = [post(f"198.51.100.{i}").status_code for i in range(POSTS_PER_MINUTE + 1)]
    assert codes[-1] == 429
