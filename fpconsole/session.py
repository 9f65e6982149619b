"""Turns a profile (or explicit --base-url flags) into a connected CardApiClient, with the
journal and entity cache subscribed. Shared by `fpconsole call`, `bulk` and the console.

The embedded sandbox is imported only here and only when the profile asks for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

from fpconsole.api.client import CardApiClient, ClientOptions
from fpconsole.logs import hide as hide_in_logs

if TYPE_CHECKING:
    import ssl

    from fpconsole.config import Profile, ResolvedProfile

EMBEDDED_BASE_URL = "http://sandbox.embedded"
# Where `fpconsole sandbox serve` listens by default (sandbox.serve.DEFAULT_PORT, kept equal by a
# test; not imported, as that would load uvicorn): a request made on the embedded sandbox is
# runnable there, since the signature covers the path and the built-in partner is the same.
SERVED_SANDBOX_BASE_URL = "http://127.0.0.1:8642"


def curl_for_served_sandbox(line: str) -> str:
    """A curl line made on the embedded sandbox (which has no address), aimed at the served one."""
    return line.replace(EMBEDDED_BASE_URL, SERVED_SANDBOX_BASE_URL, 1)


EMBEDDED_SEED_CLIENTS = 40
# How long the embedded sandbox keeps a state change in `process` (tests and demos set it).
SANDBOX_DELAY_ENV: Final = "FPCONSOLE_SANDBOX_DELAY"
# Journal and cache name of a `--base-url` session. A colon cannot appear in a profile name
# (the config refuses it), so such a name never mixes with a profile's entries.
ADHOC_PREFIX: Final = "adhoc:"


@dataclass
class ClientHooks:
    """What tests and snapshots pin down: the client's clock, its request ids, the sandbox."""

    clock: Callable[[], Any] | None = None
    new_request_id: Callable[[], str] | None = None
    sandbox_engine: Any = None
    # The console: a first start's embedded sandbox writes its demo history when asked
    # (engine.seed_history), after the clients and cards are listed (see sandbox/seed.py).
    sandbox_history_later: bool = False

    def client_kwargs(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.clock is not None:
            found["clock"] = self.clock
        if self.new_request_id is not None:
            found["new_request_id"] = self.new_request_id
        return found


class SetupError(Exception):
    """The connection cannot be set up (bad flags, broken config, missing secret). `short` is the
    few words the console's top bar keeps on screen ("FP_QA_SECRET unset"); str() is the whole
    sentence with the fix."""

    def __init__(self, message: str, *, short: str = "profile error") -> None:
        super().__init__(message)
        self.short = short


@dataclass
class Session:
    client: CardApiClient
    profile: ResolvedProfile  # the one the process resolved: what the bar shows is what is used
    closers: list[Callable[[], None]] = field(default_factory=list)
    sandbox: Any = None  # the embedded sandbox's transport (its `runtime`), when the profile has one

    @property
    def profile_name(self) -> str:
        return self.profile.name

    @property
    def kind(self) -> str:  # sandbox | test | production
        return self.profile.kind

    @property
    def host(self) -> str:
        return self.profile.host

    @property
    def read_only(self) -> bool:
        return self.profile.read_only

    @property
    def embedded(self) -> bool:
        return self.profile.embedded

    async def aclose(self) -> None:
        await self.client.aclose()
        for close in reversed(self.closers):
            close()


def embedded_transport(
    delay: float | None = None,
    db: str | None = None,
    engine: Any = None,
    *,
    history_later: bool = False,
    partner: tuple[str, str] | None = None,
) -> Any:
    """The in-process sandbox, its state kept in its own folder (`fpconsole locate sandbox`) so
    that `fpconsole call` and the console see the same cards from one run to the next; seeded
    on first use. `partner` (auth_id, secret): a sandbox profile's own partner id, which the
    sandbox then knows beside the built-in one, with demo data of its own (seeded once, like
    the built-in partner's). Every request of such a profile was refused as unknown_partner.
    The built-in id keeps the built-in secret: a wrong one is still refused, as the API would."""
    from fpconsole.locations import embedded_sandbox_db, ensure_private_dir, sandbox_dir
    from fpconsole.sandbox.embedded import embedded_transport as make_transport
    from fpconsole.sandbox.settings import SandboxSettings

    if delay is None:
        delay = sandbox_delay_from_env()
    if db is None:
        ensure_private_dir(sandbox_dir())
        db = str(embedded_sandbox_db())
    if db != ":memory:" and not os.path.exists(db):
        # Created private before SQLite writes (fake) card secrets into it.
        os.close(os.open(db, os.O_CREAT | os.O_WRONLY, 0o600))
    # Asked at every start, not only for a new file: a first start cut off while seeding left
    # the schema and no data; the engine seeds a partner only once (see needs_demo_data).
    settings = SandboxSettings.default(db=db, delay=delay, seed=EMBEDDED_SEED_CLIENTS)
    if partner is not None and partner[0] not in settings.partners:
        settings = replace(settings, partners={**settings.partners, partner[0]: partner[1]})
    if history_later:
        settings = replace(settings, seed_history_later=True)
    return make_transport(settings, engine)


def sandbox_delay_from_env() -> float:
    """The embedded sandbox's settle delay from FPCONSOLE_SANDBOX_DELAY (empty or unset: the
    default). Anything else than 0 to 86400 seconds is a SetupError naming the variable and the
    fix: the CLI exits 2 with it and the console's top bar keeps saying it."""
    from fpconsole.sandbox.settings import DEFAULT_DELAY_S, MAX_DELAY_S, check_delay

    raw = os.environ.get(SANDBOX_DELAY_ENV, "")
    if not raw.strip():
        return DEFAULT_DELAY_S
    try:
        return check_delay(float(raw))
    except ValueError:  # not a number, or NaN, an infinity, a negative or too long a delay
        raise SetupError(
            f"{SANDBOX_DELAY_ENV}={raw} is not a number of seconds from 0 to {MAX_DELAY_S:g} — "
            f"use e.g. export {SANDBOX_DELAY_ENV}=1.5, or unset {SANDBOX_DELAY_ENV} for the "
            f"default {DEFAULT_DELAY_S:g}",
            short=f"{SANDBOX_DELAY_ENV} invalid",
        ) from None


def open_session(
    *,
    profile_name: str | None = None,
    profile: ResolvedProfile | None = None,
    read_only: bool = False,
    base_url: str | None = None,
    auth_id: str | None = None,
    secret_env: str | None = None,
    alg: str | None = None,
    read_timeout: float | None = None,
    journal: bool = True,
    sandbox_delay: float | None = None,
    sandbox_db: str | None = None,
    hooks: ClientHooks | None = None,
) -> Session:
    """A session on `profile` (resolved once by the caller: the console's launch), or on
    `profile_name` from config.toml (or the default one), with `--read-only` applied; or on
    the `--base-url` flags. `hooks` freeze time and ids for tests and snapshots;
    `hooks.sandbox_engine` is a prepared embedded engine (its own clock and seed)."""
    if base_url:
        return _explicit_session(base_url, auth_id, secret_env, alg, read_timeout, journal, read_only)
    from fpconsole.config import ConfigError, SecretError, resolve_profile

    if profile is None:
        try:
            profile = resolve_profile(profile_name, read_only=read_only)
        except ConfigError as exc:
            raise SetupError(str(exc), short="config error") from None
    try:
        secret = profile.profile.resolve_secret()
    except SecretError as exc:
        raise SetupError(str(exc), short=_secret_short(profile.profile)) from None
    hide_in_logs(secret)
    try:
        # Loads the CA bundle now: one without a usable certificate is a ConfigError naming
        # its line, not an SSL traceback at the first request.
        verify = profile.profile.tls_verify()
    except ConfigError as exc:
        raise SetupError(str(exc), short="CA bundle unusable") from None
    return _profile_session(
        profile, secret, verify, alg, read_timeout, journal, sandbox_delay, sandbox_db, hooks or ClientHooks()
    )


def _secret_short(profile: Profile) -> str:
    """Which secret source failed, from the profile itself (not from the error's wording)."""
    if profile.secret_env and not os.environ.get(profile.secret_env):
        return f"{profile.secret_env} unset"
    if profile.secret_command:
        return "secret_command failed"
    if profile.secret_file:
        return "secret_file unreadable"
    if profile.secret_env:
        return f"{profile.secret_env} unusable"
    return "no secret set"


def _check_alg(alg: str | None) -> Any:
    if alg not in (None, "HS512", "HS256"):
        raise SetupError(f"--alg must be HS512 or HS256, not {alg!r}")
    return alg or "HS512"


def _url_host(base_url: str) -> str:
    """host[:port] in lower case; a user:password part of the URL must not end up in a file."""
    from urllib.parse import urlsplit

    return urlsplit(base_url).netloc.rpartition("@")[2].lower()


def adhoc_profile_name(base_url: str, auth_id: str) -> str:
    """The stable name a `--base-url` session journals under: `adhoc:<host[:port]>:<auth_id>`."""
    return f"{ADHOC_PREFIX}{_url_host(base_url)}:{auth_id}"


def _explicit_session(
    base_url: str,
    auth_id: str | None,
    secret_env: str | None,
    alg: str | None,
    read_timeout: float | None,
    journal: bool,
    read_only: bool,
) -> Session:
    if not base_url.startswith(("http://", "https://")):
        raise SetupError(f"--base-url must start with http:// or https://, got {base_url!r}")
    if not auth_id:
        raise SetupError("--auth-id is required with --base-url (the partner id issued by Freedom Pay)")
    if not secret_env:
        raise SetupError(
            "--secret-env VAR is required with --base-url: the secret is read from that environment "
            "variable, never from the command line"
        )
    secret = os.environ.get(secret_env)
    if not secret:
        raise SetupError(f"--secret-env: the environment variable {secret_env} is not set or empty")
    hide_in_logs(secret)
    from fpconsole.config import Profile, ResolvedProfile, read_only_reason

    checked_alg = _check_alg(alg)
    options = ClientOptions(read_timeout=read_timeout or 30.0)
    client = CardApiClient(
        base_url=base_url, auth_id=auth_id, secret=secret, alg=checked_alg, options=options
    )
    # Journalled as a test profile of its own name; the secret stays where the flag says.
    adhoc = Profile(
        name=adhoc_profile_name(base_url, auth_id),
        kind="test",
        base_url=base_url,
        auth_id=auth_id,
        alg=checked_alg,
        secret_env=secret_env,
        read_timeout=options.read_timeout,
        source="--base-url",
    )
    resolved = ResolvedProfile(
        adhoc,
        host=_url_host(base_url),
        embedded=False,
        read_only_reason=read_only_reason(adhoc, flag=read_only),
    )
    session = Session(client, resolved)
    if journal:
        # Journalled like a profile session: a request sent by hand is the one most worth
        # finding again (and its pending outcome the one most worth settling).
        attach_local_state(session)
    return session


def _profile_session(
    resolved: ResolvedProfile,
    secret: str,
    verify: ssl.SSLContext | bool,
    alg: str | None,
    read_timeout: float | None,
    journal: bool,
    sandbox_delay: float | None,
    sandbox_db: str | None,
    hooks: ClientHooks,
) -> Session:
    profile = resolved.profile
    options = ClientOptions(
        connect_timeout=profile.connect_timeout,
        read_timeout=read_timeout or profile.read_timeout,
        proxy=profile.proxy,
        verify=verify,
    )
    transport = None
    base_url = profile.base_url or EMBEDDED_BASE_URL
    if resolved.embedded:
        transport = embedded_transport(
            sandbox_delay,
            sandbox_db,
            hooks.sandbox_engine,
            history_later=hooks.sandbox_history_later,
            partner=(profile.auth_id, secret),
        )
    client = CardApiClient(
        base_url=base_url,
        auth_id=profile.auth_id,
        secret=secret,
        alg=_check_alg(alg or profile.alg),
        transport=transport,
        options=options,
        **hooks.client_kwargs(),
    )
    session = Session(client, resolved, sandbox=transport)
    if journal:
        attach_local_state(session)
    return session


def attach_local_state(session: Session) -> None:
    """Subscribe the journal and the entity cache to the client's (redacted) events."""
    from fpconsole.store.cache import EntityCache
    from fpconsole.store.journal import Journal

    journal = Journal.open(profile=session.profile_name)
    cache = EntityCache.open(profile=session.profile_name)
    session.closers.append(session.client.subscribe(journal.record))
    session.closers.append(session.client.subscribe(cache.ingest))
    session.closers.append(journal.close)
    session.closers.append(cache.close)
