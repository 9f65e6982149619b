"""Profiles and settings from `config.toml`, validated with messages that say where and how to
fix a mistake.

One module a job: `model` (Profile, Config and the built-in sandbox), `load` (find, read and
check the file), `validate` (each key's rules), `toml` (text, syntax errors, key lines),
`resolve` (the profile a process runs with; read-only decided there), `secrets` (fetching a
partner secret from a file or a command) and `errors`. Callers import from here.
"""

from fpconsole.config.errors import ConfigError, ConfigWarning, SecretFileError
from fpconsole.config.load import load_config
from fpconsole.config.model import (
    ALGS,
    BUILTIN_SANDBOX,
    BUILTIN_SANDBOX_AUTH_ID,
    BUILTIN_SANDBOX_SECRET,
    BUILTIN_SOURCE,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    KINDS,
    SECRET_SOURCES,
    Alg,
    Config,
    Kind,
    Profile,
)
from fpconsole.config.resolve import ResolvedProfile, read_only_reason, resolve_profile, resolved
from fpconsole.config.secrets import SecretError

__all__ = [
    "ALGS",
    "BUILTIN_SANDBOX",
    "BUILTIN_SANDBOX_AUTH_ID",
    "BUILTIN_SANDBOX_SECRET",
    "BUILTIN_SOURCE",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_READ_TIMEOUT",
    "KINDS",
    "SECRET_SOURCES",
    "Alg",
    "Config",
    "ConfigError",
    "ConfigWarning",
    "Kind",
    "Profile",
    "ResolvedProfile",
    "SecretError",
    "SecretFileError",
    "load_config",
    "read_only_reason",
    "resolve_profile",
    "resolved",
]
