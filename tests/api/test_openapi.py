"""The OpenAPI document and the browsable docs: served without a key, no asset from the
internet, and a snapshot of every documented path.

The snapshot (tests/api/openapi_snapshot.json) holds each snapshotted path with its schemas
inlined. A path that appears, disappears or changes fails the test, so every change of the
public contract is a reviewed change of the snapshot:

    UPDATE_SNAPSHOTS=1 make test
    UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/api/test_openapi.py   # quicker
"""

import copy
import difflib
import json
import os
import re
from pathlib import Path

import pytest

SNAPSHOT = Path(__file__).with_name("openapi_snapshot.json")
UPDATE_HINT = (
    "If the change is intended, rewrite the snapshot with\n"
    "    UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/api/test_openapi.py\n"
    "(or UPDATE_SNAPSHOTS=1 make test) and commit tests/api/openapi_snapshot.json."
)


@pytest.fixture
def document(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def inline_refs(node, components, seen=()):
    """The operation with every `$ref` replaced by the schema it names (recursion marked)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name in seen:
                return {"$recursive": name}
            return inline_refs(components.get(name, {}), components, (*seen, name))
        return {key: inline_refs(value, components, seen) for key, value in node.items()}
    if isinstance(node, list):
        return [inline_refs(item, components, seen) for item in node]
    return node


def documented_paths(document) -> dict:
    components = document.get("components", {}).get("schemas", {})
    return {
        path: inline_refs(copy.deepcopy(operations), components)
        for path, operations in document["paths"].items()
    }


def test_the_openapi_document_is_served_without_a_key(client, db):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Parley management API"
    assert response.json()["openapi"].startswith("3.")


def test_the_docs_page_is_served_without_a_key_and_loads_nothing_from_the_internet(client, db):
    response = client.get("/api/v1/docs")

    page = response.content.decode()
    assert response.status_code == 200
    assert "/api/v1/openapi.json" in page
    assert re.findall(r"(?:https?:)?//[a-z0-9.-]+", page, flags=re.I) == []
    assets = re.findall(r'(?:src|href)="(/[^"]+)"', page)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_the_document_declares_bearer_keys_for_every_operation(document):
    schemes = document["components"]["securitySchemes"]

    assert {"type": "http", "scheme": "bearer"}.items() <= next(iter(schemes.values())).items()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("security"), f"{method.upper()} {path} has no security"


def test_the_documented_paths_match_the_snapshot(document):
    current = documented_paths(document)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps({"paths": current}, indent=2, sort_keys=True) + "\n")
        print(f"\nWrote {SNAPSHOT} with {len(current)} paths.")
        return
    assert SNAPSHOT.exists(), f"{SNAPSHOT} is missing.\n{UPDATE_HINT}"
    snapshot = json.loads(SNAPSHOT.read_text())["paths"]

    problems = [
        f"{path} is new: not in the snapshot." for path in sorted(set(current) - set(snapshot))
    ]
    for path in sorted(snapshot):
        if path not in current:
            problems.append(f"{path} disappeared from the OpenAPI document.")
        elif current[path] != snapshot[path]:
            before = json.dumps(snapshot[path], indent=2, sort_keys=True).splitlines()
            after = json.dumps(current[path], indent=2, sort_keys=True).splitlines()
            diff = "\n".join(difflib.unified_diff(before, after, "snapshot", "now", lineterm=""))
            problems.append(f"{path} changed:\n{diff}")
    assert not problems, "\n\n".join(problems) + f"\n\n{UPDATE_HINT}"


def test_the_snapshot_covers_the_platform_endpoints():
    snapshot = json.loads(SNAPSHOT.read_text())["paths"]

    platform = {
        "/api/v1/me": {"get"},
        "/api/v1/users": {"get"},
        "/api/v1/api-keys": {"get", "post"},
        "/api/v1/api-keys/{key_id}": {"delete"},
        "/api/v1/websites": {"get", "post"},
        "/api/v1/websites/{website_id}": {"get", "patch", "delete"},
    }
    assert {path: set(snapshot.get(path, {})) for path in platform} == platform
