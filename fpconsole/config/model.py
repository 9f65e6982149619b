"""A profile and the config it comes from, as plain frozen values: what `load_config` builds
and everything else reads.

Secrets never live in config.toml: a profile names where to get one (an environment variable,
a command, or a 0600 file) and `Profile.resolve_secret()` fetches it only when a connection is
made. Plain code over pydantic on purpose: this is on the start path of every command.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, TypeAlias

# The built-in profile signs as the sandbox's built-in partner (written once, in the API core);
# re-exported (`as`) because config.validate and config/__init__ read them from here.
from fpconsole.api.sandbox_partner import BUILTIN_SANDBOX_AUTH_ID as BUILTIN_SANDBOX_AUTH_ID
from fpconsole.api.sandbox_partner import BUILTIN_SANDBOX_SECRET as BUILTIN_SANDBOX_SECRET
from fpconsole.config.errors import ConfigError, ConfigWarning, SecretFileError
from fpconsole.config.secrets import SecretError, SecretFileProblem, read_secret_file, run_secret_command
from fpconsole.locations import display_path

if TYPE_CHECKING:
    import ssl

Kind: TypeAlias = Literal["sandbox", "test", "production"]
Alg: TypeAlias = Literal["HS512", "HS256"]

KINDS: Final[tuple[Kind, ...]] = ("sandbox", "test", "production")
ALGS: Final[tuple[Alg, ...]] = ("HS512", "HS256")

BUILTIN_SOURCE: Final = "built-in"

DEFAULT_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_READ_TIMEOUT: Final = 30.0
SECRET_COMMAND_TIMEOUT: Final = 10.0

SECRET_SOURCES: Final = ("secret_env", "secret_command", "secret_file")

SECRET_SOURCES_HELP: Final = (
    'secret_env = "FP_QA_SECRET", secret_command = "pass show fp/qa" '
    'or secret_file = "~/.config/fpconsole/qa.secret" (mode 0600)'
)


def read_only_by_default(kind: Kind | None) -> bool:
    """A production profile without `read_only = false` only reads (what `--read-only` adds
    is decided in resolve.read_only_reason)."""
    return kind == "production"


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

        # user:password@ in a base_url must not reach a screen or a table.
        return urlsplit(self.base_url).netloc.rpartition("@")[2]

    @property
    def is_embedded_sandbox(self) -> bool:
        return self.kind == "sandbox" and self.base_url is None

    @property
    def uses_builtin_secret(self) -> bool:
        """No secret to read: the built-in sandbox's own, which cannot fail."""
        return not (self.secret_env or self.secret_command or self.secret_file)

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
            return run_secret_command(self.name, self.secret_command, SECRET_COMMAND_TIMEOUT)
        if self.secret_file:
            return self._read_secret_file(self.secret_file)
        if self.kind == "sandbox":
            return BUILTIN_SANDBOX_SECRET
        # load_config refuses this; reachable only for hand-built profiles.
        raise SecretError(f"profile {self.name}: no secret source — set one of {SECRET_SOURCES_HELP}")

    def _read_secret_file(self, configured: str) -> str:
        try:
            try:
                path = Path(configured).expanduser()
            except (RuntimeError, KeyError):  # load_config refuses these; a hand-built profile
                raise SecretFileProblem("the home folder in it is unknown", "write the full path") from None
            return read_secret_file(self.name, path)
        except SecretFileProblem as exc:
            # A path that cannot hold the secret is a mistake in the file: say where it is.
            raise SecretFileError(
                f'{self._where("secret_file")}profiles.{self.name}.secret_file = "{configured}": {exc}',
                file=self.source,
                line=self.key_lines.get("secret_file"),
                field=f"profiles.{self.name}.secret_file",
            ) from None

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


BUILTIN_SANDBOX: Final = Profile(
    name="sandbox",
    kind="sandbox",
    base_url=None,
    auth_id=BUILTIN_SANDBOX_AUTH_ID,
    source=BUILTIN_SOURCE,
)


@dataclass(frozen=True, slots=True)
class AuditSettings:
    """`[audit]`: a team's append-only copy of the journal's audit trail (store/audit_copy.py)."""

    copy_to: Path | None = None  # a JSON-lines file, opened O_APPEND
    syslog: bool = False  # the local syslog socket


@dataclass(frozen=True, slots=True)
class KeySetting:
    """One line of `[keys]`: a binding id and the keys given to it, with the line it is on. The
    console checks the id and the key names against its bindings (fpconsole.tui.keymap): this
    core knows no Textual."""

    binding_id: str  # "form.submit", written `form.submit = ...` or under [keys.form]
    keys: tuple[str, ...]  # as written, e.g. ("f9", "ctrl+s")
    line: int


@dataclass(frozen=True)
class Config:
    profiles: dict[str, Profile]
    default_profile: str | None
    theme: str | None
    path: Path
    # Mistakes that stop nothing (load_config has also warned about each).
    warnings: tuple[ConfigWarning, ...] = ()
    audit: AuditSettings = AuditSettings()
    mouse: bool = True  # settings.mouse: false leaves the mouse to the terminal (select, copy)
    keys: tuple[KeySetting, ...] = ()  # [keys], in the order of the file

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
