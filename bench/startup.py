"""Start-up, key latency and memory of the console in a real pseudo-terminal, side by side with
stock Textual apps measured in the same run, using the shared harness
(../shared/tools/tui_startup.py, called, not copied).

Two harness runs, each interleaving its commands (A B C A B C …):

startup   bare Textual app (hello_min.py) · fpconsole on a warm home · fpconsole on a real first
          start (the home is deleted before every run, so every run creates its config, cache,
          journal and sandbox) — first frame and "demo data visible", ratios to the bare app.
keys      a stock DataTable of 40 rows (bench/apps/datatable40.py) · fpconsole over 100,000
          cached clients and cards (end / home in Clients, then in Cards) · fpconsole on a
          sandbox of 100,000 clients with its cache kept (an unchanged prime) · the same sandbox
          with the cache deleted before every run (the whole prime runs behind the keys) —
          the first key after start, later keys and the whole session's peak RSS, ratios to the DataTable app.

phases    where a real first start's time goes, as CPU time of each step in a fresh interpreter
          on a new home (CPU, not wall: it reads the same on a loaded machine): the first
          frame's imports, the backend's imports (client, sandbox), opening the sandbox and
          seeding its clients and cards (the seed's first step), the first snapshot page and its
          prime into the cache — the data is visible after these — then, behind the lists, the
          seed's second step (the history) and its re-prime (only what it changed). The console
          runs the backend's imports, the seed and the first page in a second process, beside
          the first frame's imports (fpconsole/tui/first_start.py).
memory    the whole session's peak RSS (/usr/bin/time) of the console on a sandbox of 100,000
          clients with its cache deleted: from the start until the prime has read everything
          and the form `n` opens has been built after it (told by the --debug log), then ctrl+q.
          The keys case's sessions end long before that prime does.
imports   fresh interpreters that import and exit (the harness's --until-exit), interleaved with
          one that does nothing (the interpreter's own start, subtracted round by round):
          the client + registry (`fpconsole call`'s core), textual.app (for scale) and
          `fpconsole --version` (the CLI's floor).

Goals (issue 13): data visible on a real first start ≤ 2.5× bare, warm ≤ 1.5×; keys over
100,000 cards and clients ≤ 1.2× the DataTable app; first key on a 100,000-client sandbox
≤ 100 ms; peak RSS ≤ 70 MiB; importing the client + methods ≤ 120 ms.

Run: python bench/startup.py [-n 5] [--only startup|phases|keys|memory|imports]. Needs pyte and
psutil (the harness says how). Figures only; nothing is asserted.

Before/after in one run: `--baseline DIR` adds a real first start of the console as it was in DIR
(an export of an earlier commit: `git archive REV | tar -x -C DIR`) to the startup case, the
runs interleaved with the others, so a change is compared on the same machine load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HARNESS = Path(os.environ.get("FPCONSOLE_TUI_STARTUP", ROOT.parent / "shared" / "tools" / "tui_startup.py"))
HELLO = HARNESS.parent / "hello_min.py"
DATATABLE = ROOT / "bench" / "apps" / "datatable40.py"
MANY = 100_000
TOP_BAR = "  SANDBOX"  # the top bar's "<Section>  SANDBOX": which section is on screen


def fpconsole_command() -> str:
    found = shutil.which("fpconsole", path=str(Path(sys.executable).parent))
    return found or f"{sys.executable} -m fpconsole"


# --- homes, each prepared in its own process (locations are resolved once per process) ----------


async def _first_start(home: Path) -> str:
    """A home as a first start leaves it: seeded sandbox, primed cache. Returns the name of the
    client listed first (the "data visible" marker)."""
    from fpconsole.session import open_session
    from fpconsole.store.cache import EntityCache, PrimeMark
    from fpconsole.tui.prime import prime_bound

    session = open_session(journal=False)
    snapshot = await session.client.post_control("/sandbox/snapshot", {"limit": MANY})
    await session.aclose()
    with EntityCache.open(profile="sandbox") as cache:
        cache.prime(
            clients=snapshot["clients"], cards=snapshot["cards"], transactions=snapshot["transactions"]
        )
        # As a start whose prime ran to its end leaves it: the next asks only for what is new.
        cache.set_prime_mark(
            PrimeMark(snapshot["epoch"], snapshot["revision"], prime_bound(cache.max_entities))
        )
        first = cache.search("clients", limit=1)[0]
    return str(getattr(first, "name", "") or first.key)


def _fill_cache(found: dict[str, str]) -> None:
    """100,000 clients and cards in the cache (its bound), older than the sandbox's, so the
    console still opens on the demo data. Adds the ids listed last (the `end` markers)."""
    from fpconsole.store.cache import EntityCache

    with EntityCache.open(profile="sandbox") as cache:
        have = {kind: cache.search(kind, limit=MANY) for kind in ("clients", "cards")}  # type: ignore[misc]
        clients = [
            {"client_id": f"CL-{900_000 + n}", "first_name": "BENCH", "last_name": f"CLIENT{n}", "phone": n}
            for n in range(MANY - len(have["clients"]))
        ]
        cards = [
            {
                "card_id": f"9{n:07d}",
                "card_mask": f"440043******{n % 10_000:04d}",
                "status": ("active", "inactive", "blocked", "closed")[n % 4],
                "client_id": f"CL-{900_000 + n % 5_000}",
                "product_id": 2000,
            }
            for n in range(MANY - len(have["cards"]))
        ]
        cache.prime(clients=clients, cards=cards)
        # Seen again after the bulk: the sandbox's own stay on top, as after a start.
        cache.prime(
            clients=[{"client_id": c.key} for c in reversed(have["clients"])],
            cards=[{"card_id": c.key} for c in reversed(have["cards"])],
        )
        for kind in ("clients", "cards"):
            total = cache.count(kind)  # type: ignore[arg-type]
            found[f"last_{kind}"] = cache.search(kind, limit=1, offset=total - 1)[0].key  # type: ignore[arg-type]


def _fill_sandbox(home: Path) -> None:
    """100,000 more clients in the embedded sandbox's own database, numbered after its demo
    clients (the console primes them from the sandbox's snapshot at every start)."""
    path = next(home.rglob("sandbox.sqlite3"))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    top = conn.execute("SELECT max(seq) FROM clients").fetchone()[0]
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "INSERT INTO clients (client_id, seq, partner, product_id, phone, type, resident, first_name, "
        "last_name, created_at, updated_at) "
        "SELECT 'CL-' || (t.seq + n.i), t.seq + n.i, t.partner, t.product_id, 77000000000 + n.i, t.type, "
        "t.resident, 'BENCH', 'SANDBOX' || n.i, t.created_at, t.updated_at "
        "FROM n, (SELECT * FROM clients WHERE seq = ?) t",
        (MANY, top),
    )
    conn.execute("UPDATE sequences SET value = ? WHERE name = 'client'", (top + MANY,))
    conn.execute("COMMIT")
    conn.close()


