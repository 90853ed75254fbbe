"""Page access: signed in with a current account; admins only where settings change."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect


def member_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"/signin?next={request.get_full_path()}")
        if request.account is None:
            return redirect("/signin?no_account=1")
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view):
    @wraps(view)
    @member_required
    def wrapper(request, *args, **kwargs):
        if not request.membership.is_admin:
            raise PermissionDenied("Only admins can change account settings.")
        return view(request, *args, **kwargs)

    return wrapper
