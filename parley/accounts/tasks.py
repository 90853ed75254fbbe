import logging

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

from parley.accounts.models import Invitation

log = logging.getLogger("parley.accounts")


@task()
def send_invitation(invitation_id: str):
    """Email the invitation link. The queue row holds only the id; the token is recomputed."""
    from parley.accounts.services import invitation_link_token

    invitation = (
        Invitation.objects.select_related("account", "invited_by")
        .filter(id=invitation_id, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        return
    token = invitation_link_token(invitation)
    if token is None:
        log.error("invitation %s: no secret key reproduces its token; not sent", invitation.id)
        return
    inviter = invitation.invited_by.display_name if invitation.invited_by else "A teammate"
    link = f"{settings.PARLEY_BASE_URL}/invitations/{token}"
    send_mail(
        subject=f"{inviter} invited you to {invitation.account.name} on Parley",
        message=(
            f"{inviter} invited you to join {invitation.account.name} on Parley as "
            f"{invitation.get_role_display().lower()}.\n\nAccept the invitation:\n{link}\n\n"
            f"The link expires on {invitation.expires_at:%Y-%m-%d %H:%M} UTC."
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )
