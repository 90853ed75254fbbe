import csv
import io

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from parley.accounts.models import Website
from parley.activity.models import Activity
from parley.api.widget_cors import clear_cache
from parley.booking import calendars
from parley.booking import services as booking_services
from parley.booking.models import Booking
from parley.bots import targeting
from parley.contacts import identity, services
from parley.contacts.fields import create_field
from parley.contacts.models import Contact, FieldChange, Source
from parley.contacts.services import Provenance
from parley.conversations.models import Conversation, Message
from parley.imports import services as imports
from parley.imports.models import ImportRowError
from parley.integrations.models import Delivery, DeliveryAttempt, NotificationSent
from parley.tracking.models import Visitor
from parley.tracking.services import page_views_of
from tests.booking.conftest import calendar_body, first_slot
from tests.conversations.conftest import BOT_A, ORIGIN, SIZE, Widget, publish
from tests.integrations.conftest import receiver, subscribe  # noqa: F401 (a fixture)


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


# --- the whole-database scan after an erasure ----------------------------------------

ERASED_EMAIL = "zephyrine.quill@erase-scan.test"
ERASED_PHONE = "+14155557384"
PHONE_FORMS = (ERASED_PHONE, "(415) 555-7384", "415-555-7384", "415 555 7384", "4155557384")
ERASED_NAMES = ("zephyrine", "quillfeather", "xylocorp")

# Tables that may keep a needle after an erasure, each with its reason. Empty today: the
# erasure leaves no email, phone or name anywhere (its `contact_erased` activity carries
# none). Add a table here only with the reason it must keep the value.
ALLOWED: dict[str, str] = {}

TEXT_TYPES = {"CharField", "TextField", "EmailField", "JSONField", "SlugField", "URLField",
              "BinaryField", "GenericIPAddressField", "FilePathField"}


def text_columns():
    """{table: [column]} for every text, JSON or binary column of every installed model
    (auto-created many-to-many tables included)."""
    out = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        columns = [f.column for f in model._meta.concrete_fields
                   if f.get_internal_type() in TEXT_TYPES]
        if columns:
            out.setdefault(model._meta.db_table, set()).update(columns)
    return out


def needles_by_table() -> dict[str, set[str]]:
    found = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, columns in sorted(text_columns().items()):
            cursor.execute(f"SELECT {', '.join(quote(c) for c in sorted(columns))} "
                           f"FROM {quote(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if value is None:
                        continue
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "replace")
                    text = str(value).lower()
                    for needle in (ERASED_EMAIL, *PHONE_FORMS, *ERASED_NAMES):
                        if needle in text:
                            found.setdefault(table, set()).add(needle)
    return found


def test_erasure_leaves_nothing_in_any_column_of_any_table(
    api, account, owner, receiver, django_capture_on_commit_callbacks  # noqa: F811
):
    """One contact with data in every table that can hold it (visitor, page views, a
    conversation and its transcript, a booking with its notices and claims, field history,
    activities, webhook events with deliveries and attempts, a notification record, import
    samples and failed rows), erased; then every text and JSON column is read back raw."""
    clear_cache()
    Website.objects.filter(account=account, is_default=True).update(origins=[ORIGIN])
    create_field(account, key="company_size", label="Company size", type="single_choice",
                 options=SIZE)
    bot = publish(account, owner, "Bot A", BOT_A)
    targeting.replace_rules(account, [{"name": "everyone", "when": {"all": []},
                                       "bot": str(bot.id)}])
    subscribe(account, owner, receiver, events=["contact.created", "contact.updated",
                                                "contact.status_changed", "booking.scheduled"])
    calendar = calendars.create_calendar(account, calendar_body(owner))

    with django_capture_on_commit_callbacks(execute=True):
        widget = Widget(account)
        widget.visit("https://www.acme.test/pricing?ref=zephyrine")
        widget.post("/consent", {"visitor_token": widget.token, "granted": True})
        widget.post("/page-views", {"visitor_token": widget.token, "page_view_id": "pv1",
                                    "url": "https://www.acme.test/pricing?ref=zephyrine",
                                    "visible_ms": 4000})
        turn = widget.start().data
        turn = widget.answer(turn, "11-200").data
        widget.answer(turn, ERASED_EMAIL.upper())
    contact = Contact.objects.get(account=account, email=ERASED_EMAIL)
    with django_capture_on_commit_callbacks(execute=True):
        widget.post("/page-views", {"visitor_token": widget.token, "page_view_id": "pv2",
                                    "url": "https://www.acme.test/contact", "visible_ms": 900})
        assert api.patch(f"/contacts/{contact.id}", {
            "fields": {"first_name": "Zephyrine", "last_name": "Quillfeather",
                       "phone": "(415) 555-7384", "company": "Xylocorp"},
            "status": "sales_qualified"}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.book(calendar, first_slot(calendar),
                     {"email": ERASED_EMAIL, "first_name": "Zephyrine"}, source="page")
    out = io.StringIO()
    csv.writer(out).writerows([
        ["Email", "First name", "Phone", "Company size"],
        [ERASED_EMAIL, "Zephyrine", "", "gigantic"],  # fails: kept for the report
        ["", "Zephyrine", "415-555-7384", "enormous"],  # fails, found by the phone
        ["someone@else.test", "Someone", "", ""],
    ])
    job = imports.create_job(account, owner, SimpleUploadedFile(
        "leads.csv", out.getvalue().encode(), content_type="text/csv"))
    imports.start(job, job.mapping)

    contact.refresh_from_db()
    # Every table the scenario means to fill holds the contact's data before the erasure.
    assert Conversation.objects.filter(contact=contact).exists()
    assert Message.objects.filter(conversation__contact=contact,
                                  text__icontains=ERASED_EMAIL).exists()
    assert page_views_of(contact).count() == 2
    assert Booking.objects.filter(contact=contact).exists()
    assert FieldChange.objects.filter(contact=contact, field="phone").exists()
    assert Activity.objects.filter(contact=contact).count() >= 3
    assert Delivery.objects.filter(event__contact_id=contact.id).count() >= 3
    assert DeliveryAttempt.objects.filter(delivery__event__contact_id=contact.id).exists()
    assert NotificationSent.objects.filter(event__contact_id=contact.id).exists()
    assert ImportRowError.objects.filter(job=job).count() == 2
    before = needles_by_table()
    for table in ("contacts_contact", "contacts_fieldchange", "activity_activity",
                  "conversations_conversation", "conversations_message", "booking_booking",
                  "tracking_visitor", "tracking_pageview", "integrations_outboxevent",
                  "imports_importjob", "imports_importrowerror"):
        assert before.get(table), f"the scenario put nothing of the contact in {table}"

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/contacts/{contact.id}").status_code == 204

    left = {table: needles for table, needles in needles_by_table().items()
            if table not in ALLOWED}
    assert left == {}
    assert Contact.objects.filter(account=account, email="someone@else.test").exists()
