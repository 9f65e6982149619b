"""Start-up and key latency of the console in a real pseudo-terminal, side by side with a bare
Textual app, using the shared harness (../shared/tools/tui_startup.py).

Prints medians and ratios for:
- first frame and "demo data visible", against the bare app's first frame (target: data
  visible within 1.6x; Posting needs about 4x);
- peak memory (target: under 70 MiB);
- key-to-screen latency while moving through 100,000 cached cards (target: under 50 ms).

Run: python bench/startup.py [-n 7]. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HARNESS = Path(os.environ.get("FPCONSOLE_TUI_STARTUP", ROOT.parent / "shared" / "tools" / "tui_startup.py"))
HELLO = HARNESS.parent / "hello_min.py"
CARDS = 100_000


def fpconsole_command() -> str:
    found = shutil.which("fpconsole", path=str(Path(sys.executable).parent))
    return found or f"{sys.executable} -m fpconsole"


async def _prepare_home(home: Path) -> str:
    """A home as a user has it after a first start: sandbox state and a primed cache.
    Returns the name of the client shown first (the 'data visible' marker)."""
    os.environ["FPCONSOLE_HOME"] = str(home)
    from fpconsole.session import open_session
    from fpconsole.store.cache import EntityCache

    session = open_session(journal=False)
    snapshot = await session.client.post_control("/sandbox/snapshot", {"limit": 100_000})
    await session.aclose()
    cache = EntityCache.open(profile="sandbox")
    cache.prime(clients=snapshot["clients"], cards=snapshot["cards"], transactions=snapshot["transactions"])
    first = cache.search("clients", limit=1)[0]
    cache.close()
    return str(getattr(first, "name", "") or first.key)


def _prime_many_cards(home: Path) -> tuple[str, str]:
    """100,000 cards in the cache (its bound), older than the sandbox's. Returns the card the
    console shows on top (the newest sandbox card: the console primes the sandbox at start) and
    the oldest card, shown last."""
    os.environ["FPCONSOLE_HOME"] = str(home)
    from fpconsole.store.cache import EntityCache

    cache = EntityCache.open(profile="sandbox")
    sandbox_cards = cache.search("cards", limit=CARDS)
    cards = [
        {
            "card_id": f"9{index:07d}",
            "card_mask": f"440043******{index % 10_000:04d}",
            "status": ("active", "inactive", "blocked", "closed")[index % 4],
            "client_id": f"CL-{200_000 + index % 5_000}",
            "product_id": 2000,
        }
        for index in range(CARDS - len(sandbox_cards))
    ]
    cache.prime(cards=cards)
    # Seen again after the bulk: the sandbox's cards stay the most recent, as after a start.
    cache.prime(
        cards=[
            {"card_id": c.key, "card_mask": c.card_mask, "status": c.status} for c in reversed(sandbox_cards)
        ]
    )
    top = cache.search("cards", limit=1)[0].key
    total = cache.count("cards")
    last = cache.search("cards", limit=1, offset=total - 1)[0].key
    cache.close()
    return top, last


def _prepare_in_subprocess(home: Path, many_cards: bool) -> dict[str, str]:
    """Locations are resolved once per process, so each home is prepared in its own."""
    flags = ["--many-cards"] if many_cards else []
    output = subprocess.run(
        [sys.executable, __file__, "--prepare", str(home), *flags],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "FPCONSOLE_HOME": str(home), "FPCONSOLE_SANDBOX_DELAY": "0"},
    ).stdout
    found: dict[str, str] = json.loads(output.strip().splitlines()[-1])
    return found


def _prepare(home: Path, many_cards: bool) -> None:
    marker = asyncio.run(_prepare_home(home))
    found = {"marker": marker}
    if many_cards:
        found["top"], found["last"] = _prime_many_cards(home)
    print(json.dumps(found))


def _run(spec: list[dict[str, Any]], runs: int, extra: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        spec_path = Path(scratch) / "spec.json"
        out_path = Path(scratch) / "out.json"
        spec_path.write_text(json.dumps(spec))
        command = [
            sys.executable,
            str(HARNESS),
            "--spec",
            str(spec_path),
            "-n",
            str(runs),
            "--json",
            str(out_path),
        ]
        subprocess.run([*command, *extra], check=True)
        result: dict[str, Any] = json.loads(out_path.read_text())
        return result


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--runs", type=int, default=7)
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--many-cards", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        _prepare(args.prepare, args.many_cards)
        return 0
    if not HARNESS.exists():
        print(f"the shared harness is missing: {HARNESS} (set FPCONSOLE_TUI_STARTUP)")
        return 2
    work = Path(tempfile.mkdtemp(prefix="fpconsole-bench-"))
    warm_home, cards_home = work / "warm", work / "cards"
    marker = _prepare_in_subprocess(warm_home, many_cards=False)["marker"]
    prepared = _prepare_in_subprocess(cards_home, many_cards=True)
    last_card = prepared["last"]
    fp = fpconsole_command()
    env = {"FPCONSOLE_SANDBOX_DELAY": "0.5"}
    spec = [
        {"name": "hello", "cmd": f"{sys.executable} {HELLO}", "marker": "Hello, Textual"},
        {
            "name": "fpconsole",
            "cmd": fp,
            "marker": "SANDBOX",
            "milestones": [marker],
            "env": {**env, "FPCONSOLE_HOME": str(warm_home)},
        },
        {
            "name": "fpconsole-first-start",
            "cmd": fp,
            "marker": "SANDBOX",
            "milestones": [marker],
            "env": {**env, "FPCONSOLE_HOME": "{tmpdir}/home"},
        },
    ]
    print(f"startup: {args.runs} runs each; data marker {marker!r}\n")
    startup = _run(spec, args.runs, ["--abba"])
    keys_spec = [
        {
            "name": "fpconsole-100k-cards",
            "cmd": fp,
            "marker": "SANDBOX",
            "env": {**env, "FPCONSOLE_HOME": str(cards_home)},
            # Each key changes what is on screen: sections switch, the oldest card appears on `end`
            # and leaves again on `home`.
            "steps": ["f3=Cards  SANDBOX", f"end={last_card}", f"home=!{last_card}", "f2=Clients  SANDBOX"],
        }
    ]
    print(f"\nkeys: moving through {CARDS:,} cached cards\n")
    keys = _run(keys_spec, max(3, args.runs // 2), ["--rounds", "5"])
    (work / "startup.json").write_text(json.dumps(startup, indent=1))
    (work / "keys.json").write_text(json.dumps(keys, indent=1))
    print(f"\nraw results: {work}/startup.json, keys.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