def _prepare(home: Path, kind: str) -> None:
    found = {"marker": asyncio.run(_first_start(home))}
    if kind == "cache":
        _fill_cache(found)
    elif kind == "sandbox":
        _fill_sandbox(home)
        asyncio.run(_first_start(home))  # the cache as the last start left it: 100,000 clients
        from fpconsole.store.cache import EntityCache

        with EntityCache.open(profile="sandbox") as cache:
            found["newest_client"] = cache.search("clients", limit=1)[0].key
    print(json.dumps(found))


def _prepare_in_subprocess(home: Path, kind: str) -> dict[str, str]:
    output = subprocess.run(
        [sys.executable, __file__, "--prepare", str(home), "--kind", kind],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "FPCONSOLE_HOME": str(home), "FPCONSOLE_SANDBOX_DELAY": "0"},
    ).stdout
    found: dict[str, str] = json.loads(output.strip().splitlines()[-1])
    return found


# --- running the harness ------------------------------------------------------------------------


def _fresh(command: str, *paths: Path) -> str:
    """A shell line that deletes `paths` and then execs `command`: each run starts without them
    (the shell and rm cost a few ms, about the harness's own floor)."""
    doomed = " ".join(shlex.quote(str(p)) for p in paths)
    return f"rm -rf {doomed} && exec {command}"


def _peak_rss(work: Path, spec: list[dict[str, Any]]) -> None:
    """Each command under /usr/bin/time, which appends its whole session's peak RSS (the
    harness samples memory only at the first frame and when the screen settles, before a
    background prime ends)."""
    if not Path("/usr/bin/time").exists():
        return
    for target in spec:
        record = work / f"peak-{target['name']}.txt"
        command = target["cmd"]
        head, _, tail = command.rpartition("exec ")
        wrapped = f"/usr/bin/time -a -o {shlex.quote(str(record))} -f %M {tail}"
        target["cmd"] = f"{head}exec {wrapped}"
        target["shell"] = True


