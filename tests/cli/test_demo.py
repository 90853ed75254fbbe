"""`parley demo` builds the demo account; `make run` runs it every time, so a second run must
change nothing."""

import pytest

pytestmark = pytest.mark.server


def snapshot(parley) -> dict:
    """Every row of every table, sorted, so that two runs can be compared."""
    tables = [
        name
        for (name,) in parley.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {table: sorted(map(repr, parley.rows(f'SELECT * FROM "{table}"'))) for table in tables}


def test_it_builds_the_demo_account_and_a_second_run_changes_nothing(migrated_parley):
    first = migrated_parley("demo")
    assert first.returncode == 0, first.stderr
    assert "demo@example.com" in first.stderr
    assert migrated_parley.rows("SELECT slug FROM accounts_account") == [("demo",)]
    after_first = snapshot(migrated_parley)

    second = migrated_parley("demo")

    assert second.returncode == 0, second.stderr
    after_second = snapshot(migrated_parley)
    changed = {
        table: {
            "removed": sorted(set(after_first[table]) - set(rows))[:3],
            "added": sorted(set(rows) - set(after_first[table]))[:3],
        }
        for table, rows in after_second.items()
        if rows != after_first.get(table)
    }
    assert changed == {}
    assert sum(len(rows) for rows in after_first.values()) > 0


def test_the_demo_conversations_read_like_real_visits(migrated_parley):
    assert migrated_parley("demo").returncode == 0
    # The status a demo conversation set moves back in time with its visit: the stream does
    # not open on a block of "just now" status changes.
    days = [d for (d,) in migrated_parley.rows(
        "SELECT DISTINCT date(a.occurred_at) FROM activity_activity a"
        " JOIN contacts_contact c ON c.id = a.contact_id"
        " WHERE a.type = 'status_changed' AND c.email LIKE '%@demo-visitors.example.com'"
    )]
    assert len(days) >= 3, days
    # Some qualified visitors booked a meeting in their conversation, ahead of now.
    bookings = migrated_parley.rows(
        "SELECT COUNT(*) FROM booking_booking b JOIN conversations_conversation c"
        " ON c.id = b.conversation_id WHERE b.start > datetime('now')"
    )[0][0]
    assert bookings >= 1
    # A free-text answer saved into the name field is a name, not a canned sentence.
    names = [n for (n,) in migrated_parley.rows("SELECT first_name FROM contacts_contact")]
    assert not [n for n in names if " " in n and n.endswith(("around", "around."))]
