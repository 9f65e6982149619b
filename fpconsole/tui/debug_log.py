"""`fpconsole --debug`: the console writes the keys it receives, the actions they run and every worker
that fails into the log file (fpconsole/logs.py), for a bug report about a lost keystroke or a
screen that never updated.

A key that types a character is logged as "a character", never which one: the console's inputs
take PINs, card numbers and CVVs. Named keys (enter, escape, f2, ctrl+s, arrows) are logged as
they are. Workers run with exit_on_error=False, so a failure would otherwise leave no trace but
a form that stays in "sending"; each one is logged with its traceback (redacted like every line).

Without --debug nothing here runs: the checks cost one boolean per event.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from textual import events
from textual.actions import ActionParseResult
from textual.dom import DOMNode
from textual.worker import Worker, WorkerCancelled, WorkerFailed

log = logging.getLogger(__name__)


def debugging() -> bool:
    return log.isEnabledFor(logging.DEBUG)


def describe_key(event: events.Key) -> str:
    """The key as it may be logged: named keys by name, a typed character only as such."""
    return "a character" if event.is_printable else event.key


class DebugLog:
    """Mix into the App after TypeAhead (which holds keys typed ahead: each is logged once, when
    delivered), before App. Active only when the log level is DEBUG."""

    _debug_log: bool = False
    _followed: set[asyncio.Task[None]]

    def on_mount(self) -> None:
        self._debug_log = debugging()
        if not self._debug_log:
            return
        self._followed = set()
        app: Any = self
        log.debug("console started: %s, screen %s", type(self).__name__, app.screen.__class__.__name__)
        _follow_workers(app, self._followed)

    async def on_event(self, event: events.Event) -> None:
        if self._debug_log and isinstance(event, events.Key) and not event.is_forwarded:
            app: Any = self
            focused = app.focused
            log.debug(
                "key %s on %s (focus: %s)",
                describe_key(event),
                app.screen.__class__.__name__,
                f"{focused.__class__.__name__}#{focused.id}" if focused is not None else "none",
            )
        await super().on_event(event)  # type: ignore[misc]

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        if self._debug_log:
            log.debug("action %s", action)
        result: bool = await super().run_action(action, default_namespace, namespaces)  # type: ignore[misc]
        return result


def _follow_workers(app: Any, followed: set[asyncio.Task[None]]) -> None:
    """Log every worker of the app that fails or is cancelled, as it ends."""
    manager = app.workers
    add_worker = manager.add_worker

    def adding(worker: Worker[Any], start: bool = True, exclusive: bool = True) -> None:
        add_worker(worker, start, exclusive)
        if start:
            task = asyncio.get_running_loop().create_task(_ended(worker))
            followed.add(task)  # kept until done: the loop holds tasks only weakly
            task.add_done_callback(followed.discard)

    manager.add_worker = adding  # --debug only: each worker is followed to its end


async def _ended(worker: Worker[Any]) -> None:
    name = worker.name or worker.group
    node = worker.node.__class__.__name__
    try:
        await worker.wait()
    except WorkerFailed as failed:
        log.error("worker %s of %s failed", name, node, exc_info=failed.error)
    except WorkerCancelled:
        log.debug("worker %s of %s cancelled", name, node)
    except Exception as exc:  # wait() itself refused (a worker not started after all)
        log.debug("worker %s of %s not followed: %s", name, node, exc)
