"""Production hashes user passwords with Argon2 (tests use a fast hasher first)."""

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.test import override_settings

import parley.settings as production
from parley.accounts import services


def test_production_hashes_passwords_with_argon2(db):
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"

    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        user = services.create_user("argon@acme.test", "violet-harbour-lantern")
        encoded = make_password("violet-harbour-lantern")

    assert user.password.startswith("argon2$")
    assert encoded.startswith("argon2$")
    assert check_password("violet-harbour-lantern", encoded)
    assert not check_password("violet-harbour-lanterns", encoded)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pw1", "This password is too short. It must contain at least 10 characters."),
        ("1234567890", "This password is too common."),
        ("argon@acme.test", "The password is too similar to the email."),
    ],
)
def test_it_refuses_weak_passwords(db, password, message):
    with pytest.raises(ValidationError) as refused:
        services.create_user("argon@acme.test", password)

    assert message in refused.value.messages
