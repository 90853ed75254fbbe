"""Admins invite by email (sent by a task after the commit, never inside the request);
invitations are accepted by new users (password policy applies) or existing users (a new
membership), and expire after 7 days."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from parley.accounts import services
from parley.accounts.models import Invitation, Membership, Role, User
from tests.conftest import PASSWORD

NEW_PASSWORD = "violet-harbour-lantern"


def invite(web, email, role="member"):
    return web.post("/settings/users", {"email": email, "role": role})


@pytest.fixture
def invited(web, django_capture_on_commit_callbacks):
    """Invite new@acme.test and return the accept link from the email."""

    def _invite(email="new@acme.test", role="member"):
        with django_capture_on_commit_callbacks(execute=True):
            response = invite(web, email, role)
        assert response.status_code == 302
        return accept_link(mail.outbox[-1])

    return _invite


def accept_link(message) -> str:
    return re.search(r"http://\S+(/invitations/\S+)", message.body).group(1)


def test_an_admin_invites_by_email_through_a_task_after_the_commit(
    web, account, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = web.post("/settings/users", {"email": "New@Acme.test", "role": "member"})

    assert response.status_code == 302
    assert mail.outbox == []  # the request itself sends nothing
    assert len(callbacks) == 1
    invitation = Invitation.objects.get(account=account)
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "new@acme.test",
        "member",
        owner,
    )

    callbacks[0]()  # the commit enqueues the task; the immediate backend runs it

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@acme.test"]
    assert message.subject == "Olivia Owner invited you to Acme on Parley"
    assert "/invitations/" in message.body
    page = web.get("/settings/users").content.decode()
    assert "new@acme.test" in page and "Pending invitations" in page


def test_the_invitation_link_token_is_not_stored_in_clear(invited, account):
    link = invited()
    token = link.rsplit("/", 1)[1]

    invitation = Invitation.objects.get(account=account)
    assert token not in (invitation.token_hash, str(invitation.id))
    assert len(invitation.token_hash) == 64


def test_it_expires_invitations_after_seven_days(invited, account):
    invited()

    invitation = Invitation.objects.get(account=account)
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)


def test_it_refuses_to_invite_someone_already_in_the_account(web, teammate):
    response = invite(web, teammate.email)

    assert response.status_code == 200
    assert f"{teammate.email} is already a member of this account." in response.content.decode()
    assert not Invitation.objects.exists()


def test_it_refuses_an_invalid_email(web):
    response = invite(web, "not-an-email")

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_new_user_accepts_with_a_name_and_a_password(invited, account):
    link = invited(role="admin")
    client = Client()
    assert "Join Acme" in client.get(link).content.decode()

    response = client.post(link, {"name": "Nina New", "password": NEW_PASSWORD})

    assert response.status_code == 302
    user = User.objects.get(email="new@acme.test")
    assert user.name == "Nina New"
    assert user.check_password(NEW_PASSWORD)
    membership = Membership.objects.get(user=user)
    assert (membership.account, membership.role) == (account, Role.ADMIN)
    assert client.session["_auth_user_id"] == str(user.id)
    assert client.session["account_id"] == str(account.id)
    assert Invitation.objects.get().accepted_at is not None


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1234", "This password is too short. It must contain at least 10 characters."),
        ("password123", "This password is too common."),
    ],
)
def test_a_new_user_must_choose_an_acceptable_password(invited, password, message):
    link = invited()

    response = Client().post(link, {"name": "Nina", "password": password})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(email="new@acme.test").exists()
    assert Invitation.objects.get().accepted_at is None


def test_the_form_keeps_the_name_after_a_refused_password(invited):
    link = invited()

    response = Client().post(link, {"name": "Nina New", "password": "short"})

    assert 'value="Nina New"' in response.content.decode()


def test_an_existing_user_accepts_with_their_password_and_gains_a_membership(invited, outsider):
    link = invited(email=outsider.email)
    client = Client()
    assert "Your Parley password" in client.get(link).content.decode()
    memberships_before = set(Membership.objects.filter(user=outsider).values_list("account__name"))

    response = client.post(link, {"password": PASSWORD})

    assert response.status_code == 302
    after = set(Membership.objects.filter(user=outsider).values_list("account__name"))
    assert memberships_before == {("Other Inc",)}
    assert after == {("Other Inc",), ("Acme",)}
    assert User.objects.filter(email=outsider.email).count() == 1
    assert client.get("/settings/api-keys").context["account"].name == "Acme"


def test_an_existing_user_with_a_wrong_password_gains_nothing(invited, outsider):
    link = invited(email=outsider.email)

    response = Client().post(link, {"password": "wrong-password-1"})

    assert response.status_code == 200
    assert "That email and password do not match." in response.content.decode()
    assert Membership.objects.filter(user=outsider).count() == 1


def test_it_refuses_an_expired_invitation(invited):
    link = invited()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client = Client()

    page = client.get(link)
    accepted = client.post(link, {"name": "Late", "password": NEW_PASSWORD})

    assert page.status_code == 404
    assert "This invitation link has expired or was already used." in page.content.decode()
    assert accepted.status_code == 404
    assert not User.objects.filter(email="new@acme.test").exists()


def test_an_invitation_works_up_to_its_seventh_day(invited):
    link = invited()
    Invitation.objects.update(expires_at=timezone.now() + timedelta(minutes=1))

    assert Client().post(link, {"name": "Just", "password": NEW_PASSWORD}).status_code == 302


def test_an_invitation_is_used_only_once(invited):
    link = invited()
    Client().post(link, {"name": "Nina", "password": NEW_PASSWORD})

    again = Client().get(link)

    assert again.status_code == 404


def test_an_unknown_invitation_token_is_not_found(db):
    assert Client().get("/invitations/not-a-token").status_code == 404


def test_a_member_cannot_invite(member_web):
    response = invite(member_web, "someone@acme.test")

    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_an_invitation_to_an_existing_email_in_another_case_reaches_that_user(invited, outsider):
    link = invited(email=outsider.email.upper())

    response = Client().post(link, {"password": PASSWORD})

    assert response.status_code == 302
    assert Membership.objects.filter(user=outsider).count() == 2


def test_an_admin_withdraws_a_pending_invitation(invited, web):
    link = invited()
    invitation = Invitation.objects.get()

    response = web.post(f"/settings/users/invitations/{invitation.id}/cancel", follow=True)

    assert "The invitation to new@acme.test was withdrawn." in response.content.decode()
    assert not Invitation.objects.exists()
    assert Client().get(link).status_code == 404


def test_a_member_cannot_withdraw_an_invitation(invited, member_web):
    invited()
    invitation = Invitation.objects.get()

    assert member_web.post(f"/settings/users/invitations/{invitation.id}/cancel").status_code == 403
    assert Invitation.objects.exists()


def test_another_accounts_invitation_cannot_be_withdrawn(web, outsider, other_account):
    invitation, _ = services.invite(other_account, "x@other.test", "member", outsider)

    response = web.post(f"/settings/users/invitations/{invitation.id}/cancel")

    assert response.status_code == 404
    assert Invitation.objects.filter(id=invitation.id).exists()


DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def stored_text(row) -> str:
    """Every column of a task-queue row as the database holds it."""
    from django.db import connection

    table = row._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} WHERE id = %s",
                       [row._meta.pk.get_db_prep_value(row.pk, connection)])
        return " ".join(str(value) for value in cursor.fetchone())


def test_the_queued_email_task_holds_no_token_and_its_link_still_accepts(
    web, account, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_QUEUE
    with django_capture_on_commit_callbacks(execute=True):
        assert invite(web, "new@acme.test").status_code == 302
    invitation = Invitation.objects.get(account=account)
    assert mail.outbox == []  # queued in the database, not run

    row = DBTaskResult.objects.get()
    assert row.task_path == "parley.accounts.tasks.send_invitation"
    assert row.args_kwargs == {"args": [str(invitation.id)], "kwargs": {}}
    # The worker runs the task from the stored row alone, as db_worker does.
    row.task.call(*row.task_result.args, **row.task_result.kwargs)
    link = accept_link(mail.outbox[-1])
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 40
    assert token not in stored_text(row)
    assert services.token_hash(token) == invitation.token_hash

    response = Client().post(link, {"name": "Nina New", "password": NEW_PASSWORD})

    assert response.status_code == 302
    assert Membership.objects.get(user__email="new@acme.test").account == account


def test_the_invitation_token_depends_on_the_secret_key(account, owner, settings):
    invitation, token = services.invite(account, "new@acme.test", "member", owner)
    invitation.refresh_from_db()

    assert services.invitation_link_token(invitation) == token
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "another-secret-key-after-a-rotation-" + "x" * 30
    assert services.invitation_token(invitation.id, invitation.created_at) != token
    assert services.invitation_link_token(invitation) == token  # the fallback reproduces it
    settings.SECRET_KEY_FALLBACKS = []
    assert services.invitation_link_token(invitation) is None


def test_the_email_task_does_not_send_a_link_no_key_reproduces(
    web, account, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DB_QUEUE
    with django_capture_on_commit_callbacks(execute=True):
        invite(web, "new@acme.test")
    from django_tasks_db.models import DBTaskResult

    row = DBTaskResult.objects.get()
    settings.SECRET_KEY = "another-secret-key-after-a-rotation-" + "x" * 30

    row.task.call(*row.task_result.args, **row.task_result.kwargs)

    assert mail.outbox == []
