"""Sign-in with lockout: N failures for one email from one IP within a window lock that pair."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import timezone

from parley.accounts.models import SignInFailure
from parley.api.limits import allow_per_minute, client_ip


class SignInRefused(Exception):
    pass


def locked_until(email: str, ip: str):
    """When the pair's lock ends, or None: the failure that made N within the window starts a
    lock of PARLEY_LOCKOUT_MIN. Attempts refused during a lock are not recorded, so the newest
    failure is the one that started it."""
    now = timezone.now()
    window = timedelta(minutes=settings.PARLEY_LOCKOUT_WINDOW_MIN)
    lock = timedelta(minutes=settings.PARLEY_LOCKOUT_MIN)
    needed = settings.PARLEY_LOCKOUT_FAILURES
    failures = list(
        SignInFailure.objects.filter(email=email, ip=ip, at__gte=now - lock - window)
        .order_by("-at")
        .values_list("at", flat=True)[:needed]
    )
    if needed < 1 or len(failures) < needed:
        return None
    newest, oldest = failures[0], failures[-1]
    if newest - oldest > window:
        return None
    until = newest + lock
    return until if until > now else None


def sign_in(request, email: str, password: str):
    email = (email or "").strip().lower()
    ip = client_ip(request)
    if not allow_per_minute("signin-ip", ip, settings.PARLEY_SIGNIN_PER_IP_PER_MIN):
        raise SignInRefused("Too many sign-in attempts from your network. Wait a minute.")
    until = locked_until(email, ip)
    if until:
        minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
        raise SignInRefused(
            f"Too many failed attempts. Sign-in for this email is locked for {minutes} more "
            f"minute{'s' if minutes != 1 else ''}, or until an admin unlocks it."
        )
    user = authenticate(request, username=email, password=password)
    if user is None:
        SignInFailure.objects.create(email=email, ip=ip)
        raise SignInRefused("That email and password do not match.")
    SignInFailure.objects.filter(email=email, ip=ip).delete()
    return user


def unlock(email: str) -> int:
    deleted, _ = SignInFailure.objects.filter(email=email.strip().lower()).delete()
    return deleted


def prune_failures():
    cutoff = timezone.now() - timedelta(
        minutes=settings.PARLEY_LOCKOUT_WINDOW_MIN + settings.PARLEY_LOCKOUT_MIN
    )
    SignInFailure.objects.filter(at__lt=cutoff).delete()
