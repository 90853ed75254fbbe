"""Which contacts a user may see: all of them, or (when the account says members see only
their own) those they own or whose conversations/bookings are assigned to them.
Other apps add rules to RULES: each takes (account, user) and returns a Q over Contact."""

from django.db.models import Q

from parley.contacts.models import Contact

RULES: list = [lambda account, user: Q(owner=user)]
RULES.append(lambda account, user: Q(pk__in=Contact.booking_set.field.model.objects.filter(
    account=account, host=user).values("contact_id")))  # booking: contacts they host


def visible_contacts(account, membership):
    qs = Contact.objects.filter(account=account).live()
    if membership.is_admin or account.members_see_all_contacts:
        return qs
    condition = Q()
    for rule in RULES:
        condition |= rule(account, membership.user)
    return qs.filter(condition)


def can_see(account, membership, contact) -> bool:
    if membership.is_admin or account.members_see_all_contacts:
        return True
    return visible_contacts(account, membership).filter(pk=contact.pk).exists()
