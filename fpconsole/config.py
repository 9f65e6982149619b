"""Profiles and settings from `config.toml`, validated with messages that say where and how
to fix a mistake.

Every `ConfigError` names the file, the line and the field, and ends with the fix
(`... is not one of sandbox, test, production — use kind = "production"`). Unknown keys are
errors with a "did you mean" so a typo never silently falls back to a default. Secrets never
live in the TOML: a profile names where to get one (an environment variable, a command, or a
0600 file) and `Profile.resolve_secret()` fetches it only when a connection is made.

Plain code over pydantic on purpose: this module is on the start path of every command.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias, cast

from fpconsole.locations import config_file, display_path

if TYPE_CHECKING:
    import ssl

Kind: TypeAlias = Literal["sandbox", "test", "production"]
Alg: TypeAlias = Literal["HS512", "HS256"]

KINDS: Final[tuple[Kind, ...]] = ("sandbox", "test", "production")
ALGS: Final[tuple[Alg, ...]] = ("HS512", "HS256")

# The built-in partner of the embedded sandbox is public on purpose (like a vendor's published
# test credentials); the sandbox imports these so both sides agree.
BUILTIN_SANDBOX_AUTH_ID: Final = "100500"
BUILTIN_SANDBOX_SECRET: Final = "sandbox-secret"
BUILTIN_SOURCE: Final = "built-in"

DEFAULT_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_READ_TIMEOUT: Final = 30.0
SECRET_COMMAND_TIMEOUT: Final = 10.0

PROFILE_KEYS: Final = (
    "kind",
    "base_url",
    "auth_id",
    "alg",
    "secret_env",
    "secret_command",
    "secret_file",
    "read_only",
    "connect_timeout",
    "read_timeout",
    "proxy",
    "ca_bundle",
)
SETTINGS_KEYS: Final = ("default_profile", "theme")
TOP_KEYS: Final = ("profiles", "settings")
SECRET_SOURCES: Final = ("secret_env", "secret_command", "secret_file")

_SECRET_SOURCES_HELP: Final = (
    'secret_env = "FP_QA_SECRET", secret_command = "pass show fp/qa" '
    'or secret_file = "~/.config/fpconsole/qa.secret" (mode 0600)'
)
# Key names that mean someone is about to paste a secret into the file.
_SECRET_WORDS: Final = ("secret", "password", "passwd", "token", "api_key", "private_key")
_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")


class ConfigError(Exception):
    """config.toml is missing something, has a wrong value, or names an unusable secret file.

    `file`, `line` and `field` are also kept apart so a UI can point at the spot."""

    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.file = file
        self.line = line
        self.field = field


class SecretError(Exception):
    """The profile's secret could not be fetched (variable unset, command failed, empty)."""


