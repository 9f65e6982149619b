"""The built-in partner of the sandbox: the credentials the console's built-in `sandbox` profile
signs with and every sandbox accepts unless told otherwise.

Public on purpose (like a vendor's published test credentials): they let the console, `fpconsole
call` and curl talk to a local sandbox without any setup. Written here, at the bottom, so the
config (the built-in profile) and the sandbox (its default partner) both import them going down
and always agree; the sandbox never imports the config.
"""

from __future__ import annotations

from typing import Final

BUILTIN_SANDBOX_AUTH_ID: Final = "100500"
BUILTIN_SANDBOX_SECRET: Final = "sandbox-secret"
