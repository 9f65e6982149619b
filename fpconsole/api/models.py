"""Request and response models of the Card API (SPEC §3).

The bases and the few models the client needs to import are built here; the methods' own
models live in `fpconsole.api.method_models` and are built on first use (`models.ClientData`
loads them): pydantic class building was most of the import time of `fpconsole call`.

Requests are strict (unknown fields are refused, so a typo on the command line is caught);
responses keep unknown fields (`extra="allow"`) because the real API may add some.

Field metadata feeds the console's forms: `title` is the label, `description` the help text,
`json_schema_extra["x-labels"]` the names of coded choices.

Shapes the SPEC marks INFERRED are chosen here, once; `methods.py` records which methods they
belong to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The bases and the models the client names, built at import.
from fpconsole.api.base_models import *  # noqa: F403

# --- the methods' models, built on first use ---------------------------------------------

if TYPE_CHECKING:
    from fpconsole.api.method_models import *  # noqa: F403
else:

    def __getattr__(name: str) -> Any:
        """`models.ClientData` and the like: the first such name imports (and so builds) all
        the methods' models, which then stay in this module's namespace."""
        if name.startswith("__"):
            raise AttributeError(name)
        from fpconsole.api import method_models

        found = {public: getattr(method_models, public) for public in method_models.__all__}
        globals().update(found)
        if name not in found:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        return found[name]
