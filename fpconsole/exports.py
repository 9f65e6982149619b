"""Exports: lists (clients, cards, transactions from the cache), a statement, one request/response
exchange from the journal, as CSV or JSON; and "copy for ticket", a short Markdown summary of
one request.

No Textual here: the console's export menu, a script or a test call the same functions.

Masking is the last step before text leaves: every value goes through `redact` (secret keys,
PAN keys, documents) and `scrub_text` (a card number in free text), whatever the cache or the
journal already did. CSV cells that a spreadsheet would run as a formula are quoted with `'`.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal

from fpconsole.api.redaction import redact, scrub_text

Format = Literal["csv", "json"]
ListKind = Literal["clients", "cards", "transactions"]
FORMATS: Final[tuple[Format, ...]] = ("csv", "json")

LIST_COLUMNS: Final[dict[ListKind, tuple[str, ...]]] = {
    "clients": (
        "client_id",
        "first_name",
        "middle_name",
        "last_name",
        "phone",
        "product_id",
        "type",
        "last_seen",
    ),
    "cards": (
        "card_id",
        "card_mask",
        "status",
        "client_id",
        "product_id",
        "expiry_month",
        "expiry_year",
        "last_seen",
    ),
    "transactions": (
        "transaction_id",
        "card_id",
        "order_id",
        "amount",
        "currency",
        "status",
        "held",
        "cleared",
        "refunded",
        "created_at",
    ),
}
OPERATION_COLUMNS: Final = (
    "datetime",
    "type",
    "amount",
    "commission",
    "balance_change",
    "currency",
    "mcc",
    "merchant_name",
    "merchant_city",
    "merchant_country",
    "rrn",
    "transaction_id",
)
EXCHANGE_COLUMNS: Final = (
    "request_id",
    "method",
    "path",
    "outcome",
    "error_code",
    "error_description",
    "sent_at",
    "updated_at",
    "latency_ms",
    "timeline",
    "target_ids",
    "request",
    "response",
)
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


# --- masking -------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Dataclasses (cache records, journal entries), datetimes and Decimals as JSON values."""
    if is_dataclass(value) and not isinstance(value, type):
        to_json = getattr(value, "to_json", None)
        if callable(to_json):
            return _plain(to_json())
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**12:
        # A card number stored as a JSON number would escape the string scrubbing.
        text = scrub_text(str(value))
        return value if text == str(value) else text
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def masked(value: Any) -> Any:
    """A JSON-ready copy with every secret redacted and every card number masked."""
    plain = _plain(value)
    if isinstance(plain, dict):
        return redact(plain)
    if isinstance(plain, list):
        return [masked(item) for item in plain]
    if isinstance(plain, str):
        return scrub_text(plain)
    return plain


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    text = scrub_text(text)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- formats -------------------------------------------------------------------------------------


def to_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        safe = masked(dict(row))
        writer.writerow([_cell(safe.get(column)) for column in columns])
    return buffer.getvalue()


