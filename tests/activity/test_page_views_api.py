"""GET /contacts/{id}/page-views: the contact's page views, including those its visitors made
before it was identified (the same ones the contact panel shows); other accounts get 404."""

import pytest

from parley.tracking.models import PageView, Visitor
from tests.activity.conftest import make_contact

pytestmark = pytest.mark.django_db


def test_it_lists_page_views_made_before_the_contact_was_identified(api, account):
    contact = make_contact(account, first_name="Ada", email="ada@example.com")
    identified = Visitor.objects.create(account=account, token="v_ada", contact=contact)
    stranger = Visitor.objects.create(account=account, token="v_other")
    PageView.objects.create(account=account, visitor=identified, contact=contact, url="/own")
    PageView.objects.create(account=account, visitor=identified, url="/before-identify")
    PageView.objects.create(account=account, visitor=stranger, url="/someone-else")

    response = api.get(f"/contacts/{contact.id}/page-views")

    assert response.status_code == 200
    assert sorted(v["url"] for v in response.data["items"]) == ["/before-identify", "/own"]


def test_another_accounts_contact_answers_404(outsider_api, account):
    contact = make_contact(account, first_name="Ada", email="ada@example.com")

    assert outsider_api.get(f"/contacts/{contact.id}/page-views").status_code == 404
