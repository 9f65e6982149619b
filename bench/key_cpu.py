"""Runs a Textual app with the CPU its main thread spends on each key recorded, for
bench/typing_latency.py: wall time in a pseudo-terminal moves with whatever else the machine
runs (a stock form's own slowest key went from 8 to 54 ms between runs), CPU time hardly does.

For each key: the main thread's CPU from the key reaching the app (the driver's input thread
hands it over) to the first write to the terminal after it (the echo), and to the next key (the
echo plus whatever the pause brings: the debounced check, the draft save). Written as JSON to
OUT when the app exits or is sent SIGTERM.

Run: python bench/key_cpu.py OUT.json script.py [args…]  or  … OUT.json -m module [args…]
"""

from __future__ import annotations

import atexit
import json
import os
import runpy
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from textual import events
from textual.drivers.linux_driver import LinuxDriver

# One entry per key: [key, CPU s when it arrived, CPU s at the first write after it or None].
keys: list[list[Any]] = []
_main_clock = time.pthread_getcpuclockid(threading.main_thread().ident or 0)


def main_thread_cpu() -> float:
    return time.clock_gettime(_main_clock)


def record_keys() -> None:
    process_message, write = LinuxDriver.process_message, LinuxDriver.write

    def on_message(driver: LinuxDriver, message: Any) -> None:
        if isinstance(message, events.Key):
            keys.append([message.key, main_thread_cpu(), None])
        process_message(driver, message)

    def on_write(driver: LinuxDriver, data: str) -> None:
        if keys and keys[-1][2] is None:
            keys[-1][2] = main_thread_cpu()
        write(driver, data)

    LinuxDriver.process_message = on_message  # type: ignore[method-assign, assignment]
    LinuxDriver.write = on_write  # type: ignore[method-assign, assignment]


def main() -> None:
    out = Path(sys.argv[1])
    program = sys.argv[2:]

    def dump() -> None:
        out.write_text(json.dumps(keys))

    def stopped(*_: object) -> None:
        dump()
        os._exit(0)

    atexit.register(dump)  # an app with its own SIGTERM handler (fpconsole) exits through here
    signal.signal(signal.SIGTERM, stopped)
    record_keys()
    if program[0] == "-m":
        sys.argv = program[1:]
        runpy.run_module(program[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = program
        runpy.run_path(program[0], run_name="__main__")


if __name__ == "__main__":
    main()
