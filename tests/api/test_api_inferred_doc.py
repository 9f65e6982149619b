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

CORRECTIONS = """\
## Corrections from the vendor docs

- **Transaction request status is request/status** (docs page api-14318518, "Developing"): it
  posts `{request_id}` to `/v5/card-api/request/status`, the same path as Request status, so it
  is one registry entry listed under both names (`transaction.request_status` is a second name
  of `request.status`; `fpconsole methods`, `fpconsole call` and the console accept either). There
  is no `transaction/request_status` path: the sandbox answers it as an unknown path (404,
  `unknown_method`). For a transaction request the answer carries `transaction_id` (confirmed)
  and `fin_document_id` (confirmed name; the sandbox's value is `FD-<n>`, the ledger entry the
  request posted, or null while nothing is posted: see docs/sandbox-state.md).
- **Statement extended has its own request model** (`StatementExtendedRequest`): `start_date` and
  `end_date` are required, where Statement leaves them optional; its answer's `status` is
  optional, like every field of that answer (the docs list no `dt` either).
- **Set PIN's block format is pluggable**: the docs say the PIN is encrypted with a public key
  that the processing side generates, and do not document the key exchange, algorithm or
  PIN-block layout. `fpconsole/api/pin_block.py` is the one place the `pin` field is made
  (`encode(pin: str) -> str`, on the client, before signing) and read back
  (`decode(block: str) -> str`, in the sandbox, before hashing); `install(PinBlockFormat(...))`
  plugs in the real format. The default sends the value exactly as given (an operator pastes
  the block made with the processor's key) and the sandbox reads it as given. Neither the PIN
  nor the block reaches the journal, the cache, the logs or an error message.
"""


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ") or "—"


def _row(name: str, method: Method) -> str:
    inferred = _cell(method.inferred)
    if name != method.name:  # a second name of an entry: it shares the entry's path and rules
        inferred = f"another name of `{method.name}` (one entry)"
    cells = [f"`{name}`", f"`{method.path}`", method.confidence, inferred]
    return "| " + " | ".join(cells) + " |"


def render() -> str:
    counts = {c: sum(1 for m in REGISTRY if m.confidence == c) for c in ("confirmed", "partial", "inferred")}
    summary = ", ".join(f"{n} {c}" for c, n in counts.items())
    names = list(REGISTRY.listing())
    lines = [
        HEADER,
        f"{len(REGISTRY)} methods ({len(names)} names): {summary}.",
        "",
        "| Method | Path | Confidence | Inferred |",
        "|---|---|---|---|",
        *(_row(name, method) for name, _title, method in names),
    ]
    aliases = [(m.name, alias) for m in REGISTRY for alias in m.aliases]
    if aliases:
        lines += ["", "Also served on (aliases):", ""]
        lines += [f"- `{alias}` → `{name}`" for name, alias in aliases]
    lines += ["", CORRECTIONS.rstrip("\n")]
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


def test_doc_lists_every_second_name_on_its_entrys_path() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "| `transaction.request_status` | `/v5/card-api/request/status` | confirmed |" in text
    assert "transaction/request_status`" not in text.split("## Corrections")[0]
    for name, _title, method in REGISTRY.listing():
        assert f"| `{name}` | `{method.path}` | {method.confidence} |" in text


def test_anything_not_confirmed_says_what_is_inferred() -> None:
    vague = [m.name for m in REGISTRY if m.confidence != "confirmed" and not m.inferred]
    assert not vague, f"partial/inferred methods without an `inferred` note: {vague}"


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC}\n")
