"""`load_config`: config.toml found, read, parsed and validated, its warnings raised once."""

from __future__ import annotations

from pathlib import Path

from fpconsole.config.model import BUILTIN_SANDBOX, Config
from fpconsole.config.toml import parse_config_text, read_config_text
from fpconsole.config.validate import Validator
from fpconsole.locations import config_file, display_path


def load_config(path: Path | None = None) -> Config:
    """Read and validate config.toml. A missing file is not an error: you get the built-in
    sandbox profile only."""
    target = path if path is not None else config_file()
    shown = display_path(target)
    text = read_config_text(target, shown)
    if text is None:
        return Config({BUILTIN_SANDBOX.name: BUILTIN_SANDBOX}, None, None, target)
    document = parse_config_text(shown, text)
    config = Validator(shown, text, target).config(document)
    import warnings

    for warning in config.warnings:
        warnings.warn(warning, stacklevel=2)
    return config