# --- profiles -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    kind: Kind
    base_url: str | None  # None with kind sandbox: the embedded, in-process sandbox
    auth_id: str
    alg: Alg = "HS512"
    secret_env: str | None = None
    secret_command: str | None = None
    secret_file: str | None = None
    read_only: bool = False
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    proxy: str | None = None
    ca_bundle: str | None = None
    source: str = BUILTIN_SOURCE  # "built-in" or the config file that defined it
    # Line of each key in the file, so errors found later (a secret file's mode) point at it.
    key_lines: Mapping[str, int] = field(default_factory=dict, repr=False, compare=False)

    @property
    def host(self) -> str:
        if self.base_url is None:
            return "embedded sandbox"
        from urllib.parse import urlsplit

        return urlsplit(self.base_url).netloc

    @property
    def is_embedded_sandbox(self) -> bool:
        return self.kind == "sandbox" and self.base_url is None

    @property
    def secret_source(self) -> str:
        """Where the secret comes from, for display (never the secret itself)."""
        if self.secret_env:
            return f"env {self.secret_env}"
        if self.secret_command:
            return f"command {self.secret_command}"
        if self.secret_file:
            return f"file {self.secret_file}"
        return "built-in sandbox secret"

    def resolve_secret(self) -> str:
        """Fetch the partner secret now. Raises SecretError (or ConfigError for a secret file
        with loose permissions); messages never contain the secret or a command's output."""
        if self.secret_env:
            value = os.environ.get(self.secret_env, "")
            if not value:
                raise SecretError(
                    f"profile {self.name}: the environment variable {self.secret_env} is not set or "
                    f"empty — export {self.secret_env}=... before starting fpconsole"
                )
            return value
        if self.secret_command:
            return _run_secret_command(self.name, self.secret_command)
        if self.secret_file:
            return self._read_secret_file(self.secret_file)
        if self.kind == "sandbox":
            return BUILTIN_SANDBOX_SECRET
        # load_config refuses this; reachable only for hand-built profiles.
        raise SecretError(f"profile {self.name}: no secret source — set one of {_SECRET_SOURCES_HELP}")

    def _read_secret_file(self, configured: str) -> str:
        path = Path(configured).expanduser()
        where = self._where("secret_file")
        shown = f'profiles.{self.name}.secret_file = "{configured}"'
        try:
            info = path.stat()
        except FileNotFoundError:
            raise ConfigError(
                f"{where}{shown}: the file does not exist — create it with the secret on one line and "
                f"run chmod 600 {path}",
                file=self.source,
                line=self.key_lines.get("secret_file"),
                field=f"profiles.{self.name}.secret_file",
            ) from None
        except OSError as exc:
            raise ConfigError(
                f"{where}{shown}: cannot read it ({exc.strerror}) — check the path and its permissions",
                file=self.source,
                line=self.key_lines.get("secret_file"),
                field=f"profiles.{self.name}.secret_file",
            ) from None
        # POSIX modes mean nothing on Windows; there the folder's ACL is what protects it.
        if os.name == "posix":
            loose = info.st_mode & 0o077
            if loose:
                raise ConfigError(
                    f"{where}{shown}: the file is readable by others (mode {info.st_mode & 0o777:04o}); "
                    f"a secret file must be 0600 or stricter — run chmod 600 {path}",
                    file=self.source,
                    line=self.key_lines.get("secret_file"),
                    field=f"profiles.{self.name}.secret_file",
                )
        try:
            value = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise SecretError(f"profile {self.name}: cannot read secret_file {path}: {reason}") from None
        if not value:
            raise SecretError(f"profile {self.name}: secret_file {path} is empty — put the secret in it")
        return value

    def tls_verify(self) -> ssl.SSLContext | bool:
        """What httpx's `verify=` wants: True (its own CA store) or a context trusting
        `ca_bundle` (a PEM file or a hashed folder). A context rather than the path, which
        httpx 0.28 deprecates; a bundle that exists but holds no usable certificate is found
        here, as a ConfigError naming the line, not as an SSL traceback at the first call."""
        if not self.ca_bundle:
            return True
        import ssl

        path = Path(self.ca_bundle)
        try:
            if path.is_dir():
                return ssl.create_default_context(capath=str(path))
            return ssl.create_default_context(cafile=str(path))
        except OSError as exc:  # ssl.SSLError is an OSError too
            reason = exc.strerror or str(exc)
            raise ConfigError(
                f'{self._where("ca_bundle")}profiles.{self.name}.ca_bundle = "{self.ca_bundle}": cannot load '
                f"CA certificates from it ({reason}) — give a PEM file (or a c_rehash folder) of CA "
                "certificates",
                file=self.source,
                line=self.key_lines.get("ca_bundle"),
                field=f"profiles.{self.name}.ca_bundle",
            ) from None

    def _where(self, key: str) -> str:
        if self.source == BUILTIN_SOURCE:
            return ""
        line = self.key_lines.get(key)
        return f"{self.source}, line {line}: " if line else f"{self.source}: "


