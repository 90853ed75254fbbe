from parley.accounts.models import Membership


def current_account(request):
    account = getattr(request, "account", None)
    if account is None:
        return {}
    return {
        "account": account,
        "membership": request.membership,
        "is_admin": request.membership.is_admin,
        "other_memberships": Membership.objects.select_related("account")
        .filter(user=request.user)
        .exclude(account=account),
    }
