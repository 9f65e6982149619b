"""What importing a module drags in, checked in fresh interpreters.

- Textual belongs to the console (fpconsole/tui) alone: every other module of the package (the
  Card API core, the store, config*, theme_files, locations, the CLI commands, bulk, the
  sandbox) must import without Textual and without fpconsole.tui, since the CLI, the sandbox and
  headless jobs use them. The modules are found by walking the package's files, so a new one
  is covered without editing this file.
- `fpconsole.cli` must stay cheap: no Textual, no pydantic, no sandbox until a command needs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
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
            now = [m for m in sys.modules if any(m == f or m.startswith(f + ".") for f in forbidden)]
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
