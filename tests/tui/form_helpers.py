"""A fake backend and a tiny host app, for the form tests and for snapshot tests of forms.

Kept with the tests, out of the package: the console never imports it. The host publishes
`RequestUpdated` on its `news` signal, which forms subscribe to, exactly as `FpConsoleApp` does,
so a test drives the same path as the real app.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual.app import App
from textual.content import Content
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Select, Static

from fpconsole.api.client import CallResult
from fpconsole.api.methods import Method
from fpconsole.tui.messages import RequestUpdated, news_signal

Answer = CallResult | Exception | Callable[[Method, dict[str, Any]], CallResult]


def make_result(
    method: Method,
    request_id: str | None,
    *,
    request_status: str | None = "process",
    recovered: bool = False,
    **fields: Any,
) -> CallResult:
    """A CallResult as the client would return it (status ok)."""
    raw: dict[str, Any] = {"status": "ok", **fields}
    if request_status is not None:
        raw["request_status"] = request_status
    return CallResult(method, request_id, method.response.model_validate(raw), raw, 12.0, recovered=recovered)


@dataclass
class FakeBackend:
    """Records what a form does. `answers` are used in order (the last one repeats); an exception
    is raised, a callable is called with (method, body). Set `gate` to hold submissions in flight."""

    read_only: bool = False
    profile_kind: str = "sandbox"
    answers: list[Answer] = field(default_factory=list)
    gate: asyncio.Event | None = None
    submitted: list[dict[str, Any]] = field(default_factory=list)
    followed: list[CallResult] = field(default_factory=list)
    followed_ids: list[str] = field(default_factory=list)
    drafts: dict[str, dict[str, str]] = field(default_factory=dict)
    draft_saves: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    read_timeout: float = 30.0  # what the client would wait for an answer
    # The last submit's `on_unknown`: a test calls it to be the client giving up on an answer.
    on_unknown: Callable[[Exception], object] | None = None

    @property
    def request_ids(self) -> list[str | None]:
        return [body.get("request_id") for body in self.submitted]

    async def submit(
        self,
        method: Method,
        body: dict[str, Any],
        *,
        on_unknown: Callable[[Exception], object] | None = None,
    ) -> CallResult:
        self.submitted.append(body)
        self.on_unknown = on_unknown
        if self.gate is not None:
            await self.gate.wait()
        answer: Answer = (
            self.answers[min(len(self.submitted), len(self.answers)) - 1]
            if self.answers
            else make_result(method, body.get("request_id"), request_status="success")
        )
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, CallResult):
            return answer
        return answer(method, body)

    def follow(self, result: CallResult) -> None:
        self.followed.append(result)

    def follow_id(self, request_id: str, method: str | None) -> None:
        self.followed_ids.append(request_id)

    def save_draft(self, form_key: str, fields: dict[str, str]) -> None:
        self.drafts[form_key] = dict(fields)
        self.draft_saves.append((form_key, dict(fields)))

    def load_draft(self, form_key: str) -> dict[str, str] | None:
        found = self.drafts.get(form_key)
        return dict(found) if found is not None else None

    def discard_draft(self, form_key: str) -> None:
        self.drafts.pop(form_key, None)


class FormHost(App[None]):
    """Pushes one screen on start and records what it is dismissed with."""

    def __init__(self, make_screen: Callable[[], Screen[Any]], backend: FakeBackend | None) -> None:
        super().__init__()
        self.animation_level = "none"
        self._make_screen = make_screen
        self.backend = backend
        self.results: list[Any] = []
        self.news = news_signal(self)  # the console's channel: forms subscribe to it

    def on_mount(self) -> None:
        self.push_screen(self._make_screen(), self.results.append)

    def on_request_updated(self, message: RequestUpdated) -> None:
        self.news.publish(message)


def text_of(widget: Static) -> str:
    """The plain text a Static (or Label) shows."""
    content = widget.content
    return content.plain if isinstance(content, Content) else str(content)


def set_fields(screen: Screen[Any], values: dict[str, str]) -> None:
    """Fill fields by dotted name, as typing or choosing would (the widgets post Changed)."""
    for name, value in values.items():
        control = screen.query_one(f"#field-{name.replace('.', '_')}")
        if isinstance(control, Select):
            control.value = value if value else Select.NULL
        elif isinstance(control, Input):
            control.value = value


async def type_text(pilot: Pilot[Any], selector: str, text: str) -> None:
    """Type key by key into an Input, as a person would."""
    pilot.app.screen.query_one(selector, Input).focus()
    await pilot.pause()
    await pilot.press(*("space" if char == " " else char for char in text))


def count_layouts(screen: Screen[Any]) -> list[int]:
    """A counter of the screen's layout passes from now on (a one-item list, read after the
    keys): a layout walks every widget on the screen, a repaint only the widgets changed."""
    layouts = [0]
    refresh_layout = screen._refresh_layout

    def counted(*args: Any, **kwargs: Any) -> None:
        layouts[0] += 1
        refresh_layout(*args, **kwargs)

    screen._refresh_layout = counted  # type: ignore[method-assign]
    return layouts
