"""The bar that is always on screen: app name, section, profile and its kind (each kind its own
colour), host, user@host, and the connection state with the live count of requests still in
`process` ("● connected", "● 2 in process", "◌ connecting", "✕ cannot connect: FP_QA_SECRET
unset": a profile that cannot connect stays visibly broken for the whole session)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.css.query import NoMatches
from textual.reactive import reactive
from textual.signal import Signal
from textual.widgets import Static

from fpconsole.tui.connection import CONNECTED, Connection
from fpconsole.tui.fault_phrases import fit

if TYPE_CHECKING:
    from fpconsole.tui.app import ConsoleContext
    from fpconsole.tui.fault_phrases import FaultsInForce


NARROW_BELOW = 110  # columns; the list screens' breakpoint too


class FaultsNote(Static):
    """The faults in force, worst first, fitted to the width the bar leaves it (its 1fr): what
    does not fit is counted ("… +3 more"), never cut off silently. Its width does not depend on
    its text, so a change repaints this one line segment and lays nothing out."""

    def __init__(self) -> None:
        super().__init__("", id="faults", markup=False)
        self.phrases: tuple[str, ...] = ()
        self._shown = ""

    def show(self, phrases: tuple[str, ...]) -> None:
        if phrases != self.phrases:
            self.phrases = phrases
            self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        text = fit(self.phrases, self.content_size.width)
        if text != self._shown:
            self._shown = text
            # Styled on the text, not the widget: the room left over stays plain bar.
            self.update(Content.styled(text, "bold $warning"), layout=False)


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
    /* Faults injected into the sandbox: said in every section while they are on, in the room
       the spacer had (the text is fitted to it: worst first, the rest counted). */
    TopBar > #faults { display: none; width: 1fr; }
    TopBar.-faults > #faults { display: block; }
    TopBar.-faults > #spacer { display: none; }
    /* The warning needs the room more than the app's name does (and below 110, user@host). */
    TopBar.-faults > #app-name, TopBar.-narrow.-faults > #user-host { display: none; }
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
        yield FaultsNote()
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
        from fpconsole.tui.sandbox_state import faults_in_force, faults_news

        self._show_faults(faults_in_force(self.app))
        faults_news(self.app).subscribe(self, self._show_faults, immediate=True)

    def _show_faults(self, shown: FaultsInForce) -> None:
        self.query_one(FaultsNote).show(shown.phrases)
        self.set_class(bool(shown), "-faults")

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
