"""A form's draft: what it brings back when it opens and what it keeps as the user types. No
widgets here (and no Textual): the form screen says when, this says what.

Drafts are local state, per profile (store/drafts.py), kept whether or not the profile ever
connected. Secrets never come back (the store filters them too), and what goes out stops being
a draft: kept, it would come back in a new form with a new request_id and be sent twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from fpconsole.tui.forms.spec import FormSpec


class DraftStore(Protocol):
    def save_draft(self, form_key: str, fields: dict[str, str]) -> None: ...

    def load_draft(self, form_key: str) -> dict[str, str] | None: ...

    def discard_draft(self, form_key: str) -> None: ...


@dataclass
class FormDraft:
    """One form's draft under `key` (None: this form keeps none) in whatever store `store` finds
    when asked (the app's, or none yet)."""

    key: str | None
    store: Callable[[], DraftStore | None]
    # Opened with values from an earlier draft that differ from what the form starts with.
    restored: bool = False
    # What the store holds for this form as far as it knows; None until the first write.
    _written: dict[str, str] | None = field(default=None, repr=False)
    # Whether the form has opened (`restore`), and what the store held for it then (None: no
    # store), before any write of this form's.
    _opened: bool = field(default=False, repr=False)
    _loaded: dict[str, str] | None = field(default=None, repr=False)

    def _target(self) -> tuple[str, DraftStore] | None:
        if self.key is None:
            return None
        store = self.store()
        return (self.key, store) if store is not None else None

    @property
    def can_keep(self) -> bool:
        return self._target() is not None

    def restore(
        self, spec: FormSpec, given: Mapping[str, str], baseline: Mapping[str, str]
    ) -> dict[str, str]:
        """The draft's values to open with: fields the form has, no secrets, and none the caller
        gave (the selected card, say, wins over an older draft's)."""
        self._opened = True
        target = self._target()
        if target is None:
            return {}
        key, store = target
        draft = store.load_draft(key) or {}
        self._loaded = dict(draft)
        restored = {
            name: value
            for name, value in draft.items()
            if (item := spec.get_field(name)) is not None and not item.secret and name not in given
        }
        self.restored = any(value != baseline.get(name, "") for name, value in restored.items())
        return restored

    def unchanged(self) -> bool:
        """The store still holds what this form opened with, or the form has not opened yet (it
        reads the store then). A form built ahead of time is out of date once another form kept
        or dropped a draft meanwhile."""
        if not self._opened:
            return True
        target = self._target()
        if target is None:
            return self._loaded is None
        key, store = target
        return self._written is None and (store.load_draft(key) or {}) == self._loaded

    def keep(self, fields: dict[str, str]) -> None:
        """Write what the form holds now (`fields`: the draft's values, {} when nothing is the
        user's), once per change: an emptied form removes the draft it had."""
        target = self._target()
        if target is None or (self._written is not None and fields == self._written):
            return
        key, store = target
        if fields:
            store.save_draft(key, fields)
        elif self._written or self.restored:
            store.discard_draft(key)
        else:
            # Nothing was the user's and nothing of theirs is stored: the store is as the form
            # found it, so the form is still one that could open again as it is (`unchanged`).
            return
        self._written = dict(fields)

    def discard(self) -> None:
        """The draft goes (sent, done, or cleared by the user)."""
        target = self._target()
        if target is not None:
            key, store = target
            store.discard_draft(key)
            self._written = {}
        self.restored = False
