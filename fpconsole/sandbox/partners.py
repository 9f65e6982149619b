"""Who may call a served sandbox: partners (auth_id → secret) from the command line, environment
variables or a private file, so a real-looking secret need not sit in argv where `ps` shows it.

Sources, all of which may be combined (several partners at once):

- `--partner ID:SECRET` (repeatable): works, but warns: every user of the machine can read argv;
- `--partner-env VAR` (repeatable), and `FPCONSOLE_SANDBOX_PARTNERS` when set: entries
  `ID:SECRET` separated by commas or newlines (a secret with a comma belongs in a file);
- `--partners-file FILE` (repeatable): one `ID:SECRET` per line, `#` comments and blank lines
  ignored; the file must be private (no group/world access), like an SSH key.

No message ever shows a secret: a bad entry is named by its source and line, never echoed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

PARTNERS_ENV: Final = "FPCONSOLE_SANDBOX_PARTNERS"
# A partners file is a few lines; anything bigger is not one (and is not read whole).
MAX_FILE_BYTES: Final = 64 * 1024


class PartnerError(ValueError):
    """A partner source that cannot be used; the message names the flag and the fix."""


@dataclass
class Partners:
    """The partners gathered from every source, and where each came from (for the banner)."""

    secrets: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add(self, auth_id: str, secret: str, source: str, flag: str = "") -> None:
        known = self.secrets.get(auth_id)
        if known is not None and known != secret:
            raise PartnerError(
                f"{flag or source}: partner {auth_id} from {source} is already given with another "
                f"secret (from {self.sources[auth_id]}); give each partner once"
            )
        self.secrets.setdefault(auth_id, secret)
        self.sources.setdefault(auth_id, source)


def _entry(text: str, source: str) -> tuple[str, str]:
    auth_id, sep, secret = text.strip().partition(":")
    auth_id = auth_id.strip()
    if not sep or not auth_id or not secret:
        # The text is not echoed: it may well be a secret written without its id.
        raise PartnerError(f"{source}: expected ID:SECRET (auth_id, a colon, then the secret)")
    if any(ch.isspace() for ch in auth_id) or not auth_id.isprintable():
        raise PartnerError(f"{source}: the auth_id before the colon must not contain spaces")
    return auth_id, secret


def _split_entries(value: str) -> list[str]:
    return [part for line in value.splitlines() for part in line.split(",") if part.strip()]


def from_env(name: str, environ: Mapping[str, str], flag: str) -> list[tuple[str, str, str]]:
    value = environ.get(name)
    if value is None or not value.strip():
        raise PartnerError(
            f"{flag}: the environment variable {name} is not set or empty; "
            f'export {name}="ID:SECRET" (several: "ID:SECRET,ID2:SECRET2")'
        )
    entries = _split_entries(value)
    return [(*_entry(text, f"{flag}: ${name} entry {n}"), f"${name}") for n, text in enumerate(entries, 1)]


def from_file(path_text: str, flag: str = "argument --partners-file") -> list[tuple[str, str, str]]:
    path = Path(path_text)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise PartnerError(f"{flag}: cannot read {path}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        # A FIFO would block forever, a device never end.
        raise PartnerError(f"{flag}: {path} is not a regular file; give a file with one ID:SECRET per line")
    if info.st_mode & 0o077:
        raise PartnerError(
            f"{flag}: {path} can be read by other users (mode {stat.S_IMODE(info.st_mode):04o}); "
            f"it holds secrets: chmod 600 {path}"
        )
    if info.st_size > MAX_FILE_BYTES:
        raise PartnerError(
            f"{flag}: {path} is larger than {MAX_FILE_BYTES // 1024} KiB; is it the right file?"
        )
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        raise PartnerError(f"{flag}: cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise PartnerError(f"{flag}: {path} is not UTF-8 text; write one ID:SECRET per line") from None
    found: list[tuple[str, str, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        auth_id, secret = _entry(line.rstrip("\r\n\t "), f"{flag}: {path} line {number}")
        found.append((auth_id, secret, f"{path} line {number}"))
    if not found:
        raise PartnerError(f"{flag}: {path} has no partner; write one ID:SECRET per line")
    return found


def gather(
    *,
    on_command_line: Sequence[str],
    env_names: Sequence[str],
    files: Sequence[str],
    environ: Mapping[str, str],
    public_ids: Iterable[tuple[str, str]] = (),
) -> Partners:
    """Every partner from every source; an empty result means "use the built-in partner".

    public_ids: (auth_id, secret) pairs that are public anyway (the built-in partner), for
    which no warning about argv is given."""
    partners = Partners()
    public = set(public_ids)
    for text in on_command_line:
        auth_id, secret = _entry(text, "argument --partner")
        partners.add(auth_id, secret, "--partner", "argument --partner")
        if (auth_id, secret) not in public:
            partners.warnings.append(
                f"warning: the secret of partner {auth_id} is on the command line, where other users "
                f"of this machine can see it (ps); use --partner-env VAR, ${PARTNERS_ENV} or "
                "--partners-file FILE instead"
            )
    if environ.get(PARTNERS_ENV, "").strip() and PARTNERS_ENV not in env_names:
        env_names = [PARTNERS_ENV, *env_names]
    for name in env_names:
        flag = f"${PARTNERS_ENV}" if name == PARTNERS_ENV else "argument --partner-env"
        for auth_id, secret, source in from_env(name, environ, flag):
            partners.add(auth_id, secret, source, flag)
    for path in files:
        for auth_id, secret, source in from_file(path):
            partners.add(auth_id, secret, source, "argument --partners-file")
    return partners
