"""Sign-in, lockout (5 failures per email+IP in 15 min lock the pair for 15 min), the per-IP
throttle (20 a minute), the admin's unlock, idle sessions and sign-out."""

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from parley.accounts.middleware import SESSION_SEEN
from parley.accounts.models import SignInFailure
from parley.api.limits import buckets
from tests.conftest import PASSWORD

IP = "203.0.113.7"


def sign_in(client, email, password, ip=IP, next_url=None):
    data = {"email": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/signin", data, REMOTE_ADDR=ip)


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def fail(email, ip=IP, ago=timedelta(0), times=1):
    """Failures recorded `ago` in the past (time travel by editing SignInFailure rows)."""
    for _ in range(times):
        SignInFailure.objects.create(email=email, ip=ip, at=timezone.now() - ago)


# --- success and failure -------------------------------------------------------------------


def test_it_signs_in_with_email_and_password(owner, account):
    client = Client()
    assert signed_in_user_id(client) is None

    response = sign_in(client, "Owner@Acme.test ", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) == str(owner.id)


def test_it_follows_a_local_next_but_not_another_site(owner, account):
    assert sign_in(Client(), owner.email, PASSWORD, next_url="/settings/")["Location"] == (
        "/settings/"
    )
    assert sign_in(Client(), owner.email, PASSWORD, next_url="https://evil.test/")["Location"] == (
        "/"
    )


def test_it_refuses_a_wrong_password_and_records_the_failure(owner, account):
    client = Client()

    response = sign_in(client, owner.email, "not-the-password")

    assert response.status_code == 400
    assert "That email and password do not match." in response.content.decode()
    assert signed_in_user_id(client) is None
    assert SignInFailure.objects.filter(email=owner.email, ip=IP).count() == 1


def test_it_refuses_an_unknown_email_with_the_same_message(db):
    response = sign_in(Client(), "nobody@acme.test", PASSWORD)

    assert response.status_code == 400
    assert "That email and password do not match." in response.content.decode()


def test_it_forgets_failures_after_a_successful_sign_in(owner, account):
    fail(owner.email, times=3)

    sign_in(Client(), owner.email, PASSWORD)

    assert not SignInFailure.objects.filter(email=owner.email, ip=IP).exists()


# --- lockout ---------------------------------------------------------------------------------


def test_it_locks_the_email_and_ip_after_five_failures_even_with_the_right_password(owner, account):
    client = Client()
    for _ in range(5):
        assert sign_in(client, owner.email, "wrong-password-1").status_code == 400

    response = sign_in(client, owner.email, PASSWORD)

    assert response.status_code == 429
    assert "locked for 15 more minutes" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_it_does_not_lock_after_four_failures(owner, account):
    fail(owner.email, times=4)

    assert sign_in(Client(), owner.email, PASSWORD).status_code == 302


def test_it_locks_only_that_pair_not_the_email_from_another_ip_nor_another_email(owner, teammate):
    fail(owner.email, times=5)

    assert sign_in(Client(), owner.email, PASSWORD).status_code == 429
    assert sign_in(Client(), owner.email, PASSWORD, ip="198.51.100.1").status_code == 302
    assert sign_in(Client(), teammate.email, PASSWORD).status_code == 302


def test_it_counts_only_failures_within_fifteen_minutes(owner, account):
    fail(owner.email, ago=timedelta(minutes=16), times=4)
    fail(owner.email, times=1)

    assert sign_in(Client(), owner.email, PASSWORD).status_code == 302


def test_it_keeps_the_lock_for_fifteen_minutes_after_the_fifth_failure(owner, account):
    # Failures spread over 14 minutes: the lock starts at the fifth and lasts 15 minutes,
    # although the first failures leave the window sooner.
    for minutes in (28, 27, 26, 25):
        fail(owner.email, ago=timedelta(minutes=minutes))
    fail(owner.email, ago=timedelta(minutes=14))

    response = sign_in(Client(), owner.email, PASSWORD)

    assert response.status_code == 429
    assert "locked for 1 more minute," in response.content.decode()


def test_it_lifts_the_lock_after_fifteen_minutes(owner, account):
    fail(owner.email, ago=timedelta(minutes=15, seconds=5), times=5)
    client = Client()

    assert sign_in(client, owner.email, PASSWORD).status_code == 302
    assert signed_in_user_id(client) == str(owner.id)


def test_it_does_not_extend_the_lock_with_attempts_made_during_it(owner, account):
    fail(owner.email, ago=timedelta(minutes=10), times=5)
    for _ in range(3):
        assert sign_in(Client(), owner.email, "wrong-password-1").status_code == 429

    assert SignInFailure.objects.filter(email=owner.email).count() == 5


# --- per-IP throttle -------------------------------------------------------------------------


def test_it_throttles_sign_in_attempts_to_twenty_a_minute_per_ip(owner, account):
    for n in range(20):
        response = sign_in(Client(), f"guess{n}@acme.test", "wrong-password-1")
        assert response.status_code == 400, n

    refused = sign_in(Client(), owner.email, PASSWORD)

    assert refused.status_code == 429
    assert "Too many sign-in attempts from your network" in refused.content.decode()
    assert sign_in(Client(), owner.email, PASSWORD, ip="198.51.100.1").status_code == 302


def test_it_lets_the_ip_try_again_after_a_minute(owner, account, monkeypatch):
    now = time.monotonic()
    monkeypatch.setattr(buckets, "clock", lambda: now)
    for n in range(20):
        sign_in(Client(), f"guess{n}@acme.test", "wrong-password-1")
    assert sign_in(Client(), owner.email, PASSWORD).status_code == 429

    monkeypatch.setattr(buckets, "clock", lambda: now + 61)

    assert sign_in(Client(), owner.email, PASSWORD).status_code == 302


# --- unlock ----------------------------------------------------------------------------------


def test_an_admin_unlocks_a_locked_member(web, teammate):
    fail(teammate.email, times=5)
    assert sign_in(Client(), teammate.email, PASSWORD).status_code == 429

    response = web.post("/settings/users/unlock", {"email": teammate.email}, follow=True)

    assert f"Sign-in unlocked for {teammate.email}" in response.content.decode()
    assert not SignInFailure.objects.filter(email=teammate.email).exists()
    assert sign_in(Client(), teammate.email, PASSWORD).status_code == 302


def test_the_users_page_offers_unlock_sign_in(web, teammate):
    page = web.get("/settings/users").content.decode()

    assert "Unlock sign-in" in page


def test_a_member_cannot_unlock(member_web, owner):
    fail(owner.email, times=5)

    response = member_web.post("/settings/users/unlock", {"email": owner.email})

    assert response.status_code == 403
    assert SignInFailure.objects.filter(email=owner.email).count() == 5


def test_an_admin_cannot_unlock_someone_outside_the_account(web, outsider):
    fail(outsider.email, times=5)

    web.post("/settings/users/unlock", {"email": outsider.email})

    assert SignInFailure.objects.filter(email=outsider.email).count() == 5


# --- idle sessions and sign-out --------------------------------------------------------------


def set_last_seen(client, seconds_ago):
    session = client.session
    session[SESSION_SEEN] = time.time() - seconds_ago
    session.save()


def test_it_signs_out_after_eight_idle_hours(web):
    assert web.get("/settings/").status_code == 200
    set_last_seen(web, 8 * 3600 + 5)

    response = web.get("/settings/")

    assert response.status_code == 302
    assert response["Location"].startswith("/signin?next=/settings/")
    assert "idle=1" in response["Location"]
    assert signed_in_user_id(web) is None
    notice = web.get(response["Location"]).content.decode()
    assert "You were signed out after a period of inactivity." in notice


def test_it_keeps_a_session_used_within_eight_hours(web):
    web.get("/settings/")
    set_last_seen(web, 8 * 3600 - 60)

    assert web.get("/settings/").status_code == 200
    assert time.time() - web.session[SESSION_SEEN] < 5  # the visit refreshed the stamp
    assert signed_in_user_id(web) is not None


def test_it_uses_the_accounts_own_idle_timeout(web, account):
    account.session_idle_hours = 1
    account.save()
    web.get("/settings/")
    set_last_seen(web, 3600 + 5)

    assert web.get("/settings/").status_code == 302
    assert signed_in_user_id(web) is None


def test_an_admin_sets_the_idle_timeout_in_account_settings(web, account):
    response = web.post(
        "/settings/",
        {
            "name": "Acme",
            "members_see_all_contacts": "on",
            "default_phone_region": "de",
            "session_idle_hours": "2",
        },
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.session_idle_hours, account.default_phone_region) == (2, "DE")


@pytest.mark.parametrize("hours", ["0", "721"])
def test_it_refuses_an_idle_timeout_outside_one_hour_to_thirty_days(web, account, hours):
    response = web.post(
        "/settings/",
        {"name": "Acme", "default_phone_region": "US", "session_idle_hours": hours},
    )

    assert response.status_code == 200
    assert "Choose between 1 hour and 30 days" in response.content.decode()
    account.refresh_from_db()
    assert account.session_idle_hours == 8


def test_it_signs_out(web):
    assert signed_in_user_id(web) is not None

    response = web.post("/signout")

    assert response.status_code == 302
    assert response["Location"] == "/signin"
    assert signed_in_user_id(web) is None
    assert web.get("/settings/")["Location"].startswith("/signin?next=/settings/")


def test_pages_send_signed_out_visitors_to_sign_in(client, account):
    response = client.get("/settings/api-keys")

    assert response.status_code == 302
    assert response["Location"] == "/signin?next=/settings/api-keys"


# --- behind a reverse proxy ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "counted_as"),
    [
        (0, "198.51.100.9", IP),  # no proxy trusted: the header is the client's word only
        (1, "198.51.100.9", "198.51.100.9"),
        (1, "10.9.9.9, 198.51.100.9", "198.51.100.9"),  # the left entry was written by the client
        (2, "198.51.100.9, 10.0.0.2", "198.51.100.9"),
        (1, "not-an-ip", IP),
        (2, "198.51.100.9", IP),  # fewer hops than proxies: do not trust it
    ],
)
def test_it_counts_failures_per_client_address_behind_trusted_proxies(
    owner, account, settings, proxies, forwarded, counted_as
):
    settings.PARLEY_TRUSTED_PROXIES = proxies

    Client().post(
        "/signin",
        {"email": owner.email, "password": "wrong-password-1"},
        REMOTE_ADDR=IP,
        HTTP_X_FORWARDED_FOR=forwarded,
    )

    assert list(SignInFailure.objects.values_list("ip", flat=True)) == [counted_as]
