"""Copy as curl: a shell-quoted command line that sends exactly the signed request.

The partner secret is never in it (only the signature it produced). A request that carries a
secret field (Set PIN's `pin`) cannot be shown runnable without showing the secret, so its
body is redacted and the line is marked as not runnable.
"""

from __future__ import annotations

import json
import shlex

from fpconsole.api.client import PreparedRequest
from fpconsole.api.redaction import redact


def has_secret_fields(prepared: PreparedRequest) -> bool:
    body = json.loads(prepared.body)
    return any(path.split(".")[0] in body for path in prepared.method.request_secret_fields)


def to_curl(prepared: PreparedRequest) -> str:
    body = prepared.body.decode()
    header_lines = [f"-H {shlex.quote(f'{name}: {value}')}" for name, value in prepared.headers.items()]
    note = ""
    if has_secret_fields(prepared):
        body = json.dumps(
            redact(json.loads(body), prepared.method.request_secret_fields), separators=(",", ":")
        )
        fields = ", ".join(sorted(prepared.method.request_secret_fields))
        note = f"# not runnable: {fields} redacted, so the signature below will not match\n"
    parts = [
        "curl -sS -X POST",
        shlex.quote(prepared.url),
        *header_lines,
        f"--data-raw {shlex.quote(body)}",
    ]
    return note + " \\\n  ".join(parts)
