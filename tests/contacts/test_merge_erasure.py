from django.apps import apps
from django.db import connection

from parley.activity.models import Activity
from parley.contacts import identity, services
from parley.contacts.models import Contact, Source
from parley.contacts.services import Provenance
from parley.tracking.models import Visitor


def make(account, status=None, **values):
    return services.create_contact(account, values, status=status,
                                   prov=Provenance(source=Source.API))


def test_it_previews_every_conflict(api, account):
    a = make(account, email="a@x.test", company="Acme", status="qualified")
    b = make(account, email="b@x.test", company="Globex", first_name="Bea",
             status="sales_qualified")
    preview = api.get(f"/contacts/{a.id}/merge-preview?from={b.id}")
    assert preview.status_code == 200
    conflicts = {c["field"]: (c["into"], c["from"]) for c in preview.data["conflicts"]}
    assert conflicts == {"email": ("a@x.test", "b@x.test"), "company": ("Acme", "Globex"),
                         "status": ("qualified", "sales_qualified")}


def test_it_merges_choosing_a_conflicting_value_and_moves_everything(api, account):
    a = make(account, email="a@x.test", company="Acme")
    b = make(account, email="b@x.test", company="Globex", first_name="Bea")
    visitor = Visitor.objects.create(account=account, contact=b, trust="cookie")
    response = api.post(f"/contacts/{a.id}/merge", {"from": str(b.id),
                                                    "choose": {"company": "from"}})
    assert response.status_code == 200
    fields = response.data["fields"]
    assert fields == {"first_name": "Bea", "email": "a@x.test", "company": "Globex"}
    visitor.refresh_from_db()
    assert visitor.contact_id == a.id
    assert Activity.objects.filter(type="contact_merged", contact=a).count() == 1
    history = {(c["field"], c["outcome"]) for c in
               api.get(f"/contacts/{a.id}/history").data["items"] if c["source"] == "merge"}
    assert ("company", "applied") in history and ("email", "rejected") in history


def test_the_merged_contacts_activities_move_to_the_survivor(api, account):
    a = make(account, email="a@x.test")
    b = make(account, email="b@x.test")
    assert api.patch(f"/contacts/{b.id}", {"status": "qualified"}).status_code == 200
    before = Activity.objects.filter(contact=b).count()
    assert before >= 1

    assert api.post(f"/contacts/{a.id}/merge", {"from": str(b.id)}).status_code == 200

    assert Activity.objects.filter(contact=b).count() == 0
    types = {item["type"] for item in api.get(f"/contacts/{a.id}/activities").data["items"]}
    assert {"status_changed", "contact_merged"} <= types


def test_it_keeps_resolving_the_merged_id_to_the_survivor(api, account):
    a = make(account, email="a@x.test")
    b = make(account, first_name="Anon")
    api.post(f"/contacts/{a.id}/merge", {"from": str(b.id)})
    assert api.get(f"/contacts/{b.id}").data["id"] == str(a.id)
    patch = api.patch(f"/contacts/{b.id}", {"fields": {"company": "X"}})
    assert patch.status_code == 409 and str(a.id) in patch.data["detail"]
    c = make(account, email="c@x.test")
    identity.merge(c, Contact.objects.get(pk=a.pk))
    assert identity.resolve(account, b.id)[0].pk == c.pk
    assert [x["id"] for x in api.get("/contacts").data["items"]] == [str(c.id)]


def test_it_refuses_to_merge_a_contact_into_itself(api, account):
    a = make(account, email="a@x.test")
    assert api.post(f"/contacts/{a.id}/merge", {"from": str(a.id)}).status_code == 422


def all_text_in_database() -> str:
    """Every text-ish value of every table, as one string to search."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                chunks.extend(str(value) for value in row if value is not None)
    return "\n".join(chunks).lower()


def test_erasure_leaves_no_personal_data_in_any_table(api, account):
    a = make(account, email="erase.me@x.test", phone="+14155552671", first_name="Eraseme",
             status="qualified")
    anon = make(account, company="Ghost Company Ltd")
    Visitor.objects.create(account=account, contact=a, trust="cookie")
    api.post(f"/contacts/{a.id}/merge", {"from": str(anon.id)})
    api.patch(f"/contacts/{a.id}", {"fields": {"last_name": "Lastnameunique"}})
    assert "erase.me@x.test" in all_text_in_database()
    assert api.delete(f"/contacts/{a.id}").status_code == 204
    text = all_text_in_database()
    for needle in ("erase.me@x.test", "+14155552671", "eraseme", "ghost company",
                   "lastnameunique"):
        assert needle not in text, needle
    assert api.get(f"/contacts/{a.id}").status_code == 404
    assert api.get(f"/contacts/{anon.id}").status_code == 404
    assert Activity.objects.filter(type="contact_erased").count() == 1
    assert not Visitor.objects.exists()


def test_export_holds_everything_stored_about_the_contact(api, account):
    a = make(account, email="x@x.test", company="Acme")
    Visitor.objects.create(account=account, contact=a, trust="verified")
    api.patch(f"/contacts/{a.id}", {"fields": {"company": "Globex"}})
    doc = api.get(f"/contacts/{a.id}/export").data
    assert doc["contact"]["fields"]["company"] == "Globex"
    assert [h["new"] for h in doc["history"] if h["field"] == "company"] == ["Acme", "Globex"]
    assert doc["visitors"][0]["trust"] == "verified"
    assert any(a["type"] == "field_changed" for a in doc["activities"])


def test_every_contact_data_table_is_registered():
    """A model with a foreign key to Contact must join merge, erasure and export."""
    from parley.contacts import registry

    registry.load_all()
    handled = {"contacts.FieldChange", "activity.Activity", "contacts.Contact"}
    for model in apps.get_models():
        label = f"{model._meta.app_label}.{model.__name__}"
        points_at_contact = any(
            getattr(f, "related_model", None) is Contact for f in model._meta.get_fields()
            if f.concrete)
        if points_at_contact and label not in handled:
            assert any(model.__name__.lower() in name.replace("_", "") or label in name
                       for name in registry.TABLES), f"{label} is not in the contact registry"
