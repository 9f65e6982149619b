"""What importing a module drags in, checked in fresh interpreters.

- Every module of the Card API core, the store and the config must import without Textual
  (the CLI, the sandbox and headless jobs use them); modules are found by globbing, so a new
  one is covered without editing this file.
- `fpconsole.cli` must stay cheap: no Textual, no pydantic, no sandbox until a command needs it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import fpconsole

PACKAGE = Path(fpconsole.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(*patterns: str) -> list[str]:
    found = {_module_name(p) for pattern in patterns for p in PACKAGE.glob(pattern)}
    return sorted(found)


API_MODULES = _modules("api/*.py")
STORE_AND_CONFIG_MODULES = _modules("store/**/*.py", "config.py", "config/**/*.py")


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


def test_the_core_modules_are_found() -> None:
    # Guards the glob itself: if the layout moves, this fails instead of checking nothing.
    for name in ("fpconsole.api", "fpconsole.api.client", "fpconsole.api.methods", "fpconsole.api.models"):
        assert name in API_MODULES


def test_card_api_core_without_textual() -> None:
    code = (
        "import fpconsole.api, fpconsole.api.client, fpconsole.api.methods, fpconsole.api.models; "
        "import sys; assert 'textual' not in sys.modules, 'textual was imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("module", API_MODULES)
def test_each_api_module_imports_without_textual(module: str) -> None:
    assert _imports([module], forbidden=("textual",)) == []


def test_the_core_module_lists_are_found() -> None:
    # An empty list would parametrize nothing and let the checks below pass vacuously.
    assert "fpconsole.api.client" in API_MODULES
    assert {"fpconsole.config", "fpconsole.store.cache", "fpconsole.store.journal"} <= set(
        STORE_AND_CONFIG_MODULES
    )


@pytest.mark.parametrize("module", STORE_AND_CONFIG_MODULES)
def test_each_store_and_config_module_imports_without_textual(module: str) -> None:
    assert _imports([module], forbidden=("textual",)) == []


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
