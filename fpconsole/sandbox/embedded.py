"""The sandbox in-process: an httpx transport that hands each request to the ASGI app, so the
client (and `fpconsole call` without `--base-url`) needs no server, port or network.

Imported lazily by the console after its first frame; importing it builds nothing, and the
engine's database is opened on the first request, in the thread that serves requests.

A dropped-connection fault surfaces here as `httpx.RemoteProtocolError` (what httpx raises when
a real server hangs up mid-body), and a timeout fault as a request that never completes until
the client's own deadline cancels it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from fpconsole.sandbox.app import SandboxRuntime, create_app
from fpconsole.sandbox.settings import SandboxSettings

if TYPE_CHECKING:
    from fpconsole.sandbox.engine import SandboxEngine


class SandboxTransport(httpx.ASGITransport):
    """An ASGITransport that owns its sandbox: closing the client closes the engine (and so
    commits a file database)."""

    def __init__(self, settings: SandboxSettings, engine: SandboxEngine | None = None) -> None:
        self.settings = settings
        app = create_app(settings, engine)
        super().__init__(app=app)
        self.runtime: SandboxRuntime = app.state.sandbox

    @property
    def engine(self) -> SandboxEngine:
        """The running engine (opened now if no request has been served yet); for tests."""
        return self.runtime.engine

    async def aclose(self) -> None:
        self.runtime.close()
        await super().aclose()


def embedded_transport(
    settings: SandboxSettings | None = None, engine: SandboxEngine | None = None
) -> SandboxTransport:
    """A transport for `httpx.AsyncClient(transport=...)` / `CardApiClient(transport=...)`.

    Defaults: the built-in partner, an in-memory database and the usual settle delay."""
    return SandboxTransport(settings or SandboxSettings.default(), engine)
