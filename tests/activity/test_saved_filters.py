"""Saved filters: the built-in ones in every account, private ones for their creator,
shared ones for the account only, who may change or delete them."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from parley.accounts import services as accounts
from parley.activity.models import SavedFilter
from parley.activity.saved import ensure_default_filters
from tests.conftest import make_user


def names(api):
    response = api.get("/saved-filters")
    assert response.status_code == 200, response.data
    return [f["name"] for f in response.data["items"]]


def create(api, name, shared=False, **doc):
    response = api.post("/saved-filters", {"name": name, "shared": shared, "filter": doc})
    assert response.status_code == 201, response.data
    return response.data


def test_every_account_has_the_two_builtin_shared_filters(api, outsider_api, account):
    assert names(api) == ["My activity", "Conversations with bookings"]
    assert names(outsider_api) == ["My activity", "Conversations with bookings"]
    ensure_default_filters(account)  # idempotent
    assert SavedFilter.objects.filter(account=account).count() == 2


def test_creating_answers_201_with_the_spec_shape(api):
    created = create(api, "Hot leads", shared=True, status="sales_qualified", owner="me")
    assert set(created) == {"id", "name", "shared", "filter"}
    assert created["filter"] == {"owner": "me", "status": "sales_qualified"}
    assert created["shared"] is True
    assert api.get(f"/saved-filters/{created['id']}").data == created


def test_a_private_filter_is_only_its_creators(api, member_api, outsider_api):
    private = create(member_api, "Mine only", type="conversation")
    assert "Mine only" in names(member_api)
    assert "Mine only" not in names(api)  # not even an admin's
    for client in (api, outsider_api):
        assert client.get(f"/saved-filters/{private['id']}").status_code == 404
        assert client.get(f"/activities?filter={private['id']}").status_code == 404
        assert client.delete(f"/saved-filters/{private['id']}").status_code == 404
    assert SavedFilter.objects.filter(id=private["id"]).exists()


def test_a_shared_filter_is_the_accounts_and_no_one_elses(api, member_api, outsider_api):
    shared = create(member_api, "Team view", shared=True, type="booking")
    assert "Team view" in names(api)
    assert "Team view" not in names(outsider_api)
    assert outsider_api.get(f"/activities?filter={shared['id']}").status_code == 404
    assert outsider_api.delete(f"/saved-filters/{shared['id']}").status_code == 404
    assert SavedFilter.objects.filter(id=shared["id"]).exists()


def test_only_the_creator_or_an_admin_may_delete_a_shared_filter(api, member_api, account):
    by_admin = create(api, "Admin's", shared=True)
    assert member_api.delete(f"/saved-filters/{by_admin['id']}").status_code == 403
    assert (
        member_api.patch(f"/saved-filters/{by_admin['id']}", {"name": "Taken over"}).status_code
        == 403
    )
    by_member = create(member_api, "Member's", shared=True)
    assert api.delete(f"/saved-filters/{by_member['id']}").status_code == 204
    own = create(member_api, "Own private")
    assert member_api.delete(f"/saved-filters/{own['id']}").status_code == 204
    assert names(api) == ["My activity", "Conversations with bookings", "Admin's"]


def test_rename_and_share_through_patch(member_api, api):
    saved = create(member_api, "Draft")
    renamed = member_api.patch(
        f"/saved-filters/{saved['id']}", {"name": "Weekly review", "shared": True}
    )
    assert renamed.status_code == 200
    assert renamed.data["name"] == "Weekly review" and renamed.data["shared"] is True
    assert "Weekly review" in names(api)


def test_builtin_filters_cannot_be_changed_or_deleted(api):
    builtin = api.get("/saved-filters").data["items"][0]
    assert api.delete(f"/saved-filters/{builtin['id']}").status_code == 409
    assert api.patch(f"/saved-filters/{builtin['id']}", {"name": "x"}).status_code == 409
    assert names(api)[0] == "My activity"


def test_the_filter_document_is_validated(api, account, other_account, outsider):
    bad = api.post("/saved-filters", {"name": "Bad", "filter": {"colour": "red"}})
    assert bad.status_code == 422 and bad.data["errors"][0]["field"] == "filter.colour"
    cond = api.post(
        "/saved-filters",
        {
            "name": "Bad",
            "filter": {"where": {"subject": "visitor", "field": "visits", "op": "gt", "value": 3}},
        },
    )
    assert cond.status_code == 422
    assert cond.data["errors"][0]["field"] == "filter.where.subject"
    foreign = api.post("/saved-filters", {"name": "Bad", "filter": {"owner": str(outsider.id)}})
    assert foreign.status_code == 422
    assert api.post("/saved-filters", {"name": " ", "filter": {}}).status_code == 422
    assert SavedFilter.objects.filter(account=account, name="Bad").count() == 0


def test_the_migration_gave_existing_accounts_the_builtin_filters(transactional_db):
    executor = MigrationExecutor(connection)
    before = [("activity", "0001_activity_log")]
    executor.migrate(before)
    admin = make_user("early@acme.test")
    old = accounts.create_account("Early", admin)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    builtins = SavedFilter.objects.filter(account=old).values_list("builtin", "shared")
    assert sorted(builtins) == [("my_activity", True), ("with_bookings", True)]
