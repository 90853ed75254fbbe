"""Shared fixtures: an account with an admin (owner) and a member (teammate), and an
outsider in another account — every view and endpoint test uses them."""

import json

import pytest
from django.test import Client

from parley.accounts import services
from parley.accounts.models import Membership, Role, User
from parley.api.limits import buckets
from parley.tracking import visitor_cache

PASSWORD = "correct-horse-battery"


def make_user(email, name="") -> User:
    user = User(email=email, name=name or email.split("@")[0].title())
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    buckets.reset()
    visitor_cache.clear()
    yield


@pytest.fixture
def owner(db):
    return make_user("owner@acme.test", "Olivia Owner")


@pytest.fixture
def account(owner):
    return services.create_account("Acme", owner)


@pytest.fixture
def teammate(account):
    user = make_user("teammate@acme.test", "Tom Teammate")
    Membership.objects.create(account=account, user=user, role=Role.MEMBER)
    return user


@pytest.fixture
def outsider(db):
    user = make_user("outsider@other.test", "Oscar Outsider")
    services.create_account("Other Inc", user)
    return user


@pytest.fixture
def other_account(outsider):
    return Membership.objects.get(user=outsider).account


class ApiClient:
    """The management API as a client sees it: JSON in, JSON out, a bearer key."""

    def __init__(self, key: str | None):
        self.client = Client()
        self.key = key

    def request(self, method, path, data=None, **extra):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.key}"} if self.key else {}
        headers.update(extra)
        body = json.dumps(data) if data is not None else None
        call = getattr(self.client, method)
        if body is None:
            response = call(f"/api/v1{path}", **headers)
        else:
            response = call(f"/api/v1{path}", body, content_type="application/json", **headers)
        response.data = response.json() if response.content and response.get(
            "Content-Type", "").startswith("application/json") else None
        return response

    def get(self, path, **extra):
        return self.request("get", path, **extra)

    def post(self, path, data=None, **extra):
        return self.request("post", path, data if data is not None else {}, **extra)

    def put(self, path, data=None, **extra):
        return self.request("put", path, data, **extra)

    def patch(self, path, data=None, **extra):
        return self.request("patch", path, data, **extra)

    def delete(self, path, **extra):
        return self.request("delete", path, **extra)


def api_for(user, account) -> ApiClient:
    _, raw = services.create_api_key(account, user, "tests")
    return ApiClient(raw)


@pytest.fixture
def api(owner, account):
    return api_for(owner, account)


@pytest.fixture
def member_api(teammate, account):
    return api_for(teammate, account)


@pytest.fixture
def outsider_api(outsider, other_account):
    return api_for(outsider, other_account)


@pytest.fixture
def web(owner, account):
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def member_web(teammate, account):
    client = Client()
    client.force_login(teammate)
    return client


@pytest.fixture
def outsider_web(outsider, other_account):
    client = Client()
    client.force_login(outsider)
    return client
