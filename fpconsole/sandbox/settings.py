"""What a sandbox instance is configured with; shared by `serve`, the embedded transport and tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

# The built-in partner (public on purpose) is written once in the API core, which the config's
# built-in profile reads too: the sandbox never imports the config.
from fpconsole.api.sandbox_partner import BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET
from fpconsole.sandbox.faults import MAX_SEED, NO_FAULTS, FaultSpec

DEFAULT_DELAY_S: Final = 1.5
# A day: long enough to keep requests in `process` for any polling test, far from the date
# overflow (year 9999) that an unbounded delay reaches when it is added to "now".
MAX_DELAY_S: Final = 86_400.0
# Generous enough for client/add with a 2 MB base64 document (~2.8 MB), small enough that a
# runaway body cannot exhaust memory.
DEFAULT_MAX_BODY_BYTES: Final = 4 * 1024 * 1024


def check_delay(delay: float) -> float:
    """The settle delay, or ValueError: NaN, infinities and huge values would crash at the first
    state change (now + delay overflows) and make /sandbox/health answer invalid JSON."""
    if not 0 <= delay <= MAX_DELAY_S:  # also False for NaN
        raise ValueError(f"delay must be 0–{MAX_DELAY_S:g} seconds, got {delay}")
    return delay


@dataclass(frozen=True)
class SandboxSettings:
    # auth_id → secret. Kept out of repr so a logged settings object never shows a secret.
    partners: Mapping[str, str] = field(repr=False)
    delay: float = DEFAULT_DELAY_S  # seconds before a `process` request settles
    db: str = ":memory:"  # SQLite file, or ":memory:"
    # Demo clients (with cards and transactions) created for each partner when the database is
    # empty; None or 0 starts empty.
    seed: int | None = None
    # The console's first start: the demo clients and cards are written as the database opens,
    # their history later, when the console asks (engine.seed_history), so its lists fill sooner.
    seed_history_later: bool = False
    faults: FaultSpec = NO_FAULTS
    auth_error_status: int = 200  # HTTP status of signature refusals (the API documents only 200)
    rng_seed: int | None = None  # makes the engine's generated ids and data reproducible
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    def __post_init__(self) -> None:
        if not self.partners:
            raise ValueError("a sandbox needs at least one partner (auth_id → secret)")
        if not 100 <= self.auth_error_status <= 599:
            raise ValueError(f"auth_error_status must be an HTTP status, not {self.auth_error_status}")
        check_delay(self.delay)
        if self.rng_seed is not None and not 0 <= self.rng_seed <= MAX_SEED:
            raise ValueError(f"rng_seed must be 0–{MAX_SEED}, got {self.rng_seed}")

    @classmethod
    def default(
        cls,
        *,
        db: str = ":memory:",
        delay: float = DEFAULT_DELAY_S,
        seed: int | None = None,
        faults: FaultSpec = NO_FAULTS,
        auth_error_status: int = 200,
        rng_seed: int | None = None,
    ) -> SandboxSettings:
        """Settings with only the built-in partner."""
        return cls(
            partners={BUILTIN_SANDBOX_AUTH_ID: BUILTIN_SANDBOX_SECRET},
            delay=delay,
            db=db,
            seed=seed,
            faults=faults,
            auth_error_status=auth_error_status,
            rng_seed=rng_seed,
        )

    @property
    def partner_ids(self) -> list[str]:
        return sorted(self.partners)

    def uses_builtin_partner(self, auth_id: str) -> bool:
        return auth_id == BUILTIN_SANDBOX_AUTH_ID and self.partners.get(auth_id) == BUILTIN_SANDBOX_SECRET
