"""parley_casefold() in SQL is Python's str.casefold(), on SQLite and on PostgreSQL."""

import sys

import pytest
from django.db import connection

from parley.activity import folding

SAMPLES = [
    "ÖLMANN",
    "Straße",
    "ΣΑΣ ς",
    "İstanbul",
    "ﬁne ǅ",
    "Ꭰꭰ",
    "K Kelvin",
    "plain ascii",
    "ŉ ǰ ΐ",
    "ＡＢＣ",
    "𐐀𐐨",
    "",
]


def fold_in_sql(strings):
    with connection.cursor() as cursor:
        out = []
        for text in strings:
            cursor.execute("SELECT parley_casefold(%s)", [text])
            out.append(cursor.fetchone()[0])
        return out


@pytest.mark.django_db
def test_it_folds_like_python(db):
    assert fold_in_sql(SAMPLES) == [s.casefold() for s in SAMPLES]
    with connection.cursor() as cursor:
        cursor.execute("SELECT parley_casefold(NULL)")
        assert cursor.fetchone()[0] is None


@pytest.mark.django_db
def test_every_code_point_folds_like_python_on_postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite calls Python's casefold itself")
    chars = [c for c in folding.code_points()]
    step = 100_000
    with connection.cursor() as cursor:
        for start in range(0, len(chars), step):
            chunk = chars[start : start + step]
            cursor.execute(
                "SELECT parley_casefold(c) FROM unnest(%s::text[]) WITH ORDINALITY "
                "AS u(c, i) ORDER BY i",
                [chunk],
            )
            got = [row[0] for row in cursor.fetchall()]
            wrong = [(hex(ord(c)), g) for c, g in zip(chunk, got, strict=True) if g != c.casefold()]
            assert not wrong, wrong[:10]
    assert sys.maxunicode == 0x10FFFF


@pytest.mark.django_db
def test_a_stale_function_is_rebuilt_after_migrate(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("COMMENT ON FUNCTION parley_casefold(text) IS 'built elsewhere'")
        folding.ensure_postgres(using="default")
        assert folding.installed_stamp(cursor) == folding.fingerprint(cursor)
    assert fold_in_sql(["ÖLMANN"]) == ["ölmann"]
