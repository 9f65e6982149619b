"""docs/api-inferred.md is generated from the method registry; this test fails when the two
disagree. Regenerate with:

    python tests/api/test_api_inferred_doc.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from fpconsole.api.methods import REGISTRY, Method

DOC = Path(__file__).resolve().parents[2] / "docs" / "api-inferred.md"

HEADER = """\
# Card API methods: what is confirmed and what is inferred

Generated from `fpconsole/api/methods.py` by `python tests/api/test_api_inferred_doc.py`;
`tests/api/test_api_inferred_doc.py` fails when this file and the registry disagree, so edit the
registry, then regenerate.

*confirmed*: path and fields appear in the vendor docs. *partial*: the page was found but only
part of it could be read. *inferred*: a guess from sibling methods (see `SPEC.md` §5); do not
rely on it in production. The last column is the registry's exact `inferred` text: what in the
entry is a guess.
"""


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ") or "—"


def _row(method: Method) -> str:
    cells = [f"`{method.name}`", f"`{method.path}`", method.confidence, _cell(method.inferred)]
    return "| " + " | ".join(cells) + " |"


def render() -> str:
    counts = {c: sum(1 for m in REGISTRY if m.confidence == c) for c in ("confirmed", "partial", "inferred")}
    summary = ", ".join(f"{n} {c}" for c, n in counts.items())
    lines = [
        HEADER,
        f"{len(REGISTRY)} methods: {summary}.",
        "",
        "| Method | Path | Confidence | Inferred |",
        "|---|---|---|---|",
        *(_row(method) for method in REGISTRY),
    ]
    aliases = [(m.name, alias) for m in REGISTRY for alias in m.aliases]
    if aliases:
        lines += ["", "Also served on (aliases):", ""]
        lines += [f"- `{alias}` → `{name}`" for name, alias in aliases]
    return "\n".join(lines) + "\n"


def test_doc_matches_the_registry() -> None:
    assert DOC.exists(), f"{DOC} is missing; run: python tests/api/test_api_inferred_doc.py"
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/api-inferred.md is out of date; run: python tests/api/test_api_inferred_doc.py"
    )


def test_doc_lists_every_method_with_its_inferred_text() -> None:
    text = DOC.read_text(encoding="utf-8")
    for method in REGISTRY:
        assert f"`{method.name}` | `{method.path}` | {method.confidence} |" in text
        assert _cell(method.inferred) in text


def test_anything_not_confirmed_says_what_is_inferred() -> None:
    vague = [m.name for m in REGISTRY if m.confidence != "confirmed" and not m.inferred]
    assert not vague, f"partial/inferred methods without an `inferred` note: {vague}"


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC}\n")
