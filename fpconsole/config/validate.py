"""config.toml's document checked key by key into a `Config`: every mistake found at once,
each a ConfigError naming the file, the line and the field, and ending with the fix
(`... is not one of sandbox, test, production — use kind = "production"`). Unknown keys are
errors with a "did you mean" so a typo never silently falls back to a default."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final, TypeVar, cast

from fpconsole.config.errors import ConfigError, ConfigWarning
from fpconsole.config.model import (
    ALGS,
    BUILTIN_SANDBOX,
    BUILTIN_SANDBOX_AUTH_ID,
    KINDS,
    SECRET_SOURCES,
    SECRET_SOURCES_HELP,
    Alg,
    AuditSettings,
    Config,
    KeySetting,
    Kind,
    Profile,
    read_only_by_default,
)
from fpconsole.config.secrets import describe_file_type
from fpconsole.config.toml import KeyLines
from fpconsole.locations import display_path

T = TypeVar("T")

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
SETTINGS_KEYS: Final = ("default_profile", "theme", "mouse")
AUDIT_KEYS: Final = ("copy_to", "syslog")
TOP_KEYS: Final = ("profiles", "settings", "audit", "keys")
# Key names that mean someone is about to paste a secret into the file.
_SECRET_WORDS: Final = ("secret", "password", "passwd", "token", "api_key", "private_key")
_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_URL_PASSWORD = re.compile(r"^((?:[^:/?#]*://)?[^:/?#@]*:)[^/?#@]*@")


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


def _mask_password(url: str) -> str:
    """`http://user:***@proxy:3128`: the password of a URL is never repeated in a message."""
    return _URL_PASSWORD.sub(r"\1***@", url)


def _looks_secret(key: str) -> bool:
    lowered = key.lower()
    return lowered not in SECRET_SOURCES and any(word in lowered for word in _SECRET_WORDS)


class Validator:
    """Checks the whole document and collects every mistake: an operator fixing a file wants
    them all at once, not one per run. A value that is wrong is reported once; checks that
    depend on it (a test profile needs a base_url) are skipped rather than piled on."""

    def __init__(self, shown: str, text: str, path: Path) -> None:
        self.shown = shown
        self.lines = KeyLines(text)
        self.path = path
        self.problems: list[ConfigError] = []
        self.warnings: list[ConfigWarning] = []

    def error(self, where: tuple[str, ...], problem: str, fix: str) -> ConfigError:
        line = self.lines.line(*where)
        dotted = ".".join(where)
        return ConfigError(
            f"{self.shown}, line {line}: {dotted} {problem} — {fix}",
            file=self.shown,
            line=line,
            field=dotted,
        )

    def attempt(self, check: Callable[[], T], fallback: T) -> T:
        """The check's value, or `fallback` once its ConfigError is noted."""
        try:
            return check()
        except ConfigError as exc:
            self.problems.append(exc)
            return fallback

    def check_keys(self, where: tuple[str, ...], table: Mapping[str, Any], known: tuple[str, ...]) -> None:
        for key in table:
            if key not in known:
                self.problems.append(self.unknown_key((*where, key), known))

    def unknown_key(self, here: tuple[str, ...], known: tuple[str, ...]) -> ConfigError:
        import difflib

        key = here[-1]
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
        if close:
            return self.error(here, "is not a known key", f"did you mean {close[0]}?")
        if _looks_secret(key):
            # Never echo the value: it is probably the secret.
            return self.error(
                here,
                "looks like a secret, and secrets are never stored in config.toml",
                f"remove it and use {SECRET_SOURCES_HELP}",
            )
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}? " if close else ""
        return self.error(here, "is not a known key", f"{hint}known keys: {', '.join(known)}")

    def config(self, document: dict[str, Any]) -> Config:
        self.check_keys((), document, TOP_KEYS)
        profiles: dict[str, Profile] = {BUILTIN_SANDBOX.name: BUILTIN_SANDBOX}
        section = document.get("profiles", {})
        defined: list[str] | None = [*profiles, *section] if isinstance(section, dict) else None
        if not isinstance(section, dict):
            self.problems.append(
                self.error(("profiles",), "must be a table", "write each profile as [profiles.NAME]")
            )
            section = {}
        for name, table in section.items():
            profile = self.profile(name, table)
            if profile is not None:
                profiles[name] = profile
        default, theme = self.settings(document.get("settings", {}), defined)
        audit = self.audit(document.get("audit", {}))
        mouse, keys = self.mouse(document.get("settings", {})), self.keys(document.get("keys", {}))
        if self.problems:
            # In the order of the file; sorted() keeps the order found within a line.
            raise ConfigError.of(sorted(self.problems, key=lambda p: p.line or 0), self.warnings)
        return Config(profiles, default, theme, self.path, tuple(self.warnings), audit, mouse, keys)

    def mouse(self, settings: Any) -> bool:
        if not isinstance(settings, dict):
            return True  # said by settings()
        return self.attempt(lambda: self.boolean(("settings",), "mouse", settings.get("mouse", True)), True)

    def keys(self, table: Any, where: tuple[str, ...] = ("keys",)) -> tuple[KeySetting, ...]:
        """`[keys]`: binding id = "key,key" (or a list of keys). `form.submit = ...` and a
        [keys.form] table with `submit = ...` mean the same. Only the shape is checked here;
        whether the id and the key names exist is the console's to say (it knows its bindings)."""
        if not isinstance(table, dict):
            example = 'e.g. [keys] then form.submit = "f9,ctrl+s"'
            self.problems.append(self.error(where, "must be a table", example))
            return ()
        found: list[KeySetting] = []
        for name, value in table.items():
            here = (*where, name)
            if isinstance(value, dict):
                found += self.keys(value, here)
                continue
            try:
                keys = self.key_list(here, value)
            except ConfigError as exc:
                self.problems.append(exc)
                continue
            found.append(KeySetting(".".join(here[1:]), keys, self.lines.line(*here)))
        return tuple(found)

    def key_list(self, here: tuple[str, ...], value: Any) -> tuple[str, ...]:
        fix = f'e.g. {".".join(here[1:])} = "f9,ctrl+s" (keys separated by commas)'
        items = value if isinstance(value, list) else value.split(",") if isinstance(value, str) else None
        if items is None or not all(isinstance(item, str) for item in items):
            raise self.error(here, f"= {_show(value)} must be a string of keys", fix)
        keys = tuple(item.strip() for item in items)
        if not keys or any(not key or any(char.isspace() for char in key) for key in keys):
            raise self.error(here, f"= {_show(value)} has an empty or spaced key name", fix)
        return keys

    def audit(self, table: Any) -> AuditSettings:
        """`[audit]`: copy_to (a file path) and syslog (true/false)."""
        if not isinstance(table, dict):
            self.problems.append(
                self.error(
                    ("audit",), "must be a table", 'write it as [audit] with copy_to = "..." or syslog = true'
                )
            )
            return AuditSettings()
        self.check_keys(("audit",), table, AUDIT_KEYS)
        here = ("audit", "copy_to")
        text = self.attempt(lambda: self.optional_str(here, table.get("copy_to")), None)
        copy_to = self.attempt(lambda: self.copy_path(here, text), None) if text else None
        syslog = self.attempt(lambda: self.boolean(("audit",), "syslog", table.get("syslog", False)), False)
        return AuditSettings(copy_to, syslog)

    def copy_path(self, here: tuple[str, ...], text: str) -> Path:
        path = self.path_value(here, text)
        if not path.is_absolute():
            # Relative to what? Each console starts in another folder.
            raise self.error(
                here,
                f"= {_show(text)} must be an absolute path",
                'e.g. copy_to = "/srv/fpconsole/audit.jsonl"',
            )
        return path

    def settings(self, settings: Any, defined: list[str] | None) -> tuple[str | None, str | None]:
        """default_profile and theme. `defined` includes profiles with mistakes: naming one of
        them is not a second mistake; None when the profiles could not be read at all."""
        if not isinstance(settings, dict):
            self.problems.append(self.error(("settings",), "must be a table", "write it as [settings]"))
            return None, None
        self.check_keys(("settings",), settings, SETTINGS_KEYS)
        here = ("settings", "default_profile")
        default = self.attempt(lambda: self.optional_str(here, settings.get("default_profile")), None)
        if default is not None and defined is not None and default not in defined:
            import difflib

            known = list(dict.fromkeys(defined))
            close = difflib.get_close_matches(default, known, n=1)
            fix = f'use default_profile = "{close[0]}"' if close else f"use one of {', '.join(known)}"
            self.problems.append(self.error(here, f"= {_show(default)} is not a defined profile", fix))
            default = None
        theme = self.attempt(lambda: self.theme(settings.get("theme")), None)
        return default, theme

    def theme(self, value: Any) -> str | None:
        """One of the console's themes or the user's (the console offers no others). Another
        name is a warning, not an error: a typo in how the console looks must not stop a script,
        and the console starts in its default theme (and says so). The name is kept as written."""
        here = ("settings", "theme")
        name = self.optional_str(here, value)
        if name is None:
            return None
        # Textual-free: reads the theme files' names only, as the console would find them.
        from fpconsole.theme_files import DEFAULT_THEME, read_theme_tables, user_theme_folder

        found = read_theme_tables()
        names = sorted({table.name for table in found.tables if table.name})
        if name in names:
            return name
        import difflib

        close = difflib.get_close_matches(name, names, n=1)
        hint = f'use theme = "{close[0]}"; ' if close else ""
        fix = (
            f"{hint}themes: {', '.join(names) or 'none found'} "
            f"(your own go in {display_path(user_theme_folder())}/NAME.toml)"
        )
        if found.problems:
            fix += f"; a theme file could not be read: {found.problems[0]}"
        problem = self.error(here, f"= {_show(name)} is not a theme (the console uses {DEFAULT_THEME})", fix)
        self.warnings.append(
            ConfigWarning(str(problem), file=problem.file, line=problem.line, field=problem.field)
        )
        return name

    def profile(self, name: str, table: Any) -> Profile | None:
        """The profile, or None when it has mistakes (each one noted)."""
        where = ("profiles", name)
        before = len(self.problems)
        if not _PROFILE_NAME.fullmatch(name):
            self.problems.append(
                self.error(
                    where,
                    "has a name that cannot be typed on a command line",
                    "use letters, digits, '-', '_' or '.', e.g. [profiles.qa-kz]",
                )
            )
        if not isinstance(table, dict):
            self.problems.append(
                self.error(where, "must be a table", f"write it as [profiles.{name}] followed by its keys")
            )
            return None
        self.check_keys(where, table, PROFILE_KEYS)
        base = BUILTIN_SANDBOX if name == BUILTIN_SANDBOX.name else None

        default_kind = base.kind if base else None
        kind: Kind | None = self.attempt(
            lambda: self.kind(where, table.get("kind"), default=default_kind), None
        )
        base_url = self.attempt(lambda: self.url(where, "base_url", table.get("base_url"), kind), None)
        auth_id = self.attempt(lambda: self.auth_id(where, table.get("auth_id"), kind), "")
        alg: Alg = self.attempt(lambda: self.alg(where, table.get("alg", "HS512")), "HS512")
        sources = {key: table[key] for key in SECRET_SOURCES if key in table}
        secret_env, secret_command, secret_file = self.secret_sources(where, sources, kind)
        read_only = self.attempt(
            lambda: self.boolean(where, "read_only", table.get("read_only", read_only_by_default(kind))),
            True,
        )
        connect_timeout = self.attempt(
            lambda: self.seconds(where, "connect_timeout", table.get("connect_timeout"), 5.0), 5.0
        )
        read_timeout = self.attempt(
            lambda: self.seconds(where, "read_timeout", table.get("read_timeout"), 30.0), 30.0
        )
        proxy = self.attempt(lambda: self.proxy(where, table.get("proxy")), None)
        ca_bundle = self.attempt(lambda: self.ca_bundle(where, table.get("ca_bundle")), None)
        if kind is None or len(self.problems) > before:
            return None
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
        # A proxy URL may carry a password: messages show *** in its place.
        masked = _mask_password(text)
        if any(char.isspace() or not char.isprintable() for char in text):
            # urlsplit drops tabs and newlines silently; httpx refuses them at the first call.
            raise self.error(
                here,
                f"= {_show(masked)} contains a space or a control character",
                "remove it (a space in a path is written %20)",
            )
        try:
            parts = urlsplit(text)
        except ValueError as exc:
            raise self.error(
                here,
                f"= {_show(masked)} is not a valid URL ({exc})",
                "write an IPv6 address in brackets, e.g. https://[2001:db8::1]:8443",
            ) from None
        if parts.scheme.lower() not in schemes or not parts.hostname:
            if "://" not in text:
                fix = f'use {key} = "{schemes[-1] if key == "base_url" else schemes[0]}://{masked}"'
            else:
                fix = f"it must start with {' or '.join(s + '://' for s in schemes)} and name a host"
            raise self.error(here, f"= {_show(masked)} is not a valid URL", fix)
        self.port(here, masked, parts.netloc)
        if key == "base_url" and kind == "production" and parts.scheme.lower() != "https":
            # Card data travels over this connection; plain http is a mistake on production.
            raise self.error(
                here,
                f"= {_show(masked)} is not https",
                f'use base_url = "https://{parts.netloc}{parts.path}"',
            )
        return text.rstrip("/") if key == "base_url" else text

    def port(self, here: tuple[str, ...], shown_url: str, netloc: str) -> None:
        """urlsplit accepts any port text until .port is read, and a client given port 99999
        fails with a traceback at the first call: refuse it here, where it is written."""
        from urllib.parse import urlsplit

        try:
            port = urlsplit(f"//{netloc}").port
        except ValueError:
            port = None
        else:
            if port is None or port > 0:
                return
        raw = netloc.rpartition("@")[2].rpartition("]")[2].rpartition(":")[2]
        shown = str(int(raw)) if raw.isascii() and raw.isdigit() else _show(raw)
        raise self.error(
            here,
            f"= {_show(shown_url)} has port {shown}, which is not a port number (1 to 65535)",
            "use a port from 1 to 65535, or leave it out for the scheme's default",
        )

    def proxy(self, where: tuple[str, ...], value: Any) -> str | None:
        proxy = self.url(where, "proxy", value, None, schemes=("http", "https", "socks5", "socks5h"))
        if proxy is not None and proxy.lower().startswith("socks"):
            import importlib.util

            # httpx needs the optional socksio package for SOCKS; without it every call would
            # fail with an ImportError, so say it here, where the proxy is named.
            if importlib.util.find_spec("socksio") is None:
                raise self.error(
                    (*where, "proxy"),
                    f"= {_show(_mask_password(proxy))} needs SOCKS support, which is not installed",
                    "run pip install 'httpx[socks]' in fpconsole's environment, or use an http:// proxy",
                )
        return proxy

    def ca_bundle(self, where: tuple[str, ...], value: Any) -> str | None:
        """Checked when the file is loaded (a stat, no parsing): a CA bundle that is not there
        would otherwise fail every call of the profile with a bare FileNotFoundError."""
        text = self.optional_str((*where, "ca_bundle"), value)
        if text is None:
            return None
        path = self.path_value((*where, "ca_bundle"), text)
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise self.error(
                (*where, "ca_bundle"),
                f"= {_show(text)}: {path} does not exist",
                "give the path of a PEM file of CA certificates (your company's TLS root)",
            ) from None
        except OSError as exc:  # a name too long, a loop of links, a folder we may not enter
            raise self.error(
                (*where, "ca_bundle"),
                f"= {_show(text)}: {path} cannot be used ({exc.strerror})",
                "give the path of a PEM file of CA certificates (your company's TLS root)",
            ) from None
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            # OpenSSL would wait on a FIFO for ever, or read a device without end.
            raise self.error(
                (*where, "ca_bundle"),
                f"= {_show(text)}: {path} is {describe_file_type(mode)}, not a file or a folder",
                "give the path of a PEM file of CA certificates (or a c_rehash folder of them)",
            )
        if not os.access(path, os.R_OK):
            raise self.error(
                (*where, "ca_bundle"),
                f"= {_show(text)}: {path} cannot be read",
                f"check its permissions (chmod a+r {path} — a CA bundle is not secret)",
            )
        return str(path)

    def auth_id(self, where: tuple[str, ...], value: Any, kind: Kind | None) -> str:
        here = (*where, "auth_id")
        if value is None:
            if kind == "sandbox":
                return BUILTIN_SANDBOX_AUTH_ID
            if kind is None:
                return ""  # whether one is needed depends on the kind, already reported
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
        self, where: tuple[str, ...], sources: dict[str, Any], kind: Kind | None
    ) -> tuple[str | None, str | None, str | None]:
        if len(sources) > 1:
            names = sorted(sources, key=SECRET_SOURCES.index)
            self.problems.append(
                self.error(
                    (*where, names[1]),
                    f"conflicts with {names[0]}: a profile takes exactly one secret source",
                    f"keep one of {', '.join(names)}",
                )
            )
        if not sources and kind not in ("sandbox", None):
            self.problems.append(
                self.error(where, "has no secret source", f"add one of {SECRET_SOURCES_HELP}")
            )
        env = self.attempt(lambda: self.secret_env(where, sources.get("secret_env")), None)
        command = self.attempt(lambda: self.secret_command(where, sources.get("secret_command")), None)
        path = self.attempt(lambda: self.secret_file(where, sources.get("secret_file")), None)
        return env, command, path

    def secret_env(self, where: tuple[str, ...], env: Any) -> str | None:
        if env is not None and (not isinstance(env, str) or not _ENV_NAME.fullmatch(env)):
            # Not echoed: people paste the secret itself here.
            raise self.error(
                (*where, "secret_env"),
                "must be the NAME of an environment variable (letters, digits, _), not the secret",
                'e.g. secret_env = "FP_QA_SECRET", then export FP_QA_SECRET=...',
            )
        return env

    def secret_command(self, where: tuple[str, ...], command: Any) -> str | None:
        if command is None:
            return None
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
        if "\0" in command:
            # Not echoed: it may hold a pasted secret.
            raise self.error((*where, "secret_command"), "contains a NUL character (\\u0000)", "remove it")
        return command

    def secret_file(self, where: tuple[str, ...], path: Any) -> str | None:
        if path is not None and (not isinstance(path, str) or not path.strip()):
            raise self.error(
                (*where, "secret_file"),
                "must be a file path",
                'e.g. secret_file = "~/.config/fpconsole/qa.secret"',
            )
        if path is not None:
            self.path_value((*where, "secret_file"), path)  # read when a connection is made
        return path

    def path_value(self, here: tuple[str, ...], text: str) -> Path:
        """A path as written, `~` expanded; one no system call can take is refused here rather
        than failing later with a traceback."""
        if "\0" in text:
            raise self.error(here, f"= {_show(text)} contains a NUL character (\\u0000)", "remove it")
        try:
            return Path(text).expanduser()
        except (RuntimeError, KeyError):  # ~name of a user this system does not know, or no home
            user = text.split("/", 1)[0]
            raise self.error(
                here,
                f"= {_show(text)}: {user} is not a home folder here",
                "write the full path, or ~/ for your own home",
            ) from None

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
