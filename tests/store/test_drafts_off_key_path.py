"""A form saves its draft as the user types (debounced); the SQLite write must not hold the
next keystroke: FormDrafts.save_draft queues it for one writer thread. A load, a discard and
close wait for the saves queued before them, so nothing is read stale or lost on quit."""

from __future__ import annotations

import threading
from pathlib import Path

from fpconsole.store.drafts import DraftStore, FormDrafts


class HeldStore(DraftStore):
    """A drafts file whose writes wait until the test lets them through (a busy disk)."""

    release: threading.Event

    def save(self, form_key: str, fields: dict[str, str]) -> None:
        self.release.wait(timeout=30)
        super().save(form_key, fields)


def held(tmp_path: Path) -> tuple[FormDrafts, threading.Event]:
    real = DraftStore.open(tmp_path / "drafts.sqlite3")
    store = HeldStore(real.conn, real.path)
    store.release = threading.Event()
    return FormDrafts(store, profile="sandbox"), store.release


def test_save_draft_returns_before_the_file_is_written(tmp_path: Path) -> None:
    drafts, release = held(tmp_path)
    try:
        drafts.save_draft("client.add", {"phone": "7701"})  # returns although the write waits
        assert drafts.store is not None
        assert drafts.store.load("sandbox/client.add") is None  # not written yet
    finally:
        release.set()
        drafts.close()


def test_load_and_close_wait_for_the_queued_saves(tmp_path: Path) -> None:
    drafts, release = held(tmp_path)
    release.set()
    for typed in ("7", "77", "770"):
        drafts.save_draft("client.add", {"phone": typed})
    assert drafts.load_draft("client.add") == {"phone": "770"}  # the last one, in order
    drafts.save_draft("client.add", {"phone": "7701"})
    drafts.close()

    again = FormDrafts.open(profile="sandbox", path=tmp_path / "drafts.sqlite3")
    try:
        assert again.load_draft("client.add") == {"phone": "7701"}  # written before close ended
    finally:
        again.close()


def test_a_discard_after_a_queued_save_leaves_no_draft(tmp_path: Path) -> None:
    drafts, release = held(tmp_path)
    release.set()
    drafts.save_draft("client.add", {"phone": "7701"})
    drafts.discard_draft("client.add")
    try:
        assert drafts.load_draft("client.add") is None
    finally:
        drafts.close()
