"""Counts said in English: "1 request", "3 requests", never "request(s)". One place for the
console, the CLI and the sandbox's result lines, which had each written it again."""

from __future__ import annotations


def counted(count: int, noun: str) -> str:
    """`count` and `noun`, the noun with an s unless there is exactly one."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
