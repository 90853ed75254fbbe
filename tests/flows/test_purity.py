"""parley.flows is the pure core: no Django, nothing else of Parley."""

import ast
import pathlib

import parley.flows

PACKAGE = pathlib.Path(parley.flows.__file__).parent
ALLOWED_THIRD_PARTY = {"pydantic", "pydantic_core", "phonenumbers"}


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                yield node.lineno, "parley.flows"  # a relative import stays inside the package
            elif node.module:
                yield node.lineno, node.module


def test_the_package_has_modules_to_check():
    assert len(list(PACKAGE.glob("*.py"))) >= 8


def test_no_module_of_the_flow_core_imports_django_or_the_rest_of_parley():
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, module in imported_modules(path):
            top = module.split(".")[0]
            if top == "django" or (top == "parley" and not module.startswith("parley.flows")):
                offences.append(f"{path.name}:{line} imports {module}")
    assert offences == []


def test_the_flow_core_imports_only_the_standard_library_pydantic_and_phonenumbers():
    import sys

    foreign = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, module in imported_modules(path):
            top = module.split(".")[0]
            if top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY or top == "__future__":
                continue
            if module.startswith("parley.flows"):
                continue
            foreign.append(f"{path.name}:{line} imports {module}")
    assert foreign == []


def test_the_source_text_mentions_no_django_import_either():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        assert "import django" not in text, path.name
        assert "from django" not in text, path.name
