"""The layout shows the architecture: one room per role, imports flowing one way, small modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from settings import PROJECT_ROOT

#: What each package may import of Senpai's own packages (besides itself).
ALLOWED = {
    "contracts": set(),  # the contracts between processes, standard library only
    "knowledge": set(),
    "settings": set(),  # reads the environment and nothing else
    "organisers": {"settings", "knowledge", "contracts"},
    "bot": {"organisers", "settings", "knowledge", "contracts"},
    "actions": {"settings", "knowledge", "contracts"},
    "senpai": {"bot", "actions", "organisers", "settings", "knowledge", "contracts"},
    "connectors": {"contracts"},  # loaded by Rasa, in Rasa's own Python environment
}
OURS = set(ALLOWED)
#: "Modules stay small, under about 400 lines."
MAX_LINES = 400


def modules(package: str) -> list[Path]:
    return sorted((PROJECT_ROOT / package).rglob("*.py"))


def imported_packages(path: Path) -> set[str]:
    """The top-level packages a module imports, wherever in the module the import stands."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_flow_one_way(package: str) -> None:
    wrong = {
        str(path.relative_to(PROJECT_ROOT)): sorted(
            (imported_packages(path) & OURS) - ALLOWED[package] - {package}
        )
        for path in modules(package)
    }
    assert {path: names for path, names in wrong.items() if names} == {}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_says_what_lives_there_and_what_it_may_import(package: str) -> None:
    docstring = ast.get_docstring(ast.parse((PROJECT_ROOT / package / "__init__.py").read_text()))
    assert docstring and "may import" in docstring.lower(), package


def test_modules_stay_small() -> None:
    big = {
        str(path.relative_to(PROJECT_ROOT)): lines
        for package in ALLOWED
        for path in modules(package)
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert big == {}


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from bot.app import create_app\n    import actions.server\n")
    assert imported_packages(module) == {"bot", "actions"}


def test_contracts_need_only_the_standard_library() -> None:
    """Rasa's own Python (``connectors``) imports them too, where none of our dependencies are installed."""
    import sys

    third_party = {
        str(path.relative_to(PROJECT_ROOT)): sorted(
            name
            for name in imported_packages(path) - {"contracts", "__future__"}
            if name not in sys.stdlib_module_names and name != "psycopg"  # imported only for PostgreSQL
        )
        for path in modules("contracts")
    }
    assert {path: names for path, names in third_party.items() if names} == {}


def test_every_package_and_module_opens_with_its_purpose() -> None:
    silent = [
        str(path.relative_to(PROJECT_ROOT))
        for package in ALLOWED
        for path in modules(package)
        if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert silent == []


def test_unit_tests_mirror_the_packages() -> None:
    """No unit test sits flat in ``tests/unit/``: each is under a folder named for what it tests."""
    unit = PROJECT_ROOT / "tests" / "unit"
    flat = sorted(p.name for p in unit.glob("test_*.py"))
    assert flat == []
    folders = {p.relative_to(unit).parts[0] for p in unit.rglob("test_*.py")}
    assert folders <= OURS | {"repository"}, folders - OURS


#: File names two rooms may share because each is that room's own entry point or marker.
SHARED_NAMES = {"__init__.py", "__main__.py"}


def test_no_two_modules_share_a_name() -> None:
    """A module's name says which room it belongs to: no two of ours share a file name."""
    seen: dict[str, list[str]] = {}
    for package in ALLOWED:
        for path in modules(package):
            if path.name not in SHARED_NAMES:
                seen.setdefault(path.name, []).append(str(path.relative_to(PROJECT_ROOT)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}


#: Service modules whose Japanese is what users write (patterns) or a warm-up query, not what Senpai says.
JAPANESE_READERS = {"actions/stated_role.py", "actions/server.py"}


def _japanese(text: str) -> bool:
    return any("\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in text)


def test_what_the_services_say_lives_in_their_texts_modules() -> None:
    """Every sentence the action server or the gateway says is in its texts module, in both languages.

    A Japanese string literal anywhere else in ``actions/`` or ``bot/`` would be a
    sentence said from outside ``actions/texts.py`` or ``bot/gateway_texts.py``.
    """
    found = {}
    for package in ("actions", "bot"):
        for path in modules(package):
            name = str(path.relative_to(PROJECT_ROOT))
            if path.name in ("texts.py", "gateway_texts.py") or name in JAPANESE_READERS:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {
                id(node.body[0].value)
                for node in ast.walk(tree)
                if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                and node.body
                and isinstance(node.body[0], ast.Expr)
                and isinstance(node.body[0].value, ast.Constant)
            }
            said = [
                node.value
                for node in ast.walk(tree)
                if isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and _japanese(node.value)
            ]
            if said:
                found[name] = said
    assert found == {}
