"""`identify`: the website vouches for its signed-in visitor with an HMAC of the email."""

import hashlib
import hmac

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from parley.contacts import identity, services
from parley.contacts.fields import field_map
from parley.contacts.models import Contact, Source, Trust
from parley.contacts.values import ValueProblem, normalise, normalise_all
from parley.tracking.models import Visitor


def expected_hash(secret: str, email: str) -> str:
    return hmac.new(secret.encode(), email.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def identify(account, visitor: Visitor, *, email, user_hash, fields=None) -> Contact:
    library = field_map(account)
    try:
        email = normalise(library["email"], email)
    except ValueProblem as exc:
        raise ValidationError({"email": str(exc)}) from None
    if not email:
        raise ValidationError({"email": "An email is required."})
    if not hmac.compare_digest(expected_hash(account.identity_secret, email),
                               str(user_hash or "").lower()):
        raise PermissionDenied("user_hash does not match this email.")
    clean = normalise_all(library, fields or {}, region=account.default_phone_region)
    clean.pop("email", None)
    visitor = Visitor.objects.select_for_update().get(pk=visitor.pk)
    prov = services.Provenance(source=Source.CONVERSATION, trust=Trust.VERIFIED)
    holder = services.holder_of(account, "email", email)
    current = visitor.contact
    if holder is None and current is not None and current.email is None:
        contact = current  # the visitor's own contact takes the vouched email
        clean["email"] = email
    elif holder is None:
        contact = services.create_contact(account, {"email": email}, prov=prov)
    else:
        contact = holder
        if current is not None and current.pk != holder.pk and current.is_anonymous:
            contact = identity.merge(holder, current, automatic=True)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    changes = services.write_fields(contact, clean, prov)
    services.save(contact, changes)
    services._after_write(contact, changes, False)
    visitor.contact = contact
    visitor.trust = Trust.VERIFIED
    visitor.save(update_fields=["contact", "trust"])
    return contact
