"""`fpconsole locate`, `profiles` and `journal`: read-only views of local state for scripts.

Pure functions over an output stream; the CLI wires them up. Exit codes follow the CLI's:
0 fine, 2 invalid input (a broken config.toml, an unknown profile, a bad --since).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from fpconsole.exit_codes import EXIT_CHAIN_BROKEN, EXIT_INVALID_INPUT, EXIT_OK

if TYPE_CHECKING:
    from fpconsole.config import Profile
    from fpconsole.store.audit import ChainReport
    from fpconsole.store.journal import JournalEntry

_RELATIVE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_PAGE: Final = 500
# fpconsole.session.ADHOC_PREFIX (a test keeps them equal), not imported: that module loads
# the HTTP client, which a journal listing does not need.
ADHOC_PREFIX: Final = "adhoc:"


def _fail(message: str) -> int:
    sys.stderr.write(f"fpconsole: {message}\n")
    return EXIT_INVALID_INPUT


def check_profile(name: str, config_path: Path | None = None, *, source: str = "") -> int | None:
    """None when `name` is a profile of config.toml; otherwise the error is written (the
    unknown name and the known ones, or what is wrong with the file) and the exit code returned.
    `source` says where the name came from when not --profile (`FPCONSOLE_PROFILE=qa`)."""
    from fpconsole.config import ConfigError, load_config

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        return _fail(str(exc))
    try:
        config.profile(name)
    except ConfigError as exc:
        fix = f" — or unset {source.partition('=')[0]}" if source else ""
        return _fail(f"{source}: {exc}{fix}" if source else str(exc))
    return None


def run_locate(which: str | None, out: TextIO) -> int:
    """All three folders, or only the one asked for (bare path, for `cd $(fpconsole locate state)`)."""
    from fpconsole import locations

    folders = {
        "config": locations.config_dir(),
        "cache": locations.cache_dir(),
        "state": locations.state_dir(),
        "sandbox": locations.sandbox_dir(),
        # The log file itself, not its folder: `less "$(fpconsole locate logs)"`.
        "logs": locations.log_file(),
    }
    if which is not None:
        if which not in folders:
            return _fail(f"locate: unknown folder {which!r} — use config, cache, state, sandbox or logs")
        # FPCONSOLE_CONFIG names the file itself: `locate config` says which file is read.
        override = locations.config_override() if which == "config" else None
        out.write(f"{override or folders[which]}\n")
        return EXIT_OK
    notes = {
        "config": _config_note(locations.config_override(), locations.CONFIG_FILE_NAME),
        "cache": f"{locations.CACHE_DB_NAME}, disposable",
        "state": f"{locations.JOURNAL_DB_NAME}, {locations.DRAFTS_DB_NAME}",
        "sandbox": "the embedded sandbox: fake cards with their secrets",
        "logs": "warnings and, with --debug, details; redacted, rotated at 1 MB",
    }
    for name, folder in folders.items():
        out.write(f"{name:<8}{folder}  ({notes[name]})\n")
    return EXIT_OK


def _config_note(override: Path | None, default_name: str) -> str:
    """The folder's note: its config.toml, or the file FPCONSOLE_CONFIG names instead."""
    from fpconsole.locations import CONFIG_ENV

    return f"{CONFIG_ENV}={override} is read instead of its {default_name}" if override else default_name