def _whole_session_peak(work: Path, name: str) -> float:
    record = work / f"peak-{name}.txt"
    if not record.exists():
        return float("nan")
    kib = [int(line) for line in record.read_text().split() if line.isdigit()]
    return _median([k / 1024 for k in kib[1:] or kib])  # the harness's warm-up run first


def _run(spec: list[dict[str, Any]], runs: int, extra: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        spec_path, out_path = Path(scratch) / "spec.json", Path(scratch) / "out.json"
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
        subprocess.run([*command, *extra], check=False)
        if not out_path.exists():
            return {"targets": spec, "rounds": []}
        result: dict[str, Any] = json.loads(out_path.read_text())
        return result


def _values(result: dict[str, Any], name: str, pick: Any) -> list[float]:
    names = [t["name"] for t in result["targets"]]
    index = names.index(name)
    found = [pick(r[index]) for r in result["rounds"] if r[index] and r[index].get("ok")]
    return [v for v in found if v is not None]


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _ratio(result: dict[str, Any], name: str, base: str, pick: Any) -> float:
    """The median of per-round ratios, as the harness gives them."""
    names = [t["name"] for t in result["targets"]]
    i, j = names.index(name), names.index(base)
    ratios = [
        pick(r[i]) / pick(r[j])
        for r in result["rounds"]
        if r[i] and r[j] and r[i].get("ok") and r[j].get("ok") and pick(r[i]) and pick(r[j])
    ]
    return _median(ratios)


def _first_key(run: dict[str, Any]) -> float | None:
    firsts = [v for k, v in run.items() if k.startswith("key1st:")]
    return firsts[0] if firsts else None


def _later_keys(
    run: dict[str, Any], prefixes: tuple[str, ...] = ("key:end", "key:home", "key:ctrl+")
) -> float | None:
    """The median of the later presses of the list keys (end / home), without section switches."""
    found = [v for k, vs in run.items() if k.startswith(prefixes) for v in vs]
    return statistics.median(found) if found else None


def _switches(run: dict[str, Any]) -> float | None:
    return _later_keys(run, ("key:f",))


def _data_visible(run: dict[str, Any]) -> float | None:
    found = [v for k, v in run.items() if k.startswith("at:")]
    return found[0] if found else None


def _baseline_command(baseline: Path) -> str:
    """The console from another source tree: run from inside it, so `-m fpconsole` finds that
    tree's package first (the current directory comes before PYTHONPATH and the install)."""
    tree = shlex.quote(str(baseline.resolve()))
    return f"cd {tree} && exec env PYTHONPATH={tree} {sys.executable} -m fpconsole"


def startup_case(work: Path, fp: str, runs: int, baseline: Path | None = None) -> None:
    warm = work / "warm"
    marker = _prepare_in_subprocess(warm, "warm")["marker"]
    first = work / "first"
    env = {"FPCONSOLE_SANDBOX_DELAY": "0.5"}
    spec: list[dict[str, Any]] = [
        {"name": "bare", "cmd": f"{sys.executable} {HELLO}", "marker": "Hello, Textual"},
        {
            "name": "warm",
            "cmd": fp,
            "marker": "SANDBOX",
            "milestones": [marker],
            "env": {**env, "FPCONSOLE_HOME": str(warm)},
        },
        {
            "name": "first-start",
            "cmd": _fresh(fp, first),
            "shell": True,
            "marker": "SANDBOX",
            "milestones": [marker],
            "env": {**env, "FPCONSOLE_HOME": str(first)},
        },
    ]
    if baseline is not None:
        before = work / "first-baseline"
        spec.append(
            {
                "name": "baseline",
                "cmd": f"rm -rf {shlex.quote(str(before))} && {_baseline_command(baseline)}",
                "shell": True,
                "marker": "SANDBOX",
                "milestones": [marker],
                "env": {**env, "FPCONSOLE_HOME": str(before)},
            }
        )
    _peak_rss(work, spec)
    print(f"== startup: {runs} runs each, every first-start run on a new home; data marker {marker!r}\n")
    result = _run(spec, runs, ["--abba"])
    (work / "startup.json").write_text(json.dumps(result, indent=1))
    bare = _median(_values(result, "bare", lambda r: r.get("startup_ms")))
    print(f"\nstartup summary (medians; ratios are medians of per-round ratios to bare {bare:.0f} ms)")
    names = ["warm", "first-start"] + (["baseline"] if baseline is not None else [])
    for name in names:
        frame = _median(_values(result, name, lambda r: r.get("startup_ms")))
        data = _median(_values(result, name, _data_visible))
        peak = _whole_session_peak(work, name)
        frame_ratio = _ratio(result, name, "bare", lambda r: r.get("startup_ms"))
        print(
            f"  {name:<12} first frame {frame:6.0f} ms ({frame_ratio:.2f}x)"
            f"   data visible {data:6.0f} ms ({_data_ratio(result, name):.2f}x)   peak RSS {peak:.0f} MiB"
        )


def _data_ratio(result: dict[str, Any], name: str) -> float:
    names = [t["name"] for t in result["targets"]]
    i, j = names.index(name), names.index("bare")
    ratios = [
        _data_visible(r[i]) / r[j]["startup_ms"]  # type: ignore[operator]
        for r in result["rounds"]
        if r[i] and r[j] and r[i].get("ok") and r[j].get("ok") and _data_visible(r[i])
    ]
    return _median(ratios)


def keys_case(work: Path, fp: str, runs: int) -> None:
    cached, sandbox = work / "cache100k", work / "sandbox100k"
    prepared = _prepare_in_subprocess(cached, "cache")
    newest = _prepare_in_subprocess(sandbox, "sandbox")["newest_client"]
    # Its own copy: a run that deletes the cache must not leave the other case a partial one.
    renewed = work / "sandbox100k-new-cache"
    shutil.copytree(sandbox, renewed)
    sandbox_cache = next(renewed.rglob("cache.sqlite3"))
    companions = [sandbox_cache.with_name(sandbox_cache.name + s) for s in ("-wal", "-shm")]
    env = {"FPCONSOLE_SANDBOX_DELAY": "0.5"}
    lists = [
        f"end={prepared['last_clients']}",
        f"home=!{prepared['last_clients']}",
        f"f3=Cards{TOP_BAR}",
        f"end={prepared['last_cards']}",
        f"home=!{prepared['last_cards']}",
        f"f2=Clients{TOP_BAR}",
    ]
    # On a priming sandbox the list's last row is not known yet, its first is: `end` takes it
    # off the screen, `home` brings it back.
    sections = [f"end=!{newest}", f"home={newest}"]
    spec = [
        {
            "name": "datatable40",
            "cmd": f"{sys.executable} {DATATABLE}",
            "marker": "selected row-00",
            "steps": ["ctrl+end=selected row-39", "ctrl+home=selected row-00"],
        },
        {
            "name": "cache-100k",
            "cmd": fp,
            "marker": f"Clients{TOP_BAR}",
            "env": {**env, "FPCONSOLE_HOME": str(cached)},
            "steps": lists,
        },
        {
            "name": "sandbox-100k",
            "cmd": fp,
            "marker": f"Clients{TOP_BAR}",
            "env": {**env, "FPCONSOLE_HOME": str(sandbox)},
            "steps": sections,
        },
        {
            "name": "sandbox-100k-new-cache",
            "cmd": _fresh(fp, sandbox_cache, *companions),
            "shell": True,
            "marker": f"Clients{TOP_BAR}",
            "env": {**env, "FPCONSOLE_HOME": str(renewed)},
            "milestones": [newest],  # the keys start once the prime's first chunk is listed
            "steps": sections,
        },
    ]
    _peak_rss(work, spec)
    print(f"\n== keys: {MANY:,} cached clients and cards; a sandbox of {MANY:,} clients\n")
    result = _run(spec, runs, ["--rounds", "3"])
    (work / "keys.json").write_text(json.dumps(result, indent=1))
    print("\nkeys summary (medians; ratios to the 40-row DataTable app in the same run)")
    for name in ("datatable40", "cache-100k", "sandbox-100k", "sandbox-100k-new-cache"):
        first = _median(_values(result, name, _first_key))
        later = _median(_values(result, name, _later_keys))
        peak = _whole_session_peak(work, name)
        ratio = "" if name == "datatable40" else f" ({_ratio(result, name, 'datatable40', _later_keys):.2f}x)"
        switch = _median(_values(result, name, _switches))
        sections = f"   F2/F3 {switch:4.0f} ms" if switch == switch else ""
        print(
            f"  {name:<23} first key after start {first:5.0f} ms   list keys {later:4.0f} ms{ratio}"
            f"{sections}   peak RSS {peak:.0f} MiB"
        )


WHOLE_SESSION_CAP_S = 180.0  # a prime that has not ended by then is reported as such
SPARE_BUILT = "built ahead"  # spare_form.py's --debug line: the last thing a start does


def _whole_session(home: Path, fp: str) -> tuple[float, float | None]:
    """One console on `home` until the prime ended and the spare form was built: (peak RSS in
    MiB, seconds until then; None if it never came within the cap)."""
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ssh_bytes import read_until_quiet, spawn

    record = home / "peak.txt"
    pid, fd = spawn(
        f"/usr/bin/time -o {shlex.quote(str(record))} -f %M {fp} --debug",
        {"FPCONSOLE_HOME": str(home), "FPCONSOLE_SANDBOX_DELAY": "0.5"},
    )
    started, done = time.monotonic(), None
    try:
        while time.monotonic() - started < WHOLE_SESSION_CAP_S:
            read_until_quiet(fd, 0.5, 2)  # the terminal drained, as a terminal would
            logs = list(home.rglob("fpconsole.log"))
            if logs and SPARE_BUILT in logs[0].read_text(errors="replace"):
                done = time.monotonic() - started
                break
        os.write(fd, b"\x11")  # ctrl+q
        read_until_quiet(fd, 1.0, 10)
    finally:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        os.close(fd)
    kib = [int(line) for line in record.read_text().split() if line.isdigit()] if record.exists() else []
    return (kib[-1] / 1024 if kib else float("nan")), done


def memory_case(work: Path, fp: str, runs: int) -> None:
    if not Path("/usr/bin/time").exists():
        print("\n== memory: needs /usr/bin/time (GNU time), not found")
        return
    source = work / "memory-sandbox100k"
    _prepare_in_subprocess(source, "sandbox")
    print(f"\n== memory: a sandbox of {MANY:,} clients, cache deleted, whole session\n")
    peaks: list[float] = []
    for run in range(runs):
        home = work / f"memory-run{run}"
        shutil.copytree(source, home)
        for stale in home.rglob("cache.sqlite3*"):
            stale.unlink()
        peak, done = _whole_session(home, fp)
        peaks.append(peak)
        ended = (
            f"prime + spare form done at {done:5.1f} s" if done is not None else "prime not over in the cap"
        )
        print(f"  run {run + 1}: peak RSS {peak:5.1f} MiB   {ended}")
        shutil.rmtree(home, ignore_errors=True)
    median, worst = _median(peaks), max(peaks)
    print(f"\nmemory summary: whole-session peak RSS median {median:.1f} MiB, max {worst:.1f} (goal 70)")


PHASES = (
    "first frame's imports",
    "backend's imports",
    "open + seed sandbox",
    "first page + prime",
    "history (seed step 2)",
    "history's re-prime",
)


def _phases(home: Path) -> None:
    """One real first start's steps, run in order in this (fresh) process on a new home; prints
    each step's CPU ms as JSON."""
    import time

    spent: list[float] = []
    mark = time.process_time()

    def step() -> None:
        nonlocal mark
        now = time.process_time()
        spent.append((now - mark) * 1000)
        mark = now

    import textual.app  # noqa: F401

    import fpconsole.store.cache
    import fpconsole.tui.app
    import fpconsole.tui.screens.clients

    step()
    import fpconsole.sandbox.embedded
    import fpconsole.session
    import fpconsole.tui.backend

    step()
    from fpconsole.sandbox.app import open_engine
    from fpconsole.sandbox.settings import SandboxSettings
    from fpconsole.session import EMBEDDED_SEED_CLIENTS

    # As the console opens it: the clients and cards as it opens, their history once listed.
    settings = SandboxSettings.default(db=str(home / "sandbox.sqlite3"), delay=0, seed=EMBEDDED_SEED_CLIENTS)
    settings = dataclasses.replace(settings, seed_history_later=True)
    partner = settings.partner_ids[0]
    engine = open_engine(settings)
    step()
    from fpconsole.tui.prime import PRIME_PAGE, SNAPSHOT_KINDS

    def first_page() -> dict[str, Any]:
        page = engine.snapshot(partner=partner, limit=PRIME_PAGE)
        return {kind: page[kind] for kind in SNAPSHOT_KINDS}  # not its revision and epoch

    with fpconsole.store.cache.EntityCache.open(profile="sandbox") as cache:
        cache.prime_changes(**first_page())
        step()
        engine.seed_history(partner)
        step()
        cache.prime_changes(**first_page())
        step()
    engine.close()
    print(json.dumps(spent))


def phases_case(work: Path, runs: int) -> None:
    print(f"\n== phases of a real first start: CPU ms of each step, {runs} fresh interpreters\n")
    found: list[list[float]] = []
    for number in range(runs):
        home = work / f"phases-{number}"
        home.mkdir()
        output = subprocess.run(
            [sys.executable, __file__, "--phases", str(home)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "FPCONSOLE_HOME": str(home)},
        ).stdout
        found.append(json.loads(output.strip().splitlines()[-1]))
    bare = subprocess.run(
        [sys.executable, "-c", "import time, textual.app; print(time.process_time() * 1000)"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    print(f"  (importing textual.app alone: {float(bare):.0f} ms CPU, interpreter start included)")
    for index, name in enumerate(PHASES):
        print(f"  {name:<24} {_median([run[index] for run in found]):6.0f} ms CPU")
    print(
        "  (in the console the backend's imports, the seed and the first page run in a second\n"
        "   process started before Textual is imported: fpconsole/tui/first_start.py)"
    )


IMPORTS = {
    "client + methods": "import fpconsole.api.client, fpconsole.api.methods",
    "textual.app": "import textual.app",
}


def imports_case(work: Path, runs: int) -> None:
    """Import times: each command's exit time less the do-nothing interpreter's in the same
    round (median of the rounds), so the machine's load of the moment cancels out."""
    py = shlex.quote(sys.executable)
    spec: list[dict[str, Any]] = [{"name": "python", "cmd": f"{py} -c pass", "until_exit": True}]
    spec += [
        {"name": name, "cmd": f"{py} -c {shlex.quote(code)}", "until_exit": True}
        for name, code in IMPORTS.items()
    ]
    spec.append({"name": "--version", "cmd": f"{py} -m fpconsole --version", "until_exit": True})
    print(f"\n== imports: {runs} fresh interpreters each, less a do-nothing one's start\n")
    result = _run(spec, runs, [])
    (work / "imports.json").write_text(json.dumps(result, indent=1))
    names = [t["name"] for t in result["targets"]]
    floor = names.index("python")
    print("\nimports summary (medians of per-round differences; goal: client + methods ≤ 120 ms)")
    for name in names[1:]:
        i = names.index(name)
        spent = [
            r[i]["startup_ms"] - r[floor]["startup_ms"]
            for r in result["rounds"]
            if r[i] and r[floor] and r[i].get("ok") and r[floor].get("ok")
        ]
        low = min(spent) if spent else float("nan")
        print(f"  {name:<18} {_median(spent):6.0f} ms   (least {low:.0f} ms)")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("--only", choices=["startup", "phases", "keys", "memory", "imports"])
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a source tree of an earlier commit: its real first start joins the startup case",
    )
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--phases", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--kind", choices=["warm", "cache", "sandbox"], default="warm", help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.prepare:
        _prepare(args.prepare, args.kind)
        return 0
    if args.phases:
        _phases(args.phases)
        return 0
    if not HARNESS.exists():
        print(f"the shared harness is missing: {HARNESS} (set FPCONSOLE_TUI_STARTUP)")
        return 2
    work = Path(tempfile.mkdtemp(prefix="fpconsole-bench-"))
    fp = fpconsole_command()
    if args.only in (None, "startup"):
        startup_case(work, fp, args.runs, args.baseline)
    if args.only in (None, "phases"):
        phases_case(work, args.runs)
    if args.only in (None, "keys"):
        keys_case(work, fp, args.runs)
    if args.only in (None, "memory"):
        memory_case(work, fp, max(args.runs // 2, 2))
    if args.only in (None, "imports"):
        imports_case(work, max(args.runs, 9))
    print(f"\nraw results and homes: {work}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
