"""A sandbox reset or a loaded backup leaves the profile's cache to be filled again: forget_profile
drops this profile's rows and no other profile's."""

from __future__ import annotations

from pathlib import Path

from fpconsole.store.cache import EntityCache


def test_forget_profile_drops_this_profiles_rows_only(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    with EntityCache.open(path, profile="sandbox") as mine, EntityCache.open(path, profile="qa") as other:
        for cache in (mine, other):
            cache.upsert_client({"client_id": "CL-100001", "full_name": "KAMILA PETROVA"})
            cache.upsert_card({"card_id": "7001001", "client_id": "CL-100001", "status": "active"})
        mine.forget_profile()
        assert mine.count("clients") == 0 and mine.count("cards") == 0
        assert mine.get("cards", "7001001") is None
        assert other.count("clients") == 1 and other.count("cards") == 1
        mine.upsert_client({"client_id": "CL-100002", "full_name": "NEW ONE"})
        assert mine.count("clients") == 1  # counting starts again from what is there
