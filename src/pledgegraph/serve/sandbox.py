"""Confines a query process: no network, bounded memory, lower priority; the kernel enforces all three.

The query engine (pyoxigraph) would answer a SPARQL SERVICE by making HTTP requests. Requests are
refused on their parse tree before they run (`sparql_syntax.check`), and the processes that run them
cannot open a network socket at all: a seccomp filter makes `socket()` fail for every family but
AF_UNIX (pipes and Unix sockets keep working), and `io_uring` (which could bypass it) is refused too.
A gap between our parser and the engine's can then never reach another host.
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import socket
import sys


class SandboxError(Exception):
    """The process could not be confined; the caller must not run client queries in it."""


def deny_network() -> None:
    """Install a seccomp filter: socket() fails with EACCES for every address family but AF_UNIX."""
    if not sys.platform.startswith("linux"):
        raise SandboxError(f"no network isolation on {sys.platform} (seccomp is Linux only)")
    try:
        import pyseccomp as seccomp

        flt = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        flt.add_rule(
            seccomp.ERRNO(errno.EACCES), "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX)
        )
        for call in ("io_uring_setup", "io_uring_enter", "io_uring_register"):
            # a kernel or libseccomp without io_uring has nothing to refuse
            with contextlib.suppress(RuntimeError, ValueError, OSError):
                flt.add_rule(seccomp.ERRNO(errno.EPERM), call)
        flt.load()
    except (ImportError, OSError, RuntimeError, ValueError) as e:
        raise SandboxError(f"cannot install the seccomp filter: {type(e).__name__}: {e}") from e
    probe_network_denied()


def probe_network_denied() -> None:
    """Prove the filter holds: opening an IPv4 or IPv6 socket must fail."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            s = socket.socket(family, socket.SOCK_STREAM)
        except OSError:
            continue
        s.close()
        raise SandboxError("the seccomp filter is installed but a network socket still opens")


def limit_memory(megabytes: int) -> None:
    """Cap the data segment (heap and private mappings): past it, the engine aborts the process."""
    limit = megabytes * 2**20
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def lower_priority(increment: int) -> None:
    """Yield the CPU to the pages' processes when both are busy."""
    if increment:
        os.nice(increment)


def confine(memory_mb: int, nice: int = 0) -> None:
    """All three, in an order that keeps the probes possible: memory and priority, then the network."""
    limit_memory(memory_mb)
    lower_priority(nice)
    deny_network()
