"""The bar that is always on screen: app name, section, profile and its kind (each kind its own
colour), host, user@host, and the live count of requests still in `process`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Static

if TYPE_CHECKING:
    from fpconsole.tui.app import ConsoleContext


class TopBar(Horizontal):
    DEFAULT_CSS = """
    TopBar { height: 1; background: $panel; }
    TopBar > Static { width: auto; padding: 0 1; }
    TopBar > #app-name { text-style: bold; color: $primary; }
    TopBar > #section { color: $foreground; text-style: bold; }
    TopBar > #kind { text-style: bold; color: $kind-foreground; }
    TopBar > #kind.-sandbox { background: $kind-sandbox; }
    TopBar > #kind.-test { background: $kind-test; }
    TopBar > #kind.-production { background: $kind-production; }
    TopBar > #spacer { width: 1fr; padding: 0; }
    TopBar > #host, TopBar > #user-host { color: $text-muted; }
    TopBar > #live { color: $text-muted; }
    TopBar > #live.-busy { color: $status-process; text-style: bold; }
    TopBar > #read-only { color: $warning; text-style: bold; }
    """

    in_process: reactive[int] = reactive(0)

    def __init__(
        self, *, section: str, profile: str, kind: str, host: str, user_host: str, read_only: bool
    ) -> None:
        super().__init__()
        self.section = section
        self.profile = profile
        self.kind = kind
        self.host = host
        self.user_host = user_host
        self.read_only = read_only

    @classmethod
    def for_context(cls, context: ConsoleContext, section: str) -> TopBar:
        return cls(
            section=section,
            profile=context.profile_name,
            kind=context.kind,
            host=context.host,
            user_host=context.user_host,
            read_only=context.read_only,
        )

    def compose(self) -> ComposeResult:
        yield Static("fpconsole", id="app-name")
        yield Static(self.section, id="section")
        yield Static(f"{self.kind.upper()} · {self.profile}", id="kind", classes=f"-{self.kind}")
        if self.read_only:
            yield Static("READ-ONLY", id="read-only")
        yield Static("", id="spacer")
        yield Static(self.host, id="host")
        yield Static(self.user_host, id="user-host")
        yield Static("● idle", id="live")

    def watch_in_process(self, count: int) -> None:
        live = self.query_one("#live", Static)
        live.update(f"● {count} in process" if count else "● idle")
        live.set_class(bool(count), "-busy")

    def set_host(self, host: str) -> None:
        self.host = host
        self.query_one("#host", Static).update(host)