def run_profiles(config_path: Path | None, out: TextIO, *, as_json: bool = False) -> int:
    """A table of profiles (or JSON lines, one per profile): where each connects and how,
    never a secret."""
    from fpconsole.config import ConfigError, load_config

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        return _fail(str(exc))
    default = config.default_name
    if as_json:
        import json

        for name in sorted(config.profiles, key=lambda n: (n != default, n)):
            out.write(json.dumps(_profile_json(config.profiles[name], default), ensure_ascii=False) + "\n")
        return EXIT_OK
    header = ("", "NAME", "KIND", "HOST", "AUTH_ID", "ACCESS", "SECRET FROM")
    rows = [header]
    for name in sorted(config.profiles, key=lambda n: (n != default, n)):
        profile = config.profiles[name]
        rows.append(
            (
                "*" if name == default else "",
                name,
                profile.kind,
                profile.host,
                profile.auth_id,
                "read-only" if profile.read_only else "read-write",
                profile.secret_source,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        out.write(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() + "\n"
        )
    out.write(f"\n* default profile · config: {config.path}\n")
    return EXIT_OK


def _profile_json(profile: Profile, default: str) -> dict[str, object]:
    """What the table shows, as values: where the secret comes from (a variable's name, a
    file's path, a command line), never the secret; the host without a user:password part."""
    if profile.secret_env:
        secret: dict[str, str] = {"from": "env", "name": profile.secret_env}
    elif profile.secret_command:
        secret = {"from": "command", "command": profile.secret_command}
    elif profile.secret_file:
        secret = {"from": "file", "path": profile.secret_file}
    else:
        secret = {"from": "built-in"}
    return {
        "name": profile.name,
        "default": profile.name == default,
        "kind": profile.kind,
        "host": profile.host,
        "embedded": profile.is_embedded_sandbox,
        "auth_id": profile.auth_id,
        "alg": profile.alg,
        "read_only": profile.read_only,
        "secret": secret,
        "source": profile.source,
    }


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """'2h', '30m', '7d', '1w', an ISO date (local midnight) or an ISO date-time (local if no
    offset). Raises ValueError with a message for people."""
    value = text.strip()
    moment = now or datetime.now().astimezone()
    relative = _RELATIVE.fullmatch(value.lower())
    if relative:
        try:
            return moment - timedelta(seconds=float(relative.group(1)) * _UNITS[relative.group(2)])
        except (OverflowError, ValueError):
            # `99999999d` reaches before year 1: nothing can be older, but say so plainly.
            raise ValueError(
                f"--since {text!r} reaches too far back — use a duration of at most a few thousand years"
            ) from None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time()).astimezone()
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.astimezone()
    except (ValueError, OverflowError):
        raise ValueError(
            f"--since {text!r} is not a date or a duration — use e.g. 2h, 7d, 2024-05-01 or 2024-05-01T09:30"
        ) from None


def _entries(journal_path: Path, profile: str, since: datetime | None) -> Iterator[JournalEntry]:
    from fpconsole.store.journal import Journal

    with Journal.open(journal_path, profile=profile, prune=False) as journal:
        offset = 0
        while True:
            page = journal.entries(since=since, limit=_PAGE, offset=offset, oldest_first=True)
            yield from page
            if len(page) < _PAGE:
                return
            offset += len(page)


def _line(entry: JournalEntry) -> str:
    when = entry.sent_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    targets = " ".join(f"{k}={v}" for k, v in entry.target_ids.items())
    latency = f"{entry.latency_ms:.0f} ms" if entry.latency_ms is not None else "-"
    steps = " → ".join(["sent", *(c.status for c in entry.changes)])
    parts = [when, f"{entry.method:<28}", f"{entry.outcome:<8}", f"{latency:>8}", entry.request_id or "-"]
    if targets:
        parts.append(targets)
    parts.append(f"[{steps}]")
    if entry.error_code or entry.error_description:
        parts.append(f"{entry.error_code or ''}: {entry.error_description or ''}".strip())
    # Who and why: entries from before fpconsole recorded them have neither.
    if entry.operator:
        parts.append(f"by {entry.operator}")
    if entry.reason:
        parts.append(f"reason: {entry.reason}")
    return "  ".join(parts)


def run_journal(profile: str | None, since: str | None, as_json: bool, out: TextIO) -> int:
    """The profile's journal (None: the config's default profile), oldest first: a line per
    request, or JSON lines with `--json`."""
    import json

    try:
        # An empty --since "" is a mistake (an unset shell variable), not "everything".
        start = parse_since(since) if since is not None else None
    except ValueError as exc:
        return _fail(str(exc))
    chosen = _journal_profile(profile)
    if isinstance(chosen, int):
        return chosen
    profile, path = chosen
    if not path.exists():
        if not as_json:
            out.write(f"no requests recorded for profile {profile} yet\n")
        return EXIT_OK
    written = 0
    for entry in _entries(path, profile, start):
        out.write(json.dumps(entry.to_json(), ensure_ascii=False) + "\n" if as_json else _line(entry) + "\n")
        written += 1
    if not written and not as_json:
        out.write(f"no requests recorded for profile {profile}" + (f" since {since}" if since else "") + "\n")
    if not as_json:
        _pending_note(path, profile, out)
    return EXIT_OK


def _journal_profile(profile: str | None) -> tuple[str, Path] | int:
    """The profile whose journal is read (None: the config's default) and the journal's path;
    or the exit code once an unknown profile or a broken config.toml is reported."""
    from fpconsole.config import ConfigError, load_config
    from fpconsole.locations import journal_db

    try:
        config = load_config()
    except ConfigError as exc:
        return _fail(str(exc))
    profile = profile or config.default_name
    path = journal_db()
    if profile not in config.profiles and not _has_entries(path, profile):
        try:
            config.profile(profile)  # raises with the list of known profiles
        except ConfigError as exc:
            return _fail(str(exc))
    return profile, path


def run_journal_verify(profile: str | None, as_json: bool, out: TextIO) -> int:
    """`fpconsole journal verify`: whether the profile's hash chain is intact (exit 0) or where
    it first breaks (exit 1: an entry edited, deleted or reordered)."""
    import json

    from fpconsole.store.journal import Journal

    chosen = _journal_profile(profile)
    if isinstance(chosen, int):
        return chosen
    profile, path = chosen
    if not path.exists():
        if as_json:
            out.write(json.dumps({"profile": profile, "intact": True, "entries": 0}) + "\n")
        else:
            out.write(f"no requests recorded for profile {profile} yet: nothing to verify\n")
        return EXIT_OK
    with Journal.open(path, profile=profile, prune=False) as journal:
        report = journal.verify()
    if as_json:
        out.write(json.dumps(report.to_json(), ensure_ascii=False) + "\n")
    else:
        out.write(_verify_text(report))
    return EXIT_OK if report.intact else EXIT_CHAIN_BROKEN


def _verify_text(report: ChainReport) -> str:
    plural = "entry" if report.entries == 1 else "entries"
    head = f"journal of profile {report.profile}: {report.entries} {plural}"
    if report.first_id is None and report.intact:
        return f"{head}, no audit chain yet (it starts with the next request sent)\n"
    start = f"the chain starts at entry #{report.first_id}"
    if report.pruned_before is not None:
        start = f"the chain continues after entry #{report.pruned_before} (older ones deleted by retention)"
    elif report.before_chain:
        start += (
            f"; {report.before_chain} older {'entry was' if report.before_chain == 1 else 'entries were'} "
            "recorded before the audit chain existed"
        )
    if report.intact:
        return f"{head}: chain intact ({report.chained} chained; {start})\n"
    return (
        f"{head}: chain BROKEN at entry #{report.broken_at}\n  {report.problem}\n  ({start}; "
        "entries before the break are intact)\n"
    )


def _pending_note(path: Path, profile: str, out: TextIO) -> None:
    """Requests left in `process` (or cut off, or timed out) are not lost: say how to settle them."""
    from fpconsole.store.journal import Journal

    with Journal.open(path, profile=profile, prune=False) as journal:
        pending = journal.pending()
    if not pending:
        return
    count = f"{len(pending)} request{'s' if len(pending) > 1 else ''}"
    poll = f"call request.status request_id={pending[0].request_id}"
    if profile.startswith(ADHOC_PREFIX):
        # Sent with --base-url: there is no profile to name, so the same flags again.
        host, _, auth_id = profile.removeprefix(ADHOC_PREFIX).rpartition(":")
        command = f"fpconsole {poll} --base-url http(s)://{host} --auth-id {auth_id} --secret-env VAR"
    else:
        command = f"fpconsole --profile {profile} {poll}"
    out.write(
        f"\n{count} without a final answer yet (sent, process or unknown). The console polls them "
        f"again when it starts; or poll one now:\n  {command}\n"
    )


def _has_entries(path: Path, profile: str) -> bool:
    """A profile removed from config.toml still has a journal worth reading."""
    if not path.exists():
        return False
    from fpconsole.store.journal import Journal

    with Journal.open(path, profile=profile, prune=False) as journal:
        return journal.has_entries()
