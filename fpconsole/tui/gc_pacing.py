"""Python's full garbage collections kept off the key path.

CPython collects its oldest generation when enough younger collections have piled up, wherever
the program is: in the console that landed in the middle of a key or of a form opening (a full
collection over everything the start-up built took 50-190 ms on the 2-core test machine, a
third of a form's opening). Textual pauses collections during smooth scrolls for the same
reason (App.PAUSE_GC_ON_SCROLL).

So, in a console on a real terminal: automatic full collections are turned off; the young
generations still collect as CPython decides (a few ms, spread out). A full collection runs
when the operator has not typed for IDLE_S and one is due (as many younger collections as
CPython's own rule waits for), or regardless once OVERDUE_FACTOR times that many piled up (a
session typed without pause still has its memory kept in bounds). The first idle collection
then freezes what survived it (gc.freeze): the modules, styles and screens built at start live
as long as the console, and no later collection walks them again.

Before that, while the console starts (from `fpconsole` until its backend is up), no collection
runs at all (StartHold): the start builds objects that live as long as the console (modules,
styles, the first screen), and CPython walked them again and again as they piled up, a full
collection among them: ~40 ms of a first start's ~600 ms of CPU. When the pacer starts it
freezes what the start built instead of collecting it; the garbage among it is a few hundred
objects of the imports' and the first frame's.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from time import monotonic
from typing import Final, Protocol

IDLE_S: Final = 1.0
CHECK_EVERY_S: Final = 0.5
OVERDUE_FACTOR: Final = 10
# Larger than any count the pacer lets pile up: CPython itself never starts a full collection.
_NEVER: Final = 1_000_000_000


class Collector(Protocol):
    """The parts of the `gc` module the pacer uses (a fake one in tests)."""

    def get_threshold(self) -> tuple[int, int, int]: ...

    def set_threshold(self, threshold0: int, threshold1: int = ..., threshold2: int = ..., /) -> None: ...

    def get_count(self) -> tuple[int, int, int]: ...

    def collect(self, generation: int = 2) -> int: ...

    def freeze(self) -> None: ...

    def unfreeze(self) -> None: ...

    def isenabled(self) -> bool: ...

    def enable(self) -> None: ...

    def disable(self) -> None: ...


class StartHold:
    """No collection at all from `hold()` until the pacer starts (see the module docstring)."""

    def __init__(self, collector: Collector = gc) -> None:
        self._gc = collector
        self.holding = False

    def hold(self) -> None:
        if self._gc.isenabled():
            self._gc.disable()
            self.holding = True

    def release(self) -> bool:
        """Collections back on, and what the start built frozen; True when a hold was released."""
        if not self.holding:
            return False
        self.holding = False
        self._gc.freeze()
        self._gc.enable()
        return True

    def cancel(self) -> None:
        """Collections back on as they were, nothing frozen (a start that ended early)."""
        if self.holding:
            self.holding = False
            self._gc.enable()


# The process's one hold: `fpconsole` takes it before importing the console; the console's pacer
# releases it.
START_HOLD: Final = StartHold()


class CollectionPacer:
    """Full collections when the operator pauses; see the module docstring. `start()` and
    `stop()` bracket its life; `typed()` on every input event; `tick()` every CHECK_EVERY_S."""

    def __init__(
        self, collector: Collector = gc, clock: Callable[[], float] = monotonic, hold: StartHold = START_HOLD
    ) -> None:
        self._gc = collector
        self._clock = clock
        self._hold = hold
        self._saved: tuple[int, int, int] | None = None
        self._last_input = clock()
        self.frozen = False
        self._froze_start = False
        self.collections = 0  # full collections the pacer ran

    @property
    def running(self) -> bool:
        return self._saved is not None

    def start(self) -> None:
        if self._saved is not None:
            return
        self._saved = self._gc.get_threshold()
        young, middle, _ = self._saved
        self._gc.set_threshold(young, middle, _NEVER)
        self._froze_start = self._hold.release()

    def stop(self) -> None:
        """CPython's own rule back, and what was frozen collectable again (the console is closing;
        in a test process, other tests go on). A hold the pacer never released ends here too."""
        if self._saved is not None:
            self._gc.set_threshold(*self._saved)
            self._saved = None
        self._hold.cancel()
        if self.frozen or self._froze_start:
            self._gc.unfreeze()
            self.frozen = self._froze_start = False

    def typed(self) -> None:
        self._last_input = self._clock()

    def tick(self) -> bool:
        """Runs a full collection if one is due now; True when it did."""
        if self._saved is None:
            return False
        due_after = max(1, self._saved[2])
        piled_up = self._gc.get_count()[2]
        idle = self._clock() - self._last_input >= IDLE_S
        if idle and not self.frozen:
            self._collect()
            self._gc.freeze()
            self.frozen = True
            return True
        if (idle and piled_up >= due_after) or piled_up >= due_after * OVERDUE_FACTOR:
            self._collect()
            return True
        return False

    def _collect(self) -> None:
        self._gc.collect()
        self.collections += 1
