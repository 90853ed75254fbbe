from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from parley.accounts import services
from parley.accounts.middleware import SESSION_ACCOUNT
from parley.accounts.models import Membership, User
from parley.accounts.signin import SignInRefused, sign_in


def safe_next(request, default="/"):
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def signin(request):
    error = None
    email = ""
    if request.method == "POST":
        email = request.POST.get("email", "")
        try:
            user = sign_in(request, email, request.POST.get("password", ""))
        except SignInRefused as exc:
            error = str(exc)
        else:
            login(request, user)
            return redirect(safe_next(request))
    notice = None
    if request.GET.get("idle"):
        notice = "You were signed out after a period of inactivity."
    if request.GET.get("no_account") and request.method == "GET":
        # Signed in, but no longer in any account: sign out rather than loop back here.
        logout(request)
        notice = "You are not a member of any account any more. Ask an admin to invite you."
    status = 429 if error and "Too many" in error else (400 if error else 200)
    return render(
        request,
        "accounts/signin.html",
        {"error": error, "email": email, "notice": notice, "next": safe_next(request)},
        status=status,
    )


@require_POST
def signout(request):
    logout(request)
    return redirect("/signin")


def accept_invitation(request, token):
    invitation = services.find_invitation(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    existing = User.objects.filter(email=invitation.email).first()
    errors = {}
    if request.method == "POST":
        try:
            if existing is None:
                user = services.create_user(
                    invitation.email,
                    request.POST.get("password", ""),
                    name=request.POST.get("name", "").strip(),
                )
            else:
                user = sign_in(request, invitation.email, request.POST.get("password", ""))
            services.accept_invitation(invitation, user)
        except ValidationError as exc:
            errors["password"] = exc.messages
        except SignInRefused as exc:
            errors["password"] = [str(exc)]
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SESSION_ACCOUNT] = str(invitation.account_id)
            return redirect("/")
    return render(
        request,
        "accounts/invitation.html",
        {
            "invitation": invitation,
            "existing": existing,
            "errors": errors,
            "name": request.POST.get("name", "").strip(),
        },
    )


@require_POST
def switch_account(request, slug):
    if not request.user.is_authenticated:
        return redirect("/signin")
    membership = Membership.objects.filter(user=request.user, account__slug=slug).first()
    if membership is None:
        raise Http404
    request.session[SESSION_ACCOUNT] = str(membership.account_id)
    return redirect("/")