def _run_secret_command(profile: str, command: str) -> str:
    import shlex
    import subprocess

    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise SecretError(f"profile {profile}: secret_command cannot be parsed ({exc})") from None
    if not argv:
        raise SecretError(f"profile {profile}: secret_command is empty")
    try:
        # No shell: the command is split like a shell would, but nothing is interpolated.
        done = subprocess.run(
            argv,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=SECRET_COMMAND_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise SecretError(
            f"profile {profile}: secret_command `{command}` failed: {argv[0]} was not found — "
            "install it or give its full path"
        ) from None
    except PermissionError:
        raise SecretError(
            f"profile {profile}: secret_command `{command}` failed: {argv[0]} is not executable"
        ) from None
    except subprocess.TimeoutExpired:
        raise SecretError(
            f"profile {profile}: secret_command `{command}` did not finish within "
            f"{SECRET_COMMAND_TIMEOUT:g} s (is it waiting for a passphrase?)"
        ) from None
    except OSError as exc:
        raise SecretError(f"profile {profile}: secret_command `{command}` failed: {exc.strerror}") from None
    stdout = done.stdout.decode("utf-8", errors="replace").strip()
    if done.returncode != 0:
        raise SecretError(
            f"profile {profile}: secret_command `{command}` exited with status {done.returncode}"
            + _stderr_hint(done.stderr, stdout)
        )
    if not stdout:
        raise SecretError(f"profile {profile}: secret_command `{command}` printed nothing (exit status 0)")
    return stdout


def _stderr_hint(stderr: bytes, stdout: str) -> str:
    """The last line of stderr helps ("gpg: decryption failed"), unless it could carry what
    the command printed on stdout — that may be the secret."""
    lines = [line.strip() for line in stderr.decode("utf-8", errors="replace").splitlines() if line.strip()]
    if not lines:
        return ""
    last = lines[-1][:200]
    if stdout and (stdout in last or any(part in last for part in stdout.split() if len(part) >= 6)):
        return ""
    from fpconsole.store.scrub import scrub_text

    return f": {scrub_text(last)}"


BUILTIN_SANDBOX: Final = Profile(
    name="sandbox",
    kind="sandbox",
    base_url=None,
    auth_id=BUILTIN_SANDBOX_AUTH_ID,
    source=BUILTIN_SOURCE,
)


@dataclass(frozen=True)
class Config:
    profiles: dict[str, Profile]
    default_profile: str | None
    theme: str | None
    path: Path

    def profile(self, name: str) -> Profile:
        found = self.profiles.get(name)
        if found is not None:
            return found
        import difflib

        known = ", ".join(sorted(self.profiles))
        close = difflib.get_close_matches(name, list(self.profiles), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise ConfigError(
            f"{display_path(self.path)}: unknown profile {name!r} — {hint}known profiles: {known} "
            f"(add [profiles.{name}] to the file to define it)",
            file=display_path(self.path),
            field=f"profiles.{name}",
        )

    @property
    def default_name(self) -> str:
        return self.default_profile or BUILTIN_SANDBOX.name


def load_config(path: Path | None = None) -> Config:
    """Read and validate config.toml. A missing file is not an error: you get the built-in
    sandbox profile only."""
    target = path if path is not None else config_file()
    shown = display_path(target)
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        return Config({BUILTIN_SANDBOX.name: BUILTIN_SANDBOX}, None, None, target)
    except OSError as exc:
        raise ConfigError(
            f"{shown}: cannot read the file ({exc.strerror}) — check its permissions", file=shown
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{shown}, line {line}: the file is not UTF-8 text — save it as UTF-8", file=shown, line=line
        ) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(shown, text, exc) from None
    return _Validator(shown, text, target).config(document)


def _syntax_error(shown: str, text: str, exc: tomllib.TOMLDecodeError) -> ConfigError:
    message = str(exc)
    lines = text.splitlines()
    found = _TOML_POSITION.search(message)
    if found:
        line, where = int(found.group(1)), f"line {found.group(1)}, column {found.group(2)}"
        problem = _TOML_POSITION.sub("", message)
    else:
        # tomllib says "(at end of document)" for an unclosed string or a duplicate key on
        # the last line: that line is still worth naming.
        problem = _TOML_END.sub("", message)
        line = max(1, len(lines))
        where = f"line {line}"
    # Name the key on that line, never its value: the bad line may hold a pasted secret.
    near = ""
    if 0 < line <= len(lines):
        key = re.match(r"\s*\[*\s*([A-Za-z0-9_.\-\"' ]+?)\s*(?:=|\]|$)", lines[line - 1])
        if key and key.group(1).strip():
            near = key.group(1).strip()
    return ConfigError(
        f"{shown}, {where}: invalid TOML" + (f" near `{near}`" if near else "") + f": {problem} — "
        f"{_syntax_hint(problem)}",
        file=shown,
        line=line,
        field=near or None,
    )


def _syntax_hint(problem: str) -> str:
    """The usual cause of each tomllib complaint, said the way a fix is typed."""
    if problem.startswith(("Cannot overwrite", "Cannot declare", "Cannot mutate")):
        return "a key or [table] is written twice; keep one of them"
    # A line break inside a string shows up as "Illegal character '\\n'".
    if problem.startswith("Unterminated string") or problem.startswith("Illegal character '\\n'"):
        return 'close the string with a double quote on the same line, e.g. kind = "test"'
    if problem.startswith("Expected ']'"):
        return "close the table name with ], e.g. [profiles.qa]"
    return 'fix the syntax there (strings need double quotes, e.g. kind = "test")'


# --- locating keys in the text ---------------------------------------------------------------

_HEADER = re.compile(r"^\[\[?\s*(?P<key>[^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(
    r"^(?P<key>(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*="
)
_INLINE_KEY = re.compile(r"[{,]\s*(?P<key>[A-Za-z0-9_-]+|\"[^\"]*\")\s*=")


def _split_key(dotted: str) -> tuple[str, ...]:
    parts = re.findall(r"\"[^\"]*\"|'[^']*'|[^.\s]+", dotted)
    return tuple(part[1:-1] if part[:1] in "\"'" else part for part in parts)


class _Lines:
    """Where each table and key first appears. tomllib gives no positions for values, so a
    light scan of the text finds them (best effort: a key inside a multi-line string can
    mislead it, and then the table's own line is used)."""

    def __init__(self, text: str) -> None:
        self.where: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            header = _HEADER.match(line)
            if header:
                table = _split_key(header.group("key"))
                self._mark(table, number, start=1)
                continue
            assign = _ASSIGN.match(line)
            if assign:
                key = table + _split_key(assign.group("key"))
                self._mark(key, number, start=len(table) + 1)
                rest = line[assign.end() :]
                if "{" in rest:
                    for inner in _INLINE_KEY.finditer(rest):
                        self.where.setdefault((*key, *_split_key(inner.group("key"))), number)

    def _mark(self, key: tuple[str, ...], number: int, *, start: int) -> None:
        for end in range(max(start, 1), len(key) + 1):
            self.where.setdefault(key[:end], number)

    def line(self, *path: str) -> int:
        key = tuple(path)
        while key:
            if key in self.where:
                return self.where[key]
            key = key[:-1]
        return 1


# --- validation --------------------------------------------------------------------------------


def _show(value: Any) -> str:
    """A value as it would be written in TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        import json

        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _looks_secret(key: str) -> bool:
    lowered = key.lower()
    return lowered not in SECRET_SOURCES and any(word in lowered for word in _SECRET_WORDS)


class _Validator:
    def __init__(self, shown: str, text: str, path: Path) -> None:
        self.shown = shown
        self.lines = _Lines(text)
        self.path = path

    def error(self, where: tuple[str, ...], problem: str, fix: str) -> ConfigError:
        line = self.lines.line(*where)
        dotted = ".".join(where)
        return ConfigError(
            f"{self.shown}, line {line}: {dotted} {problem} — {fix}",
            file=self.shown,
            line=line,
            field=dotted,
        )

    def check_keys(self, where: tuple[str, ...], table: Mapping[str, Any], known: tuple[str, ...]) -> None:
        import difflib

        for key in table:
            if key in known:
                continue
            here = (*where, key)
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
            if close:
                raise self.error(here, "is not a known key", f"did you mean {close[0]}?")
            if _looks_secret(key):
                # Never echo the value: it is probably the secret.
                raise self.error(
                    here,
                    "looks like a secret, and secrets are never stored in config.toml",
                    f"remove it and use {_SECRET_SOURCES_HELP}",
                )
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}? " if close else ""
            raise self.error(here, "is not a known key", f"{hint}known keys: {', '.join(known)}")

    def config(self, document: dict[str, Any]) -> Config:
        self.check_keys((), document, TOP_KEYS)
        profiles: dict[str, Profile] = {BUILTIN_SANDBOX.name: BUILTIN_SANDBOX}
        section = document.get("profiles", {})
        if not isinstance(section, dict):
            raise self.error(("profiles",), "must be a table", "write each profile as [profiles.NAME]")
        for name, table in section.items():
            profiles[name] = self.profile(name, table)
        settings = document.get("settings", {})
        if not isinstance(settings, dict):
            raise self.error(("settings",), "must be a table", "write it as [settings]")
        self.check_keys(("settings",), settings, SETTINGS_KEYS)
        default = self.optional_str(("settings", "default_profile"), settings.get("default_profile"))
        if default is not None and default not in profiles:
            import difflib

            close = difflib.get_close_matches(default, list(profiles), n=1)
            fix = f'use default_profile = "{close[0]}"' if close else f"use one of {', '.join(profiles)}"
            raise self.error(
                ("settings", "default_profile"), f"= {_show(default)} is not a defined profile", fix
            )
        theme = self.optional_str(("settings", "theme"), settings.get("theme"))
        return Config(profiles, default, theme, self.path)

    def profile(self, name: str, table: Any) -> Profile:
        where = ("profiles", name)
        if not _PROFILE_NAME.fullmatch(name):
            raise self.error(
                where,
                "has a name that cannot be typed on a command line",
                "use letters, digits, '-', '_' or '.', e.g. [profiles.qa-kz]",
            )
        if not isinstance(table, dict):
            raise self.error(where, "must be a table", f"write it as [profiles.{name}] followed by its keys")
        self.check_keys(where, table, PROFILE_KEYS)
        base = BUILTIN_SANDBOX if name == BUILTIN_SANDBOX.name else None

        kind = self.kind(where, table.get("kind"), default=base.kind if base else None)
        base_url = self.url(where, "base_url", table.get("base_url"), kind)
        auth_id = self.auth_id(where, table.get("auth_id"), kind)
        alg = self.alg(where, table.get("alg", "HS512"))
        sources = {key: table[key] for key in SECRET_SOURCES if key in table}
        secret_env, secret_command, secret_file = self.secret_sources(where, sources, kind)
        read_only = self.boolean(where, "read_only", table.get("read_only", kind == "production"))
        connect_timeout = self.seconds(where, "connect_timeout", table.get("connect_timeout"), 5.0)
        read_timeout = self.seconds(where, "read_timeout", table.get("read_timeout"), 30.0)
        proxy = self.proxy(where, table.get("proxy"))
        ca_bundle = self.ca_bundle(where, table.get("ca_bundle"))
        key_lines = {key: self.lines.line(*where, key) for key in table}
        return Profile(
            name=name,
            kind=kind,
            base_url=base_url,
            auth_id=auth_id,
            alg=alg,
            secret_env=secret_env,
            secret_command=secret_command,
            secret_file=secret_file,
            read_only=read_only,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            proxy=proxy,
            ca_bundle=ca_bundle,
            source=self.shown,
            key_lines=key_lines,
        )

    # --- one field each ---

    def kind(self, where: tuple[str, ...], value: Any, *, default: Kind | None) -> Kind:
        if value is None:
            if default is not None:
                return default
            raise self.error(
                (*where, "kind"), "is missing", 'add kind = "sandbox", kind = "test" or kind = "production"'
            )
        if value in KINDS:
            return cast(Kind, value)
        import difflib

        guess = str(value).lower() if isinstance(value, str) else ""
        close = difflib.get_close_matches(guess, KINDS, n=1, cutoff=0.3)
        if not close:
            close = [k for k in KINDS if guess and k.startswith(guess[:3])]
        fix = f'use kind = "{close[0]}"' if close else 'use kind = "test" (or "sandbox", "production")'
        raise self.error((*where, "kind"), f"= {_show(value)} is not one of {', '.join(KINDS)}", fix)

    def url(
        self,
        where: tuple[str, ...],
        key: str,
        value: Any,
        kind: Kind | None,
        *,
        schemes: tuple[str, ...] = ("http", "https"),
    ) -> str | None:
        here = (*where, key)
        if value is None:
            if kind in ("test", "production"):
                example = "https://test-api.freedompay.kz" if kind == "test" else "https://api.freedompay.kz"
                raise self.error(here, "is missing", f'a {kind} profile needs base_url = "{example}"')
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(here, f"= {_show(value)} must be a URL", f'e.g. {key} = "https://host.example"')
        from urllib.parse import urlsplit

        text = value.strip()
        parts = urlsplit(text)
        if parts.scheme.lower() not in schemes or not parts.hostname:
            if "://" not in text:
                fix = f'use {key} = "{schemes[-1] if key == "base_url" else schemes[0]}://{text}"'
            else:
                fix = f"it must start with {' or '.join(s + '://' for s in schemes)} and name a host"
            raise self.error(here, f"= {_show(value)} is not a valid URL", fix)
        if key == "base_url" and kind == "production" and parts.scheme.lower() != "https":
            # Card data travels over this connection; plain http is a mistake on production.
            raise self.error(
                here, f"= {_show(value)} is not https", f'use base_url = "https://{parts.netloc}{parts.path}"'
            )
        return text.rstrip("/") if key == "base_url" else text

    def proxy(self, where: tuple[str, ...], value: Any) -> str | None:
        proxy = self.url(where, "proxy", value, None, schemes=("http", "https", "socks5", "socks5h"))
        if proxy is not None and proxy.lower().startswith("socks"):
            import importlib.util

            # httpx needs the optional socksio package for SOCKS; without it every call would
            # fail with an ImportError, so say it here, where the proxy is named.
            if importlib.util.find_spec("socksio") is None:
                raise self.error(
                    (*where, "proxy"),
                    f"= {_show(proxy)} needs SOCKS support, which is not installed",
                    "run pip install 'httpx[socks]' in fpconsole's environment, or use an http:// proxy",
                )
        return proxy

    def ca_bundle(self, where: tuple[str, ...], value: Any) -> str | None:
        """Checked when the file is loaded (a stat, no parsing): a CA bundle that is not there
        would otherwise fail every call of the profile with a bare FileNotFoundError."""
        text = self.optional_str((*where, "ca_bundle"), value)
        if text is None:
            return None
        path = Path(text).expanduser()
        if not path.exists():
            raise self.error(
                (*where, "ca_bundle"),
                f"= {_show(text)}: {path} does not exist",
                "give the path of a PEM file of CA certificates (your company's TLS root)",
            )
        if not os.access(path, os.R_OK):
            raise self.error(
                (*where, "ca_bundle"),
                f"= {_show(text)}: {path} cannot be read",
                f"check its permissions (chmod a+r {path} — a CA bundle is not secret)",
            )
        return str(path)

    def auth_id(self, where: tuple[str, ...], value: Any, kind: Kind) -> str:
        here = (*where, "auth_id")
        if value is None:
            if kind == "sandbox":
                return BUILTIN_SANDBOX_AUTH_ID
            raise self.error(
                here, "is missing", f'a {kind} profile needs auth_id = "<partner id from Freedom Pay>"'
            )
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return str(value)  # a bare number is what people type; it means the same id
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise self.error(here, f"= {_show(value)} is not a partner id", 'use auth_id = "123456"')

    def alg(self, where: tuple[str, ...], value: Any) -> Alg:
        if value in ALGS:
            return cast(Alg, value)
        upper = value.upper() if isinstance(value, str) else ""
        fix = f'use alg = "{upper}"' if upper in ALGS else 'use alg = "HS512" (default) or alg = "HS256"'
        raise self.error((*where, "alg"), f"= {_show(value)} is not one of {', '.join(ALGS)}", fix)

    def secret_sources(
        self, where: tuple[str, ...], sources: dict[str, Any], kind: Kind
    ) -> tuple[str | None, str | None, str | None]:
        if len(sources) > 1:
            names = sorted(sources, key=SECRET_SOURCES.index)
            raise self.error(
                (*where, names[1]),
                f"conflicts with {names[0]}: a profile takes exactly one secret source",
                f"keep one of {', '.join(names)}",
            )
        if not sources and kind != "sandbox":
            raise self.error(where, "has no secret source", f"add one of {_SECRET_SOURCES_HELP}")
        env = sources.get("secret_env")
        command = sources.get("secret_command")
        path = sources.get("secret_file")
        if env is not None and (not isinstance(env, str) or not _ENV_NAME.fullmatch(env)):
            # Not echoed: people paste the secret itself here.
            raise self.error(
                (*where, "secret_env"),
                "must be the NAME of an environment variable (letters, digits, _), not the secret",
                'e.g. secret_env = "FP_QA_SECRET", then export FP_QA_SECRET=...',
            )
        if command is not None:
            import shlex

            if not isinstance(command, str) or not command.strip():
                raise self.error(
                    (*where, "secret_command"),
                    "must be a command line",
                    'e.g. secret_command = "pass show fp/qa"',
                )
            try:
                shlex.split(command)
            except ValueError as exc:
                raise self.error(
                    (*where, "secret_command"), f"cannot be parsed ({exc})", "check its quotes"
                ) from None
        if path is not None and (not isinstance(path, str) or not path.strip()):
            raise self.error(
                (*where, "secret_file"),
                "must be a file path",
                'e.g. secret_file = "~/.config/fpconsole/qa.secret"',
            )
        return env, command, path

    def boolean(self, where: tuple[str, ...], key: str, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        meant = {
            "true": True,
            "yes": True,
            "on": True,
            "1": True,
            "false": False,
            "no": False,
            "off": False,
            "0": False,
        }
        guess = meant.get(str(value).strip().lower())
        fix = f"use {key} = {_show(guess)}" if guess is not None else f"use {key} = true or {key} = false"
        raise self.error((*where, key), f"= {_show(value)} must be true or false (no quotes)", fix)

    def seconds(self, where: tuple[str, ...], key: str, value: Any, default: float) -> float:
        if value is None:
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 and value < 3600:
            return float(value)
        raise self.error(
            (*where, key),
            f"= {_show(value)} must be a positive number of seconds (below 3600)",
            f"e.g. {key} = {default}",
        )

    def optional_str(self, where: tuple[str, ...], value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise self.error(where, f"= {_show(value)} must be a non-empty string", f'e.g. {where[-1]} = "..."')