def to_json(document: Any) -> str:
    return json.dumps(masked(document), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def list_export(kind: ListKind, items: Iterable[Any], fmt: Format, *, query: str = "") -> str:
    """Clients, cards or transactions as the console lists them (cache records or dicts)."""
    columns = LIST_COLUMNS[kind]
    rows = [_plain(item) for item in items]
    if fmt == "csv":
        return to_csv(columns, rows)
    return to_json({"kind": kind, "filter": query, "count": len(rows), kind: rows})


def statement_export(statement: Mapping[str, Any], fmt: Format) -> str:
    """`Statement.to_json()`: CSV holds the operations, JSON everything (balances, totals…)."""
    if fmt == "csv":
        return to_csv(OPERATION_COLUMNS, statement.get("operations") or [])
    return to_json(statement)


def _entry(entry: Any) -> dict[str, Any]:
    found = _plain(entry)
    if not isinstance(found, dict):
        raise TypeError("a journal entry or its to_json() dict is needed")
    return found


def timeline(entry: Mapping[str, Any]) -> str:
    """sent 09:00:01 → process 09:00:01 → success 09:00:03 (UTC, as a ticket reader needs)."""
    steps = [f"sent {_hms(entry.get('sent_at'))}".rstrip()]
    for change in entry.get("changes") or []:
        if isinstance(change, Mapping):
            status, at = change.get("status"), change.get("at")
        else:
            status, at = change[0], change[1]
        steps.append(f"{status} {_hms(at)}".rstrip())
    return " → ".join(steps)


def _utc(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            return None
    return None


def _hms(value: Any) -> str:
    moment = _utc(value)
    return moment.strftime("%H:%M:%S") if moment else ""


def exchange_export(entry: Any, fmt: Format) -> str:
    """One request and its answer (a `JournalEntry` or its `to_json()`)."""
    found = _entry(entry)
    if fmt == "json":
        return to_json(found)
    row = {**found, "timeline": timeline(found)}
    return to_csv(EXCHANGE_COLUMNS, [row])


def exchanges_export(entries: Iterable[Any], fmt: Format) -> str:
    rows = [_entry(e) for e in entries]
    if fmt == "json":
        return to_json({"kind": "requests", "count": len(rows), "requests": rows})
    return to_csv(EXCHANGE_COLUMNS, [{**row, "timeline": timeline(row)} for row in rows])


def ticket_markdown(entry: Any, *, profile: str = "", user_host: str = "") -> str:
    """ "Copy for ticket": what support needs about one request, secrets redacted."""
    found = masked(_entry(entry))
    sent, updated = _utc(found.get("sent_at")), _utc(found.get("updated_at"))
    lines = [
        f"**{found.get('method')}** — {found.get('outcome')}",
        "",
        f"- request_id: `{found.get('request_id') or '—'}`",
    ]
    if found.get("path"):
        lines.append(f"- path: `{found['path']}`")
    if sent:
        lines.append(f"- sent: {sent.strftime('%Y-%m-%d %H:%M:%S')} UTC")
    if updated and updated != sent:
        lines.append(f"- last update: {updated.strftime('%Y-%m-%d %H:%M:%S')} UTC")
    lines.append(f"- status: {timeline(found)}")
    if found.get("latency_ms") is not None:
        lines.append(f"- latency: {float(found['latency_ms']):.0f} ms")
    targets = found.get("target_ids") or {}
    if isinstance(targets, Mapping) and targets:
        lines.append("- target: " + ", ".join(f"{k} `{v}`" for k, v in targets.items()))
    if found.get("error_code") or found.get("error_description"):
        lines.append(f"- error: {found.get('error_code') or ''}: {found.get('error_description') or ''}")
    for title, key in (("Request", "request"), ("Response", "response")):
        body = json.dumps(found.get(key) or {}, ensure_ascii=False, indent=2)
        lines += ["", f"{title} (redacted):", "```json", body, "```"]
    source = " · ".join(part for part in ("fpconsole", profile and f"profile {profile}", user_host) if part)
    lines += ["", f"_{source}_"]
    return scrub_text("\n".join(lines)) + "\n"


# --- files ---------------------------------------------------------------------------------------


def exports_folder() -> Path:
    from fpconsole.locations import state_dir

    return state_dir() / "exports"


def write_export(
    text: str, stem: str, suffix: str, *, folder: Path | None = None, now: datetime | None = None
) -> Path:
    """Write to `<state>/exports/<stem>-<time>.<suffix>`, readable by the user only (exports can
    hold names and phone numbers). Never overwrites: a clash gets -2, -3…"""
    from fpconsole.locations import ensure_private_dir

    target = ensure_private_dir(folder or exports_folder())
    moment = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    safe_stem = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in stem).strip("-") or "export"
    for attempt in range(1, 1000):
        name = f"{safe_stem}-{moment}{'' if attempt == 1 else f'-{attempt}'}.{suffix}"
        path = target / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(scrub_text(text))
        return path
    raise FileExistsError(f"too many exports named {safe_stem}-{moment} in {target}")
