"""The context a server answers from, switched whole when a new build is swapped in (or on SIGHUP).

A build is replaced by swapping its folder (`outdir.swap_in`), so its marker file `.pledgegraph`
gets a new inode: the server looks at it once a second (one `stat`) and, when it changed or on
SIGHUP, makes a new context (new query processes that load the new build, a new cache, the new
build's folder pinned), and only once it is ready makes it the current one. Each request is pinned
to the context current when it arrived (never old pages beside new dumps); a retired context is
closed when its last request has finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from .context import Context, build_identity

log = logging.getLogger("pledgegraph.serve")

WATCH_SECONDS = 1.0
"""How often the build's marker is looked at."""


class Live:
    """The current context, the switch to a new one, and the requests each context is serving."""

    def __init__(
        self, ctx: Context, factory: Callable[[], Context] | None, data_dir: Path | None
    ) -> None:
        self.current = ctx
        self.factory = factory
        self.data_dir = data_dir
        self.identity = build_identity(data_dir)
        self.generation = 1
        self.on_switch: list[Callable[[Context], None]] = []
        self._lock = threading.Lock()
        self._inflight: dict[int, int] = {}
        self._retired: dict[int, Context] = {}
        self._reloading: asyncio.Lock | None = None
        self._task: asyncio.Task[None] | None = None

    # -- requests --------------------------------------------------------------------------------

    def enter(self) -> Context:
        with self._lock:
            ctx = self.current
            self._inflight[id(ctx)] = self._inflight.get(id(ctx), 0) + 1
            return ctx

    def leave(self, ctx: Context) -> None:
        with self._lock:
            left = self._inflight.get(id(ctx), 1) - 1
            if left:
                self._inflight[id(ctx)] = left
                return
            self._inflight.pop(id(ctx), None)
            retired = self._retired.pop(id(ctx), None)
        if retired is not None:
            threading.Thread(target=self._close, args=(retired,), daemon=True).start()

    @staticmethod
    def _close(ctx: Context) -> None:
        try:
            ctx.close()
        except Exception:  # a context that fails to close must not take the server with it
            log.exception("closing the previous build's context failed")

    # -- switching -------------------------------------------------------------------------------

    @property
    def reloadable(self) -> bool:
        return self.factory is not None and self.data_dir is not None

    def changed(self) -> bool:
        now = build_identity(self.data_dir)
        return now is not None and now != self.identity

    async def reload(self, reason: str) -> bool:
        """Make a context over the build there now and switch to it; False if none could be made
        (the old one goes on serving, and the next look tries again)."""
        if not self.reloadable:
            return False
        if self._reloading is None:
            self._reloading = asyncio.Lock()
        async with self._reloading:
            for _ in range(3):
                seen = build_identity(self.data_dir)
                if seen is None:
                    return False  # between two renames of a non-atomic swap: next time
                try:
                    ctx = await run_in_threadpool(self._make)
                except Exception as e:
                    log.error(
                        "cannot serve the new build (%s): %s; still serving the previous one",
                        reason,
                        getattr(e, "message", e),
                    )
                    self.identity = seen  # not again until it changes again
                    return False
                if build_identity(self.data_dir) == seen == ctx.identity:
                    self._switch(ctx, seen)
                    log.warning("serving the new build (%s)", reason)
                    return True
                await run_in_threadpool(ctx.close)  # swapped again meanwhile: load the newer one
            return False

    def _make(self) -> Context:
        assert self.factory is not None
        ctx = self.factory()
        try:
            start = getattr(ctx.backend, "start", None)
            if start is not None:
                start()
        except BaseException:
            ctx.close()
            raise
        return ctx

    def _switch(self, ctx: Context, identity: tuple[int, ...]) -> None:
        with self._lock:
            old = self.current
            self.current = ctx
            self.identity = identity
            self.generation += 1
            busy = self._inflight.get(id(old), 0)
            if busy:
                self._retired[id(old)] = old
        for callback in self.on_switch:
            callback(ctx)
        if not busy:
            threading.Thread(target=self._close, args=(old,), daemon=True).start()

    # -- watching --------------------------------------------------------------------------------

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            try:
                if self.changed():
                    await self.reload("a new build")
            except Exception:  # the watcher must outlive any one failure
                log.exception("watching the build failed")

    def start_watching(self) -> None:
        """From the server's event loop: look at the build every second, reload on SIGHUP."""
        if not self.reloadable:
            return
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._watch())
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError, AttributeError):
            # only the main thread may take signals (a server in a test thread has none)
            loop.add_signal_handler(
                signal.SIGHUP, lambda: loop.create_task(self._reload_quietly("SIGHUP"))
            )

    async def _reload_quietly(self, reason: str) -> None:
        try:
            await self.reload(reason)
        except Exception:
            log.exception("reload failed")

    def stop_watching(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError, AttributeError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)

    def close(self) -> None:
        with self._lock:
            contexts = [self.current, *self._retired.values()]
            self._retired.clear()
        for ctx in contexts:
            self._close(ctx)
