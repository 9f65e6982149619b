"""The sandbox's state: clients, cards, accounts, ledger, transactions, limits and the async
request table, in SQLite. `SandboxEngine` is the one entry point; docs/sandbox-state.md
describes the state machine and the sandbox's INFERRED choices."""

from fpconsole.sandbox.engine.core import SandboxEngine

__all__ = ["SandboxEngine"]
