"""A Select that takes letters typed on it while closed, as a native select box does.

Textual's Select searches only its open list: a letter typed on the closed box vanished. An
operator who types ahead into a form (`n`, then `2000⇥77011234567`, over a slow SSH link) lost
the keys meant for the Product box without a word. Here the letters typed within a second choose
the first option whose text holds them earliest (`2000` → "Instant Card (2000)", `n` →
"non-resident (2)"), and the same letter again moves on to the next option holding it. Letters
that match nothing say so once and change nothing; enter, space and the arrows open the list as
before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual import events
from textual.content import Content
from textual.widgets import Select

TYPED_RESET_S = 1.0  # a pause this long starts a new search, as in Textual's open list


def prompt_text(prompt: object) -> str:
    return prompt.plain if isinstance(prompt, Content) else str(prompt)


def best_match(prompts: list[str], typed: str, after: int | None = None) -> int | None:
    """The option whose text holds `typed` earliest (the first such in the list on a tie); with
    `after`, the next one holding it after that index, round the list."""
    wanted = typed.casefold()
    found = [(text.casefold().find(wanted), index) for index, text in enumerate(prompts)]
    holding = [(position, index) for position, index in found if position >= 0]
    if not holding:
        return None
    if after is None:
        return min(holding)[1]
    indexes = sorted(index for _, index in holding)
    return next((index for index in indexes if index > after), indexes[0])


class ChoiceSelect(Select[str]):
    def __init__(self, *args: Any, clock: Callable[[], float] = time.monotonic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock
        self._typed = ""
        self._typed_at = 0.0
        self._told = False

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        # As an Input: a letter typed here is this box's, not a key binding's.
        return not self.expanded and self._takes(key, character)

    @staticmethod
    def _takes(key: str, character: str | None) -> bool:
        return character is not None and character.isprintable() and key != "space"

    def on_key(self, event: events.Key) -> None:
        if self.expanded or not self._takes(event.key, event.character):
            return
        event.stop()
        event.prevent_default()
        now = self._clock()
        if now - self._typed_at > TYPED_RESET_S:
            self._typed, self._told = "", False
        self._typed_at = now
        self._typed += event.character or ""
        self._choose(self._typed)

    def _choose(self, typed: str) -> None:
        choices = [(prompt, value) for prompt, value in self._options if value is not Select.NULL]
        prompts = [prompt_text(prompt) for prompt, _ in choices]
        values = [value for _, value in choices]
        index = best_match(prompts, typed)
        if index is None and len(set(typed)) == 1:  # the same letter again: the next one holding it
            current = values.index(self.value) if self.value in values else None
            index = best_match(prompts, typed[0], after=current)
        if index is not None:
            self.value = values[index]
        elif not self._told:
            self._told = True
            self.notify(f"Nothing in this list holds “{typed}”: enter opens it.", timeout=4)
