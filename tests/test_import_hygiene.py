"""What importing a module drags in, checked in fresh interpreters.

- Textual belongs to the console (fpconsole/tui) alone: every other module of the package (the
  Card API core, the store, config*, theme_files, locations, the CLI commands, bulk, the
  sandbox) must import without Textual and without fpconsole.tui, since the CLI, the sandbox and
  headless jobs use them. The modules are found by walking the package's files, so a new one
  is covered without editing this file.
- `fpconsole.cli` must stay cheap: no Textual, no pydantic, no sandbox until a command needs it.
- Arrows point down (read from the source, lazy imports included): api ← store/config ←
  session ← the fronts (console, bulk, call) ← cli; the sandbox uses the API only; no import
  cycle outside the console. A wrong arrow fails naming the importing and the imported module.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import fpconsole

PACKAGE = Path(fpconsole.__file__).parent
CONSOLE_PACKAGE = PACKAGE / "tui"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _outside_the_console() -> list[str]:
    """Every module of the package but the console's own (and `python -m fpconsole`, which
    runs the CLI on import)."""
    found = {
        _module_name(path)
        for path in PACKAGE.rglob("*.py")
        if CONSOLE_PACKAGE not in path.parents and path.name != "__main__.py"
    }
    return sorted(found)


HEADLESS_MODULES = _outside_the_console()


def _imports(modules: list[str], *, forbidden: tuple[str, ...]) -> list[str]:
    """Import `modules` in a fresh interpreter; the forbidden top-level packages it loaded."""
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"loaded = sorted(m for m in {forbidden!r} if m in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [name for name in done.stdout.strip().split(",") if name]


def _who_loads(modules: list[str], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    """Import `modules` one after another in one fresh interpreter; for each that loaded a
    forbidden package, which ones. What it loaded is then forgotten, so a later module that
    imports it too is named as well (one that only imports an offender already named is not:
    fixing that offender shows it)."""
    code = textwrap.dedent(
        f"""
        import importlib, json, sys
        forbidden = {forbidden!r}
        found = {{}}
        for name in {modules!r}:
            importlib.import_module(name)
            # A None entry blocks an import (fpconsole.api blocks httpx._main): nothing loaded.
            now = [m for m, loaded in sys.modules.items()
                   if loaded is not None and any(m == f or m.startswith(f + ".") for f in forbidden)]
            if now:
                found[name] = sorted({{f for f in forbidden for m in now if m == f or m.startswith(f + ".")}})
                for m in now:
                    del sys.modules[m]
        print(json.dumps(found))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


def test_the_headless_modules_are_found() -> None:
    # Guards the walk itself: if the layout moves, this fails instead of checking nothing.
    core = {
        "fpconsole.api.client",
        "fpconsole.api.models",
        "fpconsole.store.cache",
        "fpconsole.store.journal",
        "fpconsole.config",
        "fpconsole.config.errors",
        "fpconsole.config.load",
        "fpconsole.config.model",
        "fpconsole.config.secrets",
        "fpconsole.config.toml",
        "fpconsole.config.validate",
        "fpconsole.theme_files",
        "fpconsole.locations",
        "fpconsole.cli",
        "fpconsole.bulk.runner",
        "fpconsole.sandbox.engine",
    }
    assert core <= set(HEADLESS_MODULES), core - set(HEADLESS_MODULES)
    assert not [name for name in HEADLESS_MODULES if name.startswith("fpconsole.tui")]


def test_no_module_outside_the_console_imports_textual() -> None:
    assert _who_loads(HEADLESS_MODULES, ("textual", "fpconsole.tui")) == {}


def test_the_check_names_a_module_that_imports_textual() -> None:
    # The check above must be able to fail: a console module is caught, and named.
    found = _who_loads(["fpconsole.api.client", "fpconsole.tui.forms.status"], ("textual",))
    assert list(found) == ["fpconsole.tui.forms.status"] and found["fpconsole.tui.forms.status"] == [
        "textual"
    ]


def test_cli_imports_no_textual_pydantic_or_sandbox() -> None:
    loaded = _imports(["fpconsole.cli"], forbidden=("textual", "pydantic", "fpconsole.sandbox", "httpx"))
    assert loaded == []


def test_the_first_frame_imports_no_client_pydantic_or_sandbox() -> None:
    # The console paints before its backend exists (launch.py): what the first frame imports is
    # time an operator stares at an empty terminal. The client, its models and the sandbox are
    # imported in a worker after it; a module that pulls them in at import time (a type it only
    # annotates with, say) costs ~150 ms of every start.
    first_frame = ["fpconsole.tui.launch", "fpconsole.tui.app", "fpconsole.tui.screens.clients"]
    heavy = ("httpx", "pydantic", "fpconsole.api.client", "fpconsole.api.sandbox_control")
    heavy += ("fpconsole.sandbox", "starlette")
    assert _who_loads(first_frame, heavy) == {}


