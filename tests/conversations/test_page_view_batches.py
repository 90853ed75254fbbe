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
