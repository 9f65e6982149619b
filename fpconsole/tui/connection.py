"""The profile's connection state, shown in the top bar for the whole session (a toast fades; a
profile that cannot connect must stay visibly broken) and said by a form refused for it.

`connecting` until the backend is set up and (for a remote API) a cheap signed read answered;
`connected` once it did; `broken` with a short why for the bar and the whole sentence for the
form and the notification. The embedded sandbox is in-process: connected from the first frame.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

Phase = Literal["connecting", "connected", "broken"]
# Re-probe a server that could not be reached: it may come up, or the VPN may connect.
REPROBE_DELAY: Final = 15.0
# Error codes the sandbox (and, INFERRED, the API) answers a refused signature with.
_AUTH_WORDS: Final = ("signature", "partner", "algorithm", "auth", "unauthori", "forbidden")
_OS_REASONS: Final = (
    ("refused", "connection refused"),
    ("name or service not known", "unknown host"),
    ("nodename nor servname", "unknown host"),
    ("temporary failure in name resolution", "DNS failed"),
    ("no address associated", "unknown host"),
    ("network is unreachable", "network unreachable"),
    ("no route to host", "no route to host"),
    ("certificate", "TLS certificate refused"),
    ("ssl", "TLS failed"),
    ("timed out", "connect timed out"),
    ("proxy", "proxy failed"),
)


@dataclass(frozen=True)
class Connection:
    phase: Phase
    short: str = ""  # the bar's few words: "FP_QA_SECRET unset", "connection refused"
    detail: str = ""  # the whole sentence, with the fix where we know it
    # Setup failures (secret, config) last the session; a network failure may heal (re-probed).
    lasting: bool = False

    @property
    def connected(self) -> bool:
        return self.phase == "connected"

    @property
    def broken(self) -> bool:
        return self.phase == "broken"

    def bar_text(self, in_process: int) -> str:
        waiting = f" · {in_process} in process" if in_process else ""
        if self.phase == "broken":
            return f"✕ cannot connect: {self.short}{waiting}"
        if self.phase == "connecting":
            return f"◌ connecting{waiting}"
        return f"● {in_process} in process" if in_process else "● connected"

    def refusal(self) -> str:
        """What a form says when it cannot send because of this state."""
        if self.phase == "broken":
            return f"Cannot connect: {self.detail or self.short}. Nothing was sent."
        return "Not connected yet: wait for the profile to connect, then submit again."


CONNECTING: Final = Connection("connecting")
CONNECTED: Final = Connection("connected")


def setup_failed(short: str, detail: str) -> Connection:
    return Connection("broken", short, detail, lasting=True)


def from_probe_error(exc: BaseException, host: str) -> Connection | None:
    """The state a failed probe means; None when the server answered in a way that proves the
    connection and the signature work (e.g. "no such request")."""
    from fpconsole.api import errors  # pydantic behind it: not before the first frame

    if isinstance(exc, errors.ApiError):
        code = (exc.error_code or "").lower()
        if any(word in code for word in _AUTH_WORDS):
            return Connection(
                "broken",
                "signature refused",
                f"{host} refused the signature ({exc.message}): check the profile's auth_id and secret",
                lasting=True,
            )
        return None
    if isinstance(exc, errors.HttpStatusError):
        # A proxy's 502, a gateway's 401: not the Card API answering (it documents only 200).
        return Connection("broken", f"HTTP {exc.status_code}", f"{host}: {exc.message}")
    if isinstance(exc, errors.TimedOut):
        return Connection("broken", "no answer", exc.message)
    if isinstance(exc, errors.BadResponse):
        return Connection("broken", "not the Card API", f"{host}: {exc.message}")
    if isinstance(exc, errors.CardApiError):
        return Connection("broken", _os_reason(exc.message), exc.message)
    return Connection("broken", type(exc).__name__, f"{host}: {exc}")


def from_failed_call(error: str, message: str) -> Connection | None:
    """A request of the session failed: only "could not connect" says anything about the link."""
    if error == "CannotConnect":
        return Connection("broken", _os_reason(message), message)
    return None


def _os_reason(message: str) -> str:
    lowered = message.lower()
    for needle, reason in _OS_REASONS:
        if needle in lowered:
            return reason
    errno = re.search(r"\[errno [-\d]+\]\s*([^\]\)]+)", lowered)
    return errno.group(1).strip()[:30] if errno else "unreachable"


def unavailable_reason(app: object) -> str:
    """Why a screen cannot fetch or copy what it was asked for: the profile's real reason when it
    is broken, so an operator is not left waiting for a connection that cannot come."""
    state = getattr(app, "connection", None)
    state = state if isinstance(state, Connection) else CONNECTING
    if state.broken:
        return f"Cannot connect: {state.detail or state.short}."
    return "Not connected yet: the profile is still connecting; try again in a moment."


def not_connected_reason(app: object) -> str:
    """What a form says when the app has no backend to send with (why, when we know it)."""
    state = getattr(app, "connection", None)
    return state.refusal() if isinstance(state, Connection) else CONNECTING.refusal()
