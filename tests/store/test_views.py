"""Saved views: per profile, private (0600), replaced by name, card numbers masked."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from fpconsole.store.views import ViewError, ViewStore


def test_views_are_kept_per_profile_and_replaced_by_name(tmp_path: Path) -> None:
    path = tmp_path / "views.sqlite3"
    with ViewStore.open(profile="qa", path=path) as views:
        assert views.save("blocked", "cards", "status:blocked  since:7d") is False
        assert views.save("blocked", "cards", "status:blocked since:2h") is True
        views.save("errors", "requests", "status:error")
    with ViewStore.open(profile="prod", path=path) as other:
        assert other.list() == []
        assert other.get("blocked") is None
    with ViewStore.open(profile="qa", path=path) as views:
        assert [(v.name, v.section, v.filter) for v in views.list()] == [
            ("blocked", "cards", "status:blocked since:2h"),
            ("errors", "requests", "status:error"),
        ]
        assert views.delete("errors") is True
        assert views.delete("errors") is False
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_card_number_typed_into_a_filter_is_masked(tmp_path: Path) -> None:
    with ViewStore.open(profile="qa", path=tmp_path / "views.sqlite3") as views:
        views.save("pan", "cards", "4111111111111111 status:active")
        saved = views.get("pan")
    assert saved is not None and "4111111111111111" not in saved.filter
    assert "4111111111111111" not in (tmp_path / "views.sqlite3").read_bytes().decode("latin-1")


@pytest.mark.parametrize(
    ("name", "section", "text", "message"),
    [
        ("two words", "cards", "x", "view name 'two words': 1-40 letters"),
        ("delete", "cards", "x", "is a word of :view itself"),
        ("ok", "bulk", "x", "section 'bulk': one of clients, cards, transactions, requests"),
        ("ok", "cards", "   ", "the filter is empty"),
    ],
)
def test_what_cannot_be_saved_says_why(
    tmp_path: Path, name: str, section: str, text: str, message: str
) -> None:
    with (
        ViewStore.open(profile="qa", path=tmp_path / "views.sqlite3") as views,
        pytest.raises(ViewError, match=message),
    ):
        views.save(name, section, text)