def test_cli_methods_command_stays_off_textual_and_the_sandbox() -> None:
    code = (
        "import io, sys\n"
        "from fpconsole.cli import main\n"
        "out = io.StringIO(); sys.stdout = out\n"
        "code = main(['methods'])\n"
        "sys.stdout = sys.__stdout__\n"
        "assert code == 0 and 'card.block' in out.getvalue(), out.getvalue()\n"
        "heavy = ('textual', 'fpconsole.sandbox', 'starlette')\n"
        "print(','.join(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


# --- The layer rule: arrows point down ------------------------------------------------------
#
# Read from the source (ast), so an import inside a function or under TYPE_CHECKING counts as
# much as one at the top: it is the same dependency, only paid for later.
#
#   base          fpconsole itself (the version), exit_codes, locations, words: import nothing of ours
#   api           the Card API core
#   store/config  local state and config.toml, on top of api
#   sandbox       the emulator: api (and base) only, never the config or the store
#   session       a profile's client, journal, cache and sandbox, wired
#   front         the console (tui), bulk, call, locate/profiles/journal and their helpers
#   entry         `fpconsole` (cli.py) and `python -m fpconsole`: picks a front, imports any
#
# Textual and fpconsole.tui: the console's own modules and the entry point only.

LAYER_OF: dict[str, str] = {  # the first name under fpconsole → its layer
    "": "base",
    "exit_codes": "base",
    "locations": "base",
    "words": "base",
    "logs": "store/config",
    "api": "api",
    "store": "store/config",
    "config": "store/config",
    "theme_files": "store/config",
    "sandbox": "sandbox",
    "session": "session",
    "tui": "front",
    "bulk": "front",
    "call_command": "front",
    "local_commands": "front",
    "completion": "front",
    "json_errors": "front",
    "production_guard": "front",
    "exports": "front",
    "fields_input": "front",
    "list_filters": "front",
    "replay": "front",
    "editor": "front",
    "pager": "front",
    "views_command": "front",
    "sandbox_commands": "front",
    "scenario": "front",
    "cli": "entry",
    "__main__": "entry",
}
_BELOW_SESSION = frozenset({"base", "api", "store/config", "sandbox"})
MAY_IMPORT: dict[str, frozenset[str]] = {
    "base": frozenset({"base"}),
    "api": frozenset({"base", "api"}),
    "store/config": frozenset({"base", "api", "store/config"}),
    "sandbox": frozenset({"base", "api", "sandbox"}),
    "session": _BELOW_SESSION | {"session"},
    "front": _BELOW_SESSION | {"session", "front"},
    "entry": frozenset(LAYER_OF.values()),
}
# (importer, imported) → why that arrow may run up. Keep this tiny: each entry is a debt.
EXCEPTIONS: dict[tuple[str, str], str] = {}
CONSOLE_ONLY = ("textual", "fpconsole.tui")  # what only the console (and the entry) may import
CONSOLE_IMPORTERS = ("fpconsole.tui", "fpconsole.cli")


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str  # the module, resolved (`from fpconsole.api import errors` → fpconsole.api.errors)
    line: int


def _resolved(name: str, known: set[str]) -> str:
    """The longest known module `name` starts with; a third-party name is kept as it is."""
    if not name.startswith("fpconsole"):
        return name
    while name not in known and "." in name:
        name = name.rpartition(".")[0]
    return name


def imports_in(source: str, module: str, *, is_package: bool, known: set[str]) -> list[Import]:
    """Every import statement of `source`, at any depth (functions, TYPE_CHECKING blocks)."""
    found: list[Import] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(module, _resolved(alias.name, known), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package this module is in (or is)
                parts = module.split(".") if is_package else module.split(".")[:-1]
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            # `from package import name` imports our submodule `name` when there is one.
            found += [
                Import(module, _resolved(f"{base}.{alias.name}", known), node.lineno)
                if base.startswith("fpconsole")
                else Import(module, base, node.lineno)
                for alias in node.names
            ]
    # One per imported module and line: `from fpconsole.cli import A, B` is one arrow.
    return sorted(
        {each for each in found if each.imported != module}, key=lambda each: (each.line, each.imported)
    )


def _all_imports() -> list[Import]:
    paths = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    known = set(paths)
    found: list[Import] = []
    for module, path in sorted(paths.items()):
        source = path.read_text(encoding="utf-8")
        found += imports_in(source, module, is_package=path.name == "__init__.py", known=known)
    return found


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return LAYER_OF.get(parts[1] if len(parts) > 1 else "")


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def arrows_up(found: list[Import]) -> list[str]:
    """One line per import that breaks the layer rule, naming the importing and imported module."""
    wrong: list[str] = []
    for each in found:
        if (each.importer, each.imported) in EXCEPTIONS:
            continue
        where = f"{each.importer} (line {each.line}) imports {each.imported}"
        if _within(each.imported, CONSOLE_ONLY) and not _within(each.importer, CONSOLE_IMPORTERS):
            wrong.append(f"{where}: only the console (fpconsole.tui) may import Textual or the console")
            continue
        if not each.imported.startswith("fpconsole"):
            continue
        mine, theirs = layer_of(each.importer), layer_of(each.imported)
        if mine is None or theirs is None:
            continue  # named by test_every_module_has_a_layer
        if theirs not in MAY_IMPORT[mine]:
            wrong.append(f"{where}: an arrow up, {mine} may not import {theirs}")
    return wrong


def cycles(found: list[Import], *, leave_out: tuple[str, ...] = ()) -> list[list[str]]:
    """The import cycles among the package's modules (groups of modules that import each other,
    lazily or not), outside the `leave_out` packages."""
    edges: dict[str, set[str]] = {}
    for each in found:
        ours = each.imported.startswith("fpconsole")
        if ours and not _within(each.importer, leave_out) and not _within(each.imported, leave_out):
            edges.setdefault(each.importer, set()).add(each.imported)
    # Tarjan's strongly connected components (recursive: the package is small).
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(edges.get(module, ())):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group: list[str] = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return groups


ALL_IMPORTS = _all_imports()


def test_every_module_has_a_layer() -> None:
    # A new top-level module or package is placed on purpose, not left out of the rule; one that
    # is gone leaves the table with it.
    modules = sorted(_module_name(path) for path in PACKAGE.rglob("*.py"))
    assert [module for module in modules if layer_of(module) is None] == []
    named = {module.split(".")[1] if "." in module else "" for module in modules}
    assert [name for name in LAYER_OF if name not in named] == []
    assert set(LAYER_OF.values()) == set(MAY_IMPORT)


def test_arrows_point_down() -> None:
    assert arrows_up(ALL_IMPORTS) == []


def test_no_test_code_in_the_package() -> None:
    # Fakes and pilots live in tests/ (tests/tui/form_helpers.py): the installed console carries
    # none, and nothing of it can come to depend on them.
    test_machinery = ("pytest", "textual.pilot", "unittest")
    assert [
        f"{each.importer} imports {each.imported}"
        for each in ALL_IMPORTS
        if _within(each.imported, test_machinery)
    ] == []


def test_the_exceptions_are_still_needed() -> None:
    # An exception whose import is gone is removed with it, so the list stays honest.
    present = {(each.importer, each.imported) for each in ALL_IMPORTS}
    assert [pair for pair in EXCEPTIONS if pair not in present] == []


def test_no_import_cycle_outside_the_console() -> None:
    # The console's screens and app still reach each other (its own matter); everything else,
    # core, sandbox and commands, is a tree of arrows: client ↔ tracker and cache ↔ ingest were
    # the last two cycles.
    assert cycles(ALL_IMPORTS, leave_out=("fpconsole.tui",)) == []


def test_the_layer_check_names_both_modules_and_sees_lazy_imports() -> None:
    # The rule must be able to fail: an up-arrow hidden in a function or a TYPE_CHECKING block
    # is found, and the message names the importing module and the imported one.
    source = textwrap.dedent(
        """
        from typing import TYPE_CHECKING
        from fpconsole.api import errors
        if TYPE_CHECKING:
            from fpconsole.store.cache import EntityCache
        def later():
            import fpconsole.session
            from textual.app import App
        """
    )
    known = {"fpconsole.api.errors", "fpconsole.store.cache", "fpconsole.session"}
    found = imports_in(source, "fpconsole.api.client", is_package=False, known=known)
    assert [(each.imported, each.line) for each in found] == [
        ("typing", 2),
        ("fpconsole.api.errors", 3),
        ("fpconsole.store.cache", 5),
        ("fpconsole.session", 7),
        ("textual.app", 8),
    ]
    assert arrows_up(found) == [
        "fpconsole.api.client (line 5) imports fpconsole.store.cache: an arrow up, api may not import "
        "store/config",
        "fpconsole.api.client (line 7) imports fpconsole.session: an arrow up, api may not import session",
        "fpconsole.api.client (line 8) imports textual.app: only the console (fpconsole.tui) may import "
        "Textual or the console",
    ]
    # The sandbox uses the API only: its built-in partner does not come from the config.
    assert arrows_up([Import("fpconsole.sandbox.settings", "fpconsole.config", 12)]) == [
        "fpconsole.sandbox.settings (line 12) imports fpconsole.config: an arrow up, sandbox may not import "
        "store/config"
    ]


def test_the_cycle_check_finds_a_lazy_cycle() -> None:
    found = [
        Import("fpconsole.api.client", "fpconsole.api.tracker", 40),
        Import("fpconsole.api.tracker", "fpconsole.api.client", 90),  # inside a function, say
        Import("fpconsole.api.tracker", "fpconsole.api.models", 20),
    ]
    assert cycles(found) == [["fpconsole.api.client", "fpconsole.api.tracker"]]
