"""The exit codes of every fpconsole command, written once.

A module of its own (importing nothing) so the commands, the production guard and `sandbox
serve` read them going down, instead of from `fpconsole.cli`, which imports those commands.
Scripts branch on these numbers (README's `call` section and docs/bulk.md list them): changing
one breaks callers.
"""

from __future__ import annotations

from typing import Final

EXIT_OK: Final = 0
EXIT_API_ERROR: Final = 1  # the API answered with an error (or a row failed)
EXIT_CHAIN_BROKEN: Final = 1  # `journal verify`: the audit chain is broken
EXIT_INVALID_INPUT: Final = 2  # bad arguments, file, config or profile: nothing was sent
EXIT_TRANSPORT: Final = 3  # the server could not be reached, or an outcome is unknown
# What a shell reports for a process a signal ended is 128 + the signal's number; these two are
# the ones a script meets most.
SIGNAL_BASE: Final = 128
EXIT_INTERRUPTED: Final = SIGNAL_BASE + 2  # SIGINT: Ctrl+C
# SIGPIPE (13): `cat big | head -1` gives it, so `set -o pipefail` scripts already expect it from
# a command whose reader left early.
EXIT_BROKEN_PIPE: Final = SIGNAL_BASE + 13


def exit_for_signal(signum: int) -> int:
    """The status a shell reports for a process ended by `signum` (130 Ctrl+C, 143 SIGTERM)."""
    return SIGNAL_BASE + int(signum)
