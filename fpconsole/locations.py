"""Where fpconsole keeps its files: config, entity cache, journal and drafts.

The three folders follow the platform's conventions (platformdirs): config is precious and
hand-edited, the cache is disposable, the journal and drafts are state that should survive
restarts but not be synced like config. `FPCONSOLE_HOME` puts all three under one folder,
which tests (and anyone wanting a portable setup) use.

Nothing here creates a folder when asked for a path: folders appear only when something is
written (`ensure_private_dir`), so `fpconsole locate` on a fresh machine leaves no trace.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Final

APP_NAME: Final = "fpconsole"
HOME_ENV: Final = "FPCONSOLE_HOME"
# The path of config.toml itself (a team's shared file, a second setup): other files stay put.
CONFIG_ENV: Final = "FPCONSOLE_CONFIG"
CONFIG_FILE_NAME: Final = "config.toml"
CACHE_DB_NAME: Final = "cache.sqlite3"
JOURNAL_DB_NAME: Final = "journal.sqlite3"
DRAFTS_DB_NAME: Final = "drafts.sqlite3"
SANDBOX_DB_NAME: Final = "sandbox.sqlite3"
LOGS_DIR_NAME: Final = "logs"
LOG_FILE_NAME: Final = "fpconsole.log"
PRIVATE_DIR_MODE: Final = 0o700


def _home_override() -> Path | None:
    value = os.environ.get(HOME_ENV, "").strip()
    return Path(value).expanduser() if value else None


def why_not_a_folder(path: Path) -> str | None:
    """When opening `path` fails with "Not a directory": which part of it is a file, said so an
    operator can fix it (FPCONSOLE_HOME pointed at a file is the usual cause)."""
    home = _home_override()
    for part in (path, *path.parents):
        if part.exists() and not part.is_dir():
            if home is not None and part == home:
                return (
                    f"{HOME_ENV}={part} is a file, not a folder — point {HOME_ENV} at a folder (or unset it)"
                )
            return f"{part} is a file, not a folder — move it away or choose another path"
    return None


def config_dir() -> Path:
    home = _home_override()
    if home is not None:
        return home / "config"
    # platformdirs is imported only when no override is set: tests and portable setups skip it.
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    home = _home_override()
    if home is not None:
        return home / "cache"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP_NAME, appauthor=False))


def state_dir() -> Path:
    home = _home_override()
    if home is not None:
        return home / "state"
    from platformdirs import user_state_dir

    return Path(user_state_dir(APP_NAME, appauthor=False))


def sandbox_dir() -> Path:
    """The embedded sandbox's own database: the emulated processor, which keeps (fake) PANs and
    CVVs as a bank would. It lives apart from the console's config, cache and state, which
    never hold a secret."""
    home = _home_override()
    if home is not None:
        return home / "sandbox"
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / "sandbox"


def embedded_sandbox_db() -> Path:
    """The embedded sandbox's database file; none yet means the console's first start."""
    return sandbox_dir() / SANDBOX_DB_NAME


def config_override() -> Path | None:
    """FPCONSOLE_CONFIG, `~` expanded; None when unset or empty (an empty variable is unset,
    as a shell's `FPCONSOLE_CONFIG= fpconsole` means)."""
    value = os.environ.get(CONFIG_ENV, "").strip()
    if not value:
        return None
    try:
        return Path(value).expanduser()
    except RuntimeError:  # ~name of a user this system does not know: the file is not found
        return Path(value)


def config_file() -> Path:
    return config_override() or config_dir() / CONFIG_FILE_NAME


def cache_db() -> Path:
    return cache_dir() / CACHE_DB_NAME


def journal_db() -> Path:
    return state_dir() / JOURNAL_DB_NAME


def drafts_db() -> Path:
    return state_dir() / DRAFTS_DB_NAME


def logs_dir() -> Path:
    """The log files (fpconsole/logs.py): state, like the journal — kept across restarts,
    not synced like config, and not disposable like the cache."""
    return state_dir() / LOGS_DIR_NAME


def log_file() -> Path:
    return logs_dir() / LOG_FILE_NAME


def ensure_private_dir(folder: Path) -> Path:
    """Create `folder` and any missing parents, each 0700 (the XDG rule for folders an app
    creates): the journal holds customer names and phone numbers even when redacted, and a
    new FPCONSOLE_HOME root made 0755 would let anyone list what is in it. An existing folder
    of fpconsole's own (config, cache, state, sandbox and what is in them) that others can
    read is made 0700 again; any other existing folder (FPCONSOLE_HOME itself, a folder the
    user named) is left as its owner set it."""
    if folder.is_dir():
        _tighten_own(folder)
        return folder
    if folder.exists():
        raise FileExistsError(errno.EEXIST, "File exists", str(folder))
    missing: list[Path] = []
    parent = folder
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    for new in reversed(missing):
        try:
            new.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            if not new.is_dir():
                raise
            continue  # another process made it first; it set its own mode
        # mkdir's mode is filtered by the umask; say exactly what we mean.
        os.chmod(new, PRIVATE_DIR_MODE)
    _tighten_own(folder)
    return folder


def own_folders() -> tuple[Path, ...]:
    """The folders that are fpconsole's alone (not their parents: ~/.config is the user's)."""
    return (config_dir(), cache_dir(), state_dir(), sandbox_dir())


def _tighten_own(folder: Path) -> None:
    """Take group and other access away from `folder` and its parents up to the own folder it
    is in (an older fpconsole, a copy or `mkdir -p` under umask 022 may have left them 0755)."""
    roots = {Path(os.path.abspath(root)) for root in own_folders()}
    here = Path(os.path.abspath(folder))
    inside = [here, *here.parents]
    if not any(path in roots for path in inside):
        return
    for path in inside:
        try:
            info = path.stat()
            if info.st_mode & 0o077 and info.st_uid == os.geteuid():
                os.chmod(path, stat.S_IMODE(info.st_mode) & PRIVATE_DIR_MODE)
        except OSError:
            pass  # not ours to change, or gone: the files inside are private either way
        if path in roots:
            return


def display_path(path: Path | str) -> str:
    """A path as people type it: the home folder shown as `~`."""
    text = str(path)
    home = str(Path.home())
    if home not in ("", "/") and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home) :]
    return text
