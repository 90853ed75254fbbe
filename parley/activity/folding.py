"""`parley_casefold(text)`: Python's `str.casefold()` as an SQL function, on both databases.

The condition language compares text with `str.casefold()` ("ÖLMANN" equals "ölmann",
"Straße" equals "STRASSE"). SQLite's `lower()`/`LIKE` fold ASCII only, and PostgreSQL's
`lower()` is the server locale's per-character lower-casing, which is not case folding (ß,
ς, ﬁ, Cherokee ...). Activity filters therefore call `parley_casefold`:

- SQLite: registered on every connection, it IS Python's casefold.
- PostgreSQL: created from this interpreter's Unicode tables, in two parts.
  `parley_casefold_exact` is exact everywhere but slow (a `translate()` of every one-to-one
  folding, then a `replace()` per one-to-many folding; case folding is per character and
  idempotent, so the steps never interfere). `parley_casefold` takes the fast road, the
  server's `lower()`, for strings without any "unsafe" character: one whose `lower()` on this
  server differs from its casefold, found by asking the server for every code point when the
  function is installed. That is exact when `lower()` works per character, as the libc and
  builtin locale providers do; with an ICU default collation (context-sensitive lower-casing)
  only ASCII takes the fast road.
  The function's comment records what it was built for (Unicode version, locale, collation
  version); `ensure_postgres` rebuilds it after each `migrate` when any of those changed.
"""

import sys
import unicodedata

FUNCTION = "parley_casefold"
EXACT = "parley_casefold_exact"


def casefold(value):
    return value.casefold() if isinstance(value, str) else value


def register_sqlite(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: every SQLite connection gets the function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(FUNCTION, 1, casefold, deterministic=True)


def code_points():
    for code in range(1, sys.maxunicode + 1):
        if not 0xD800 <= code <= 0xDFFF:
            yield chr(code)


def foldings() -> tuple[dict[str, str], dict[str, str]]:
    """(one-to-one, one-to-many) case foldings of every code point that changes."""
    single, multiple = {}, {}
    for char in code_points():
        folded = char.casefold()
        if folded != char:
            (single if len(folded) == 1 else multiple)[char] = folded
    return single, multiple


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _bracket(chars) -> str:
    return "[" + "".join("\\" + c if c in "\\]^-[" else c for c in chars) + "]"


def exact_function_sql() -> str:
    single, multiple = foldings()
    expr = f"translate($1, {_literal(''.join(single))}, {_literal(''.join(single.values()))})"
    for source, target in multiple.items():
        expr = f"replace({expr}, {_literal(source)}, {_literal(target)})"
    return (
        f"CREATE OR REPLACE FUNCTION {EXACT}(text) RETURNS text LANGUAGE sql IMMUTABLE "
        f"STRICT PARALLEL SAFE AS $fold$ SELECT {expr} $fold$"
    )


_SERVER = """
SELECT d.datlocprovider, d.datcollate, d.datctype,
       coalesce(pg_database_collation_actual_version(d.oid), ''), current_setting('server_version_num')
FROM pg_database d WHERE d.datname = current_database()
"""


def fingerprint(cursor) -> str:
    cursor.execute(_SERVER)
    return "|".join(map(str, [unicodedata.unidata_version, *cursor.fetchone()]))


def unsafe_characters(cursor) -> list[str]:
    """Characters whose `lower()` on this server is not their casefold."""
    cursor.execute(
        "SELECT c, lower(chr(c)) FROM generate_series(1, %s) AS g(c) "
        "WHERE (c < 55296 OR c > 57343) AND lower(chr(c)) <> chr(c)",
        [sys.maxunicode],
    )
    lowered = {chr(code): low for code, low in cursor.fetchall()}
    return [c for c in code_points() if lowered.get(c, c) != c.casefold()]


def fast_function_sql(unsafe: list[str], per_character_lower: bool) -> str:
    if per_character_lower:
        test = f"$1 !~ {_literal(_bracket(unsafe))}"
    else:  # ICU lower-cases in context: only ASCII may take the fast road
        ascii_unsafe = [c for c in unsafe if ord(c) < 128]
        test = "octet_length($1) = char_length($1)"
        if ascii_unsafe:
            test += f" AND $1 !~ {_literal(_bracket(ascii_unsafe))}"
    return (
        f"CREATE OR REPLACE FUNCTION {FUNCTION}(text) RETURNS text LANGUAGE sql IMMUTABLE "
        f"STRICT PARALLEL SAFE AS $fold$ SELECT CASE WHEN {test} THEN lower($1) "
        f"ELSE {EXACT}($1) END $fold$"
    )


def install_postgres(connection) -> None:
    with connection.cursor() as cursor:
        stamp = fingerprint(cursor)
        cursor.execute("SELECT datlocprovider FROM pg_database WHERE datname = current_database()")
        per_character = cursor.fetchone()[0] != "i"
        cursor.execute(exact_function_sql())
        cursor.execute(fast_function_sql(unsafe_characters(cursor), per_character))
        cursor.execute(f"COMMENT ON FUNCTION {FUNCTION}(text) IS {_literal(stamp)}")


def installed_stamp(cursor) -> str | None:
    cursor.execute("SELECT obj_description(to_regprocedure(%s), 'pg_proc')", [f"{FUNCTION}(text)"])
    row = cursor.fetchone()
    return row[0] if row else None


def ensure_postgres(sender=None, using="default", **kwargs) -> None:
    """`post_migrate` receiver: rebuild the function when the server or Python changed."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if installed_stamp(cursor) in (None, fingerprint(cursor)):
            return  # not installed yet (the migration does it) or up to date
    install_postgres(connection)
