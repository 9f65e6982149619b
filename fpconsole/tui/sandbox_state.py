"""What the console knows of the sandbox's own settings that every section must show: the faults in
force. Injected errors or timeouts left on are easy to forget and make every later test look
broken, so the top bar says so ("⚠ faults: 30% errors") in every section while they are active.

Kept beside the app rather than in it: the Sandbox section and the faults watch
(fpconsole/tui/faults_watch.py, which reads them every few seconds, whoever set them) set it;
each top bar and F7's "In force" line subscribe. Nothing is published when nothing changed, so a
read that finds the same faults repaints nothing and writes no byte to the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from textual.signal import Signal

from fpconsole.tui.fault_phrases import NO_FAULTS, FaultsInForce

if TYPE_CHECKING:
    from textual.app import App

__all__ = ["NO_FAULTS", "FaultsInForce", "faults_in_force", "faults_news", "faults_text", "set_faults"]

_signals: WeakKeyDictionary[App[Any], Signal[FaultsInForce]] = WeakKeyDictionary()
_shown: WeakKeyDictionary[App[Any], FaultsInForce] = WeakKeyDictionary()


def faults_news(app: App[Any]) -> Signal[FaultsInForce]:
    """The app's signal of the faults in force (NO_FAULTS when none is active)."""
    found = _signals.get(app)
    if found is None:
        found = _signals[app] = Signal(app, "sandbox-faults")
    return found


def faults_in_force(app: App[Any]) -> FaultsInForce:
    return _shown.get(app, NO_FAULTS)


def faults_text(app: App[Any]) -> str:
    """The whole list in words ('' when none is active)."""
    return faults_in_force(app).summary


def set_faults(app: App[Any], shown: FaultsInForce) -> bool:
    """Say to every top bar which faults are in force now; False (and nothing told) when that
    is what they already say."""
    if faults_in_force(app) == shown:
        return False
    _shown[app] = shown
    faults_news(app).publish(shown)
    return True
