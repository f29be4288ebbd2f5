"""Wall-clock time spent in each stage of a build, for `build --timings` and the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

# The build's stages, in the order they run: what `build --timings` and the benchmarks report.
STAGES = ("read", "extract", "graph", "validate", "write", "store")


class Stopwatch:
    """Wall-clock seconds spent in each stage of a build (never written into the build itself)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start
