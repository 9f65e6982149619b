"""`ConsoleBackend.start` runs on the event loop (SQLite connections belong to the thread that
made them), so whatever it imports must already be imported, off the loop, by the worker that
runs before it (`import_backend_modules`). An import left to `start` held the loop for ~40 ms
just as a returning operator pressed the first key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path


def test_the_backend_starts_on_the_loop_without_importing_anything(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import asyncio, json, sys
        from fpconsole.config import resolve_profile
        import fpconsole.tui.launch, fpconsole.tui.app, fpconsole.tui.screens.clients  # first frame
        from fpconsole.store.cache import EntityCache
        from fpconsole.store.drafts import FormDrafts  # the app opens its drafts at mount

        profile = resolve_profile(None, read_only=False)  # as launch does, before the first frame
        cache, drafts = EntityCache.open(profile=profile.name), FormDrafts.open(profile=profile.name)
        drafts.close()
        fpconsole.tui.app.import_backend_modules(embedded=True)  # the worker, on its thread
        from fpconsole.tui.backend import ConsoleBackend

        before = set(sys.modules)

        async def main():
            backend = ConsoleBackend.start(
                profile=profile, cache=cache, post=lambda m: None, sandbox_delay=0  # as the app calls it
            )
            print(json.dumps(sorted(set(sys.modules) - before)))
            await backend.aclose()

        asyncio.run(main())
        """
    )
    env = {**os.environ, "FPCONSOLE_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_the_event_loop_imports_none_of_the_backend_while_the_console_connects(tmp_path: Path) -> None:
    """The whole start, as the console runs it: every import of the client, the sandbox, the
    journal or the backend happens on the worker's thread, none on the loop's (an import at the
    top of start_backend once held the loop ~110 ms while httpx and pydantic loaded)."""
    code = textwrap.dedent(
        """
        import asyncio, json, sys, threading

        HEAVY = ("fpconsole.session", "fpconsole.api.client", "fpconsole.sandbox", "fpconsole.store.journal",
                 "fpconsole.tui.backend", "httpx", "pydantic", "starlette")
        on_loop = []

        class Watch:
            def find_spec(self, name, path=None, target=None):
                if threading.current_thread() is threading.main_thread() and name.startswith(HEAVY):
                    on_loop.append(name)
                return None

        from fpconsole.tui.app import ConsoleContext, FpConsoleApp

        async def main():
            app = FpConsoleApp(ConsoleContext(user_host="qa@jumphost", sandbox_delay=0))
            sys.meta_path.insert(0, Watch())
            async with app.run_test(size=(100, 30)) as pilot:
                while getattr(app, "backend", None) is None or app._after_connect_done is False:
                    await pilot.pause(0.05)
            print(json.dumps(sorted(set(on_loop))))

        asyncio.run(main())
        """
    )
    env = {**os.environ, "FPCONSOLE_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
