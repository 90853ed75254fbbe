import time

import pytest
from django.test import override_settings

from parley.tracking import ingest
from parley.tracking.models import PageView
from tests import live
from tests.conversations.conftest import ORIGIN, Widget


def beacon(widget, page_view_id, visible_ms, url="https://www.acme.test/"):
    return widget.post("/page-views", {"visitor_token": widget.token, "url": url,
                                       "page_view_id": page_view_id, "visible_ms": visible_ms})


def test_beacons_are_acknowledged_then_written_together(site):
    widget = Widget(site)
    widget.visit()
    widget.post("/consent", {"visitor_token": widget.token, "granted": True})
    with override_settings(PARLEY_PAGE_VIEW_FLUSH_MS=600_000):
        for visible in (1000, 16000, 9000):
            assert beacon(widget, "pv-1", visible).status_code == 200
        assert beacon(widget, "pv-2", 500, url="https://www.acme.test/pricing").status_code == 200
        assert not PageView.objects.exists()  # acknowledged, not yet written
        assert ingest.flush() == 4
    views = {v.client_id: v.visible_ms for v in PageView.objects.all()}
    assert views == {"pv-1": 16000, "pv-2": 500}


def test_beacons_of_a_revoked_visitor_are_not_written(site):
    widget = Widget(site)
    widget.visit()
    widget.post("/consent", {"visitor_token": widget.token, "granted": True})
    with override_settings(PARLEY_PAGE_VIEW_FLUSH_MS=600_000):
        beacon(widget, "pv-1", 1000)
        widget.post("/consent", {"visitor_token": widget.token, "granted": False})
        ingest.flush()
    assert not PageView.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_beacon_is_visible_through_the_api_within_a_second(site, owner):
    from parley.accounts.services import create_api_key

    _, key = create_api_key(site, owner, "t")
    with live.LiveServer(env={"PARLEY_PAGE_VIEW_FLUSH_MS": "100"}) as server:
        def call(path, body):
            return live.request("POST", f"{server.url}/api/widget/{site.site_key}{path}",
                                json=body, headers={"Origin": ORIGIN})

        token = call("/visits", {"url": ORIGIN}).json()["visitor_token"]
        call("/consent", {"visitor_token": token, "granted": True})
        from parley.tracking.models import Visitor

        visitor = Visitor.objects.get(token=token)
        from parley.contacts import services
        from parley.contacts.models import Source

        contact = services.create_contact(site, {"email": "pv@acme.test"},
                                          prov=services.Provenance(source=Source.API))
        Visitor.objects.filter(pk=visitor.pk).update(contact=contact)
        sent = time.monotonic()
        assert call("/page-views", {"visitor_token": token, "page_view_id": "p",
                                    "url": ORIGIN + "/pricing", "visible_ms": 2000}).status == 200
        seen = []
        while time.monotonic() - sent < 1.0 and not seen:
            seen = live.request("GET", f"{server.url}/api/v1/contacts/{contact.id}/page-views",
                                key=key).json()["items"]
            time.sleep(0.05)
    assert [v["url"] for v in seen] == [ORIGIN + "/pricing"]


def test_a_batch_keeps_the_visitors_and_contacts_figures(site):
    from parley.contacts import services
    from parley.contacts.models import Contact, Source
    from parley.tracking.models import Visitor

    contact = services.create_contact(site, {"email": "batch@acme.test"},
                                      prov=services.Provenance(source=Source.API))
    widgets = [Widget(site), Widget(site)]
    for widget in widgets:
        widget.visit()
        widget.post("/consent", {"visitor_token": widget.token, "granted": True})
    Visitor.objects.filter(token=widgets[0].token).update(contact=contact)
    with override_settings(PARLEY_PAGE_VIEW_FLUSH_MS=600_000):
        beacon(widgets[0], "a-1", 4500)
        beacon(widgets[0], "a-1", 12_400)  # the same page view, later: 12 s in all
        beacon(widgets[0], "a-2", 0, url="https://www.acme.test/pricing")
        beacon(widgets[1], "b-1", 2000)
        assert ingest.flush() == 4
        first = Visitor.objects.get(token=widgets[0].token)
        beacon(widgets[0], "a-2", 3999)  # grows an existing view: +3 s, no new view
        beacon(widgets[0], "a-1", 1000)  # smaller than what is stored: ignored
        assert ingest.flush() == 2
    one, two = (Visitor.objects.get(token=w.token) for w in widgets)
    assert (one.page_views, one.time_on_site_s) == (2, 15)
    assert (two.page_views, two.time_on_site_s) == (1, 2)
    assert one.last_seen_at >= first.last_seen_at and one.last_page_view_at is not None
    contact = Contact.objects.get(pk=contact.pk)
    assert (contact.page_views, contact.time_on_site_s) == (2, 15)
    assert contact.last_seen_at == one.last_seen_at
    views = {v.client_id: (v.visible_ms, v.contact_id) for v in PageView.objects.all()}
    assert views == {"a-1": (12_400, contact.id), "a-2": (3999, contact.id), "b-1": (2000, None)}


def test_consent_given_in_another_process_is_seen_at_once(site):
    """Beacons read their visitor from a per-process cache: a visitor not tracked is never
    cached, so consent written by another process counts from the next beacon; a cached
    visitor who revoked consent elsewhere has the beacon dropped when the batch is written."""
    from parley.tracking.models import Visitor

    site.tracking = "required"
    site.save()
    widget = Widget(site)
    widget.visit()
    with override_settings(PARLEY_PAGE_VIEW_FLUSH_MS=600_000):
        assert beacon(widget, "pv-1", 1000).json()["stored"] is False
        Visitor.objects.filter(token=widget.token).update(consent="granted")
        assert beacon(widget, "pv-2", 1000).json()["stored"] is True
        ingest.flush()
        Visitor.objects.filter(token=widget.token).update(consent="denied")
        beacon(widget, "pv-3", 1000)
        ingest.flush()
    assert set(PageView.objects.values_list("client_id", flat=True)) == {"pv-2"}
