"""F8: an SVG of the screen, for QA evidence. Revealed secrets are hidden first, so a
screenshot never holds a full PAN or CVV."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fpconsole.api.redaction import scrub_text
from fpconsole.locations import ensure_private_dir

if TYPE_CHECKING:
    from fpconsole.tui.app import FpConsoleApp


def save_masked_screenshot(app: FpConsoleApp) -> Path:
    app.hide_secrets()
    # Private, folders and file, whatever the umask: a screen shows names, phones, masked PANs.
    folder = ensure_private_dir(app.screenshot_folder())
    name = f"fpconsole-{datetime.now().strftime('%Y%m%d-%H%M%S-%f')}.svg"
    svg = app.export_screenshot(title="fpconsole")
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        # A last scrub: anything that still looks like a full card number is masked.
        handle.write(scrub_text(svg))
    return path
