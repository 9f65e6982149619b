"""`fpconsole` with no command: check the config, then open the console.

Only what the first frame needs is imported before `run()`; the sandbox and the client are
imported by the app in a worker once the first frame is painted.
"""

from __future__ import annotations

import sys


def run_console(*, profile: str | None, theme: str | None, read_only: bool) -> int:
    from fpconsole.config import ConfigError, load_config

    try:
        config = load_config()
        chosen = config.profile(profile or config.default_profile or "sandbox")
    except ConfigError as exc:
        # The console does not start on a broken config, and says why.
        sys.stderr.write(f"fpconsole: {exc}\n")
        return 2
    from fpconsole.tui.app import ConsoleContext, FpConsoleApp, default_user_host

    context = ConsoleContext(
        profile_name=chosen.name,
        kind=chosen.kind,
        host="embedded sandbox" if chosen.is_embedded_sandbox else chosen.host,
        user_host=default_user_host(),
        read_only=read_only or chosen.read_only,
        theme=theme or config.theme,
    )
    app = FpConsoleApp(context)
    result = app.run()
    return int(result or 0)
