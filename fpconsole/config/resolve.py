"""The profile a process runs with, resolved once at start and passed down: the console's top
bar, its session and its forms, `call` and `bulk` all read this one object, so what the bar says
(kind, host, READ-ONLY) is what the session does.

Whether changes may be sent is decided here and nowhere else (`read_only_reason`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fpconsole.config.model import KeySetting, Kind, Profile

if TYPE_CHECKING:
    from fpconsole.config.model import Config


@dataclass(frozen=True, slots=True)
class ResolvedProfile:
    profile: Profile  # the config's entry, or one built from `call --base-url` flags
    host: str  # what screens and messages show: never a user:password part of the URL
    embedded: bool  # the in-process sandbox (no address to reach)
    # Why state-changing requests are refused ("profile prod is read-only", "--read-only is
    # set"); "" when they may be sent.
    read_only_reason: str = ""
    theme: str | None = None  # settings.theme of the config it came from
    mouse: bool = True  # settings.mouse of that config
    keys: tuple[KeySetting, ...] = ()  # its [keys]
    config_file: str = ""  # where it was read (shown), for the console's [keys] errors

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def kind(self) -> Kind:
        return self.profile.kind

    @property
    def read_only(self) -> bool:
        return bool(self.read_only_reason)

    @property
    def secret_source(self) -> str:
        return self.profile.secret_source


def read_only_reason(profile: Profile, *, flag: bool) -> str:
    """Why this process may not change state with `profile` ("" when it may): the profile's
    `read_only` (true by default on production: `model.read_only_by_default`) or `--read-only`."""
    if profile.read_only:
        return f"profile {profile.name} is read-only"
    if flag:
        return "--read-only is set"
    return ""


def resolved(profile: Profile, *, read_only: bool = False, theme: str | None = None) -> ResolvedProfile:
    return ResolvedProfile(
        profile=profile,
        host=profile.host,
        embedded=profile.is_embedded_sandbox,
        read_only_reason=read_only_reason(profile, flag=read_only),
        theme=theme,
    )


def resolve_profile(
    name: str | None, *, read_only: bool = False, config: Config | None = None
) -> ResolvedProfile:
    """`name` (or the config's default profile) from config.toml, with `--read-only` applied.
    Raises ConfigError for a broken file or an unknown name (the message lists the known ones)."""
    from fpconsole.config.load import load_config

    found = config if config is not None else load_config()
    chosen = resolved(found.profile(name or found.default_name), read_only=read_only, theme=found.theme)
    from dataclasses import replace

    from fpconsole.locations import display_path

    return replace(chosen, mouse=found.mouse, keys=found.keys, config_file=display_path(found.path))
