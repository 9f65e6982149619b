"""The Card API core: registry, models, signing, client. Never imports Textual.

Nothing is imported eagerly here: `fpconsole.api` sits on the CLI's and the console's start
path, so each user pays only for the modules it touches.
"""

import sys

# httpx's command-line module imports click and rich (~25 ms) and nothing of ours uses it.
# Safe because httpx is pinned exactly (Posting does the same).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
