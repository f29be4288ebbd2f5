"""Keeps the worker processes a build forks from outliving it: on Linux each dies with its parent."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# A `kill -9` of a build left its reading and validation pools running (minutes, 130 MB each): a
# killed process cannot clean up, so each worker asks the kernel to kill it when its parent dies
# (prctl PR_SET_PDEATHSIG). The kernel sends the signal when the *thread* that forked exits, so only
# forks from the main thread ask for it: a worker forked by a short-lived thread would die with it.
_PR_SET_PDEATHSIG = 1
_active = 0  # how many die_with_parent() blocks are open in this process
_parent = 0  # set just before a fork that should ask for the signal: the forking process's pid


def _libc() -> ctypes.CDLL | None:
    if sys.platform != "linux":
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _libc()


def _before_fork() -> None:
    global _parent
    main = threading.current_thread() is threading.main_thread()
    _parent = os.getpid() if _active and main else 0


def _in_child() -> None:
    if not _parent or _LIBC is None:
        return
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != _parent:
        os._exit(1)  # the parent died before the signal was asked for: nobody would send it


def _after_fork_in_parent() -> None:
    global _parent
    _parent = 0


if _LIBC is not None and hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_before_fork, after_in_child=_in_child, after_in_parent=_after_fork_in_parent
    )


@contextmanager
def die_with_parent() -> Iterator[None]:
    """Within the block, processes forked from the main thread are killed when this process dies.

    Scoped rather than process-wide: a program that forks a child meant to outlive it (a daemon)
    must not have it killed. Elsewhere than Linux this does nothing.
    """
    global _active
    _active += 1
    try:
        yield
    finally:
        _active -= 1
