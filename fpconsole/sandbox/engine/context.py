"""What every domain function receives: the open connection, the moment the operation happens,
the partner it acts for, and the engine's settings."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from fpconsole.sandbox.errors import SandboxError

DEFAULT_STATEMENT_CAP: Final = 1000
# A plastic card moves ordered → produced → delivered; each stage takes 3× the request delay,
# but at least this long, so the progress is visible even with delay 0.
PLASTIC_STAGE_MIN_S: Final = 2.0
PLASTIC_STAGE_FACTOR: Final = 3.0


@dataclass(frozen=True, slots=True)
class Settings:
    delay: float  # seconds from a state-changing request to its outcome
    statement_cap: int  # the most operations one statement answer lists (newest first)
    salt: bytes  # keys derived secrets; stored in the database
    rng: random.Random  # generated PINs and PIN salts

    @property
    def plastic_stage_s(self) -> float:
        return max(PLASTIC_STAGE_FACTOR * self.delay, PLASTIC_STAGE_MIN_S)


@dataclass(frozen=True, slots=True)
class Ctx:
    conn: sqlite3.Connection
    now: datetime  # tz-aware UTC: when this operation takes effect
    partner: str  # the auth_id whose data this touches
    settings: Settings
    request_id: str | None = None  # the async request being applied, if any

    def at(self, moment: datetime) -> Ctx:
        # Not dataclasses.replace: it is several times slower, and the seed calls this ~5,000 times.
        return Ctx(self.conn, moment, self.partner, self.settings, self.request_id)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a settled request reports on request/status."""

    client_id: str | None = None
    cards: tuple[str, ...] = ()
    transaction_id: str | None = None


def not_found(what: str, value: str, field: str) -> SandboxError:
    return SandboxError("not_found", f"no {what} {value}", field=field)
