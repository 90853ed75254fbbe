"""Account scoping in one place: every domain query goes through `for_account`."""

import uuid

from django.db import models
from django.http import Http404


class AccountQuerySet(models.QuerySet):
    def for_account(self, account):
        return self.filter(account=account)


AccountManager = models.Manager.from_queryset(AccountQuerySet)


def parse_id(raw) -> uuid.UUID:
    """Ids are opaque strings; anything that is not one of ours is simply not found."""
    try:
        return uuid.UUID(str(raw))
    except (ValueError, TypeError, AttributeError):
        raise Http404("Not found.") from None


def get_for_account(model_or_qs, account, **lookup):
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs.objects.all()
    if "id" in lookup:
        lookup["id"] = parse_id(lookup["id"])
    try:
        return qs.filter(account=account).get(**lookup)
    except qs.model.DoesNotExist:
        raise Http404("Not found.") from None
