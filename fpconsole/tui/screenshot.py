"""F8: an SVG of the screen, for QA evidence. Revealed secrets are hidden first, so a
screenshot never holds a full PAN or CVV."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fpconsole.api.redaction import scrub_text

if TYPE_CHECKING:
    from fpconsole.tui.app import FpConsoleApp


def save_masked_screenshot(app: FpConsoleApp) -> Path:
    app.hide_secrets()
    folder = app.screenshot_folder()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"fpconsole-{datetime.now().strftime('%Y%m%d-%H%M%S-%f')}.svg"
    svg = app.export_screenshot(title="fpconsole")
    path = folder / name
    # A last scrub: anything that still looks like a full card number is masked.
    path.write_text(scrub_text(svg), encoding="utf-8")
    return path
