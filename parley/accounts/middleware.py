"""The current account (kept in the session) and the idle-session timeout."""

import time

from django.contrib.auth import logout
from django.shortcuts import redirect

from parley.accounts.models import Membership

SESSION_ACCOUNT = "account_id"
SESSION_SEEN = "last_seen"
SEEN_RESOLUTION_S = 60  # re-save the idle stamp at most once a minute


class CurrentAccountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.account = None
        request.membership = None
        if request.path.startswith("/api/"):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            membership = current_membership(request)
            if membership is not None:
                idle_limit = membership.account.session_idle_hours * 3600
                now = time.time()
                seen = request.session.get(SESSION_SEEN, now)
                if now - seen > idle_limit:
                    logout(request)
                    return redirect(f"/signin?next={request.path}&idle=1")
                if now - seen >= SEEN_RESOLUTION_S or SESSION_SEEN not in request.session:
                    request.session[SESSION_SEEN] = now
                request.account = membership.account
                request.membership = membership
        return self.get_response(request)


def current_membership(request):
    memberships = Membership.objects.select_related("account").filter(user=request.user)
    wanted = request.session.get(SESSION_ACCOUNT)
    membership = None
    if wanted:
        membership = memberships.filter(account_id=wanted).first()
    if membership is None:
        membership = memberships.order_by("created_at").first()
        if membership is not None:
            request.session[SESSION_ACCOUNT] = str(membership.account_id)
    return membership
