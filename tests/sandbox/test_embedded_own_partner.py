"""A sandbox profile of its own partner id on the embedded sandbox is a partner of it: the sandbox
takes the profile's id and secret, seeds demo data for it once, and keeps it apart from the
built-in partner's. Before, every request answered unknown_partner: the console showed an empty
list under "connected" once the first notice was gone (QA 23)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from fpconsole import cli
from fpconsole.session import EMBEDDED_SEED_CLIENTS, open_session

BOX = '[profiles.box]\nkind = "sandbox"\nauth_id = "p1"\nsecret_env = "BOX_SECRET"\n'
BUILTIN_WITH_A_WRONG_SECRET = (
    '[profiles.wrong]\nkind = "sandbox"\nauth_id = "100500"\nsecret_env = "BOX_SECRET"\n'
)


def write_config(home: Path, text: str) -> None:
    (home / "config").mkdir(exist_ok=True)
    (home / "config" / "config.toml").write_text(text)


def call(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    cli.main(["call", *args])
    out, _ = capsys.readouterr()
    found: dict[str, object] = json.loads(out)
    return found


def test_a_sandbox_profile_with_its_own_partner_id_is_a_partner_of_the_embedded_sandbox(
    isolated_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(isolated_home, BOX)
    monkeypatch.setenv("BOX_SECRET", "box-secret")
    answer = call(capsys, "--profile", "box", "card.info", "card_id=7001001")
    assert answer.get("error_code") != "unknown_partner", answer
    assert answer.get("error_code") == "not_found", answer  # 7001001 is the built-in partner's
    builtin = call(capsys, "card.info", "card_id=7001001")
    assert builtin["status"] == "ok", builtin
    # Demo data of its own, as the console's lists read it.
    box, theirs = asyncio.run(snapshot("box")), asyncio.run(snapshot(None))
    assert len(box["clients"]) == len(theirs["clients"]) == EMBEDDED_SEED_CLIENTS
    assert not {c["client_id"] for c in box["clients"]} & {c["client_id"] for c in theirs["clients"]}


async def snapshot(profile: str | None) -> dict[str, Any]:
    session = open_session(profile_name=profile, journal=False)
    try:
        return await session.client.post_control("/sandbox/snapshot", {"limit": 1000})
    finally:
        await session.aclose()


def test_the_built_in_partner_id_keeps_its_own_secret(
    isolated_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A QA engineer tries a wrong secret on purpose: the sandbox says so, as the API would.
    write_config(isolated_home, BUILTIN_WITH_A_WRONG_SECRET)
    monkeypatch.setenv("BOX_SECRET", "not-the-sandbox-secret")
    answer = call(capsys, "--profile", "wrong", "card.info", "card_id=7001001")
    assert answer.get("error_code") == "invalid_signature", answer
