"""App-level messages. Workers and the backend post these; handlers own widget state."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeAlias

from textual.dom import DOMNode
from textual.message import Message
from textual.signal import Signal

from fpconsole.api.outcome import Outcome

if TYPE_CHECKING:
    from fpconsole.api.events import ClientEvent
    from fpconsole.tui.backend import ConsoleBackend


class RequestUpdated(Message):
    """A request's outcome changed (answered, polled, failed). Bodies are redacted.

    `outcome` is decided by `fpconsole.api.outcome` (success, process, error, unknown, failed,
    cancelled), never a raw envelope word such as "ok"."""

    def __init__(
        self,
        *,
        request_id: str,
        method: str,
        outcome: str,
        error_code: str | None = None,
        error_description: str | None = None,
        response: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.request_id = request_id
        self.method = method
        self.outcome = Outcome(outcome)
        self.error_code = error_code
        self.error_description = error_description
        self.response = response or {}


class ClientEventPosted(Message):
    """Every client event, for the live indicator and the Requests list."""

    def __init__(self, event: ClientEvent) -> None:
        super().__init__()
        self.event = event


class BackendReady(Message):
    def __init__(self, backend: ConsoleBackend) -> None:
        super().__init__()
        self.backend = backend


class BackendFailed(Message):
    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class CacheChanged(Message):
    """The entity cache was updated: lists should reload what they show."""

    def can_replace(self, message: Message) -> bool:
        # A burst of updates collapses into one reload.
        return isinstance(message, CacheChanged)


AppNews: TypeAlias = RequestUpdated | ClientEventPosted | CacheChanged


def news_signal(owner: DOMNode) -> Signal[AppNews]:
    """The app's one channel for app-level news: the app publishes every RequestUpdated,
    ClientEventPosted and CacheChanged on it, and a screen that cares subscribes (every section
    keeps its own screen stack, so a screen under another section's gets it too)."""
    return Signal(owner, "news")


def subscribe_news(node: DOMNode, callback: Callable[[AppNews], object]) -> None:
    """Have `callback` called with each piece of app-level news while `node` is mounted (the
    signal forgets a node once it is removed). Called at once, as the app handles the message,
    so a screen sees the news in the order the app does. A host app without the channel (a
    test's) sends nothing."""
    news = getattr(node.app, "news", None)
    if isinstance(news, Signal):
        news.subscribe(node, callback, immediate=True)


@contextlib.contextmanager
def local_state_notices() -> Iterator[list[str]]:
    """Collect the LocalStateWarnings raised in the block (a damaged store file moved aside, or
    a store kept in memory), for the console to show once it is up: printed, they would land
    on the terminal under the console, or in Textual's captured stderr, unseen. The list is
    filled when the block ends; any other warning goes on as usual."""
    from fpconsole.store.db import LocalStateWarning

    found: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LocalStateWarning)
        yield found
    for item in caught:
        if issubclass(item.category, LocalStateWarning):
            text = str(item.message)
            found.append(text[:1].upper() + text[1:])
        else:
            warnings.warn_explicit(
                item.message, item.category, item.filename, item.lineno, source=item.source
            )
