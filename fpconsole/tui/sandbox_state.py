"""What the console knows of the sandbox's own settings that every section must show: the faults in
force. Injected errors or timeouts left on are easy to forget and make every later test look
broken, so the top bar says so ("⚠ faults: 30% errors") in every section while they are active.

Kept beside the app rather than in it: the Sandbox section sets it, each top bar subscribes, and
the app reads it once when the profile connects (a served sandbox may have faults already)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from textual.signal import Signal

if TYPE_CHECKING:
    from textual.app import App

BAR_LIMIT = 40  # characters of the fault summary in the top bar; the Sandbox section shows it all

_signals: WeakKeyDictionary[App[Any], Signal[str]] = WeakKeyDictionary()
_texts: WeakKeyDictionary[App[Any], str] = WeakKeyDictionary()


def faults_news(app: App[Any]) -> Signal[str]:
    """The app's signal of the fault summary ('' when none is active)."""
    found = _signals.get(app)
    if found is None:
        found = _signals[app] = Signal(app, "sandbox-faults")
    return found


def faults_text(app: App[Any]) -> str:
    return _texts.get(app, "")


def set_faults_text(app: App[Any], text: str) -> None:
    """Say to every top bar which faults are in force now ('' when none)."""
    if _texts.get(app, "") == text:
        return
    _texts[app] = text
    faults_news(app).publish(text)


def bar_text(summary: str) -> str:
    if not summary:
        return ""
    if len(summary) > BAR_LIMIT:
        summary = summary[: BAR_LIMIT - 1] + "…"
    return f"⚠ faults: {summary}"
