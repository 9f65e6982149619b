"""The bar that is always on screen: app name, section, profile and its kind (each kind its own
colour), host, user@host, and the connection state with the live count of requests still in
`process` ("● connected", "● 2 in process", "◌ connecting", "✕ cannot connect: FP_QA_SECRET
unset": a profile that cannot connect stays visibly broken for the whole session)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.reactive import reactive
from textual.signal import Signal
from textual.widgets import Static

from fpconsole.tui.connection import CONNECTED, Connection

if TYPE_CHECKING:
    from fpconsole.tui.app import ConsoleContext


NARROW_BELOW = 110  # columns; the list screens' breakpoint too


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
    TopBar > #live.-connecting { color: $warning; }
    TopBar > #live.-broken { color: $error; text-style: bold; }
    /* Docked: when the bar overflows (a long profile name at 80 columns), the middle is cut,
       never the connection state. Broken, the why needs the room: user@host gives way below
       110 columns (the profile stays). */
    TopBar > #live { dock: right; }
    TopBar.-narrow.-broken > #user-host { display: none; }
    TopBar > #read-only { color: $warning; text-style: bold; }
    /* Faults injected into the sandbox: said in every section while they are on. */
    TopBar > #faults { display: none; color: $warning; text-style: bold; }
    TopBar.-faults > #faults { display: block; }
    TopBar.-narrow.-faults > #user-host, TopBar.-narrow.-faults > #app-name { display: none; }
    """

    # Not repainted as a whole: the watchers update #live, which repaints itself (a request
    # settling while a list is shown then rewrites the state, not the whole bar).
    in_process: reactive[int] = reactive(0, repaint=False)
    connection: reactive[Connection] = reactive(CONNECTED, repaint=False)

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
        yield Static("", id="faults", markup=False)
        yield Static("", id="spacer")
        yield Static(self.host, id="host")
        yield Static(self.user_host, id="user-host")
        # A bar composed after the state changed (a section opened later) starts from the app's.
        state = getattr(self.app, "connection", None)
        if isinstance(state, Connection):
            self.set_reactive(TopBar.connection, state)
        count = getattr(self.app, "in_process", None)
        if isinstance(count, int):
            self.set_reactive(TopBar.in_process, count)
        yield Static(self.connection.bar_text(self.in_process), id="live")

    def on_mount(self) -> None:
        self._show_live()
        # The app publishes (in process, connection) to every bar, in whatever section it is.
        news = getattr(self.app, "bar_news", None)
        if isinstance(news, Signal):
            news.subscribe(self, self._app_state, immediate=True)
        from fpconsole.tui.sandbox_state import faults_news, faults_text

        self._show_faults(faults_text(self.app))
        faults_news(self.app).subscribe(self, self._show_faults, immediate=True)

    def _show_faults(self, summary: str) -> None:
        from fpconsole.tui.sandbox_state import bar_text

        self.query_one("#faults", Static).update(bar_text(summary))
        self.set_class(bool(summary), "-faults")

    def _app_state(self, state: tuple[int, Connection]) -> None:
        self.in_process, self.connection = state

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_BELOW, "-narrow")

    def watch_in_process(self, count: int) -> None:
        self._show_live()

    def watch_connection(self, state: Connection) -> None:
        self._show_live()

    def _show_live(self) -> None:
        state, count = self.connection, self.in_process
        try:
            live = self.query_one("#live", Static)
        except NoMatches:  # set before compose: compose shows it
            return
        live.update(state.bar_text(count))
        live.set_class(bool(count) and state.connected, "-busy")
        live.set_class(state.phase == "connecting", "-connecting")
        live.set_class(state.broken, "-broken")
        self.set_class(state.broken, "-broken")

    def set_host(self, host: str) -> None:
        self.host = host
        self.query_one("#host", Static).update(host)
