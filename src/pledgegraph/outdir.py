"""The folders builds and site exports write: which may be replaced, one writer at a time, swapped in whole.

A build or a site export replaces its output folder whole, so it refuses a folder whose loss would
lose anything else: one that holds files pledgegraph did not write, one that is or holds a source or
the build a site is made from, one inside a source folder. What pledgegraph wrote is recorded in a
marker file (`.pledgegraph`) that every build and site export writes last: its kind (`build` or
`site`) and the names of the entries it wrote, so a folder where a user has put a file of their own
is no longer "ours". Builds written before the marker are recognised by their manifest.

The new folder is written beside the old one (`.NAME.new-PID-*`) and swapped in with one atomic
exchange where the system has it (Linux `renameat2(RENAME_EXCHANGE)`), else with two renames
(`.NAME.old-PID`); an exclusive lock beside the folder (`.NAME.lock`) keeps a second writer out, and
whoever takes it first puts back a build a crash left between two renames and removes the folders
dead writers left behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from . import __version__

MARKER = ".pledgegraph"
KINDS = ("build", "site")
MARKER_NOTE = (
    "Written by pledgegraph. The next build or site export into this folder replaces it whole; it "
    "refuses to while the folder holds anything not listed in `entries`."
)
# What a build of a version before the marker wrote, to recognise such a build by its contents.
_LEGACY_BUILD = {
    "graph.ttl",
    "dataset.nq",
    "report.ttl",
    "report.txt",
    "report.json",
    "sources",
    "store",
    "manifest.json",
}
_MARKER_LIMIT = 1 << 20  # bytes: a marker lists a few names, never more

Log = Callable[[str], None]


class OutputError(Exception):
    """An output folder that may not be replaced, or that another process is writing."""


def describe_os_error(error: OSError) -> str:
    """`FILE: problem` for an error of the file system (pyoxigraph's errors carry no errno)."""
    if error.strerror and error.filename:
        return f"{error.filename}: {error.strerror}"
    return str(error)


# --------------------------------------------------------------------------------------------------
# What may be replaced


def inside(path: Path, folder: Path) -> bool:
    """Whether `path` is `folder` or lies within it (both resolved)."""
    return path == folder or folder in path.parents


def _real(path: Path) -> Path:
    """The path with links resolved; a link loop stays where it loops (the reader names it later)."""
    return Path(os.path.realpath(path.expanduser()))


def check_placement(out: Path, inputs: Iterable[tuple[Path, str]]) -> Path:
    """The resolved output folder, unless it is the root, or equals, holds or is inside an input.

    `inputs` are (path, what it is) pairs: the sources of a build, the build a site is made from.
    Symbolic links are resolved, so a link to a source folder is that folder.
    """
    target = _real(Path(out))
    if target.parent == target:
        raise OutputError(f"refusing to write into {target}: it is the root of the file system")
    for path, what in inputs:
        source = _real(Path(path))
        if inside(source, target):
            same = "is" if source == target else "holds"
            raise OutputError(
                f"refusing to write into {out}: it {same} {what} {path}, "
                f"which the output would replace; choose another folder"
            )
        if source.is_dir() and inside(target, source):
            raise OutputError(
                f"refusing to write into {out}: it is inside {what} {path}; "
                f"choose a folder outside it"
            )
    return target


def marker(folder: Path) -> dict[str, object] | None:
    """The marker a build or site export left in `folder`, when it is one we can read."""
    try:
        with (folder / MARKER).open("rb") as f:
            data = json.loads(f.read(_MARKER_LIMIT))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        return None
    entries = data.get("entries")
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        return None
    return data


def _legacy_build(folder: Path, names: set[str]) -> bool:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(manifest, dict)
        and {"pledgegraph", "letters"} <= set(manifest)
        and names <= _LEGACY_BUILD
    )


def check_replaceable(out: Path, target: Path, kind: str) -> None:
    """Refuse unless `target` is missing, empty, or a `kind` folder holding only what we wrote."""
    assert kind in KINDS
    if not os.path.lexists(target):
        return
    if not target.is_dir():
        raise OutputError(f"refusing to write into {out}: it is a file, not a folder")
    try:
        names = set(os.listdir(target))
    except OSError as e:
        raise OutputError(f"cannot write into {out}: {describe_os_error(e)}") from None
    if not names:
        return
    found = marker(target)
    if found is None:
        if kind == "build" and _legacy_build(target, names):
            return
        shown = ", ".join(sorted(names)[:3]) + (", ..." if len(names) > 3 else "")
        raise OutputError(
            f"refusing to write into {out}: it is not empty ({shown}) and not a previous pledgegraph "
            f"{kind}, and it would be replaced whole; choose a new or empty folder"
        )
    if found["kind"] != kind:
        raise OutputError(
            f"refusing to write into {out}: it holds a pledgegraph {found['kind']}, which a "
            f"{kind} would replace; choose another folder"
        )
    listed: list[str] = found["entries"]  # type: ignore[assignment]  # checked by marker()
    extra = sorted(names - set(listed) - {MARKER})
    if extra:
        shown = ", ".join(extra[:3]) + (", ..." if len(extra) > 3 else "")
        raise OutputError(
            f"refusing to write into {out}: it is a previous {kind} but also holds {shown}, which "
            f"pledgegraph did not write and a new {kind} would delete; move it out first"
        )


def write_marker(folder: Path, kind: str, **extra: object) -> None:
    """Record the entries of a finished folder, written last: a folder without it is not complete."""
    entries = sorted(n for n in os.listdir(folder) if n != MARKER)
    data = {"pledgegraph": __version__, "kind": kind, "entries": entries, **extra}
    data["note"] = MARKER_NOTE
    (folder / MARKER).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# One writer at a time


def _lock_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.lock")


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return f"pid {text}" if text.isdigit() else "pid unknown"


@contextlib.contextmanager
def exclusive(out: Path, target: Path, log: Log, *, wait: bool = False) -> Iterator[None]:
    """Hold the lock on writing `target` for the block; another holder is an OutputError, or waited for.

    The lock is `flock` on `.NAME.lock` beside the folder, released by the kernel when the process
    dies, however it dies. The file holds the holder's pid and is removed on release; a process that
    locked a file already removed tries again on the new one.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    path = _lock_path(target)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise OutputError(f"cannot lock {out}: {describe_os_error(e)}") from None
        try:
            st = os.fstat(fd)
            if st.st_nlink == 0:
                os.close(fd)  # removed by its holder between our open and fstat
                continue
            if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1 or st.st_uid != os.geteuid():
                # Not a file we made: writing our pid into it could clobber what it links to.
                raise OutputError(f"cannot lock {out}: {path} is not a lock file of yours")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not wait:
                    raise OutputError(
                        f"another build is writing {out} ({_holder(fd)}); "
                        f"wait for it to finish, or pass --wait"
                    ) from None
                log(f"waiting for another build writing {out} ({_holder(fd)}) ...")
                fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                same = os.stat(path, follow_symlinks=False).st_ino == st.st_ino
            except FileNotFoundError:
                same = False
        except BaseException:
            os.close(fd)
            raise
        if same:
            break
        os.close(fd)  # the holder removed the file after we opened it: lock the new one
    _held.add(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    except BaseException:
        # A signal can land between making the new folder and the code that removes it on failure.
        with _uninterrupted():
            _discard_own(target)
        raise
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)  # still locked: whoever opened it before will see it is gone
        _held.discard(fd)
        os.close(fd)


# Forked workers inherit the descriptor, and with it the lock; they close their copy, so that the
# lock ends with the process that took it.
_held: set[int] = set()


def _close_held_in_child() -> None:
    for fd in list(_held):
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_held_in_child)


# --------------------------------------------------------------------------------------------------
# What crashes leave behind


def _pid_of(name: str, tag: str) -> int | None:
    rest = name.split(tag, 1)[1]
    head = rest.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _discard_own(target: Path) -> None:
    """Remove the folders this process began beside `target` and did not swap in."""
    for path in target.parent.glob(f".{target.name}.new-{os.getpid()}-*"):
        shutil.rmtree(path, ignore_errors=True)


def recover(target: Path, log: Log) -> None:
    """Under the lock: put back a build a crash left renamed aside, and remove dead writers' folders.

    A swap by two renames that dies between them leaves no `NAME` and the previous one as
    `.NAME.old-PID`: it is renamed back. Folders of writers whose process is gone are removed.
    """
    parent, name = target.parent, target.name
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return
    olds: list[Path] = []
    news: list[Path] = []
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            continue
        for tag, found in ((f".{name}.old-", olds), (f".{name}.new-", news)):
            if entry.name.startswith(tag):
                pid = _pid_of(entry.name, tag)
                if pid is None or not _alive(pid):
                    found.append(Path(entry.path))
    if olds and not os.path.lexists(target):
        olds.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        back = olds.pop(0)
        os.rename(back, target)
        log(f"restored {target} from {back.name}, left by an interrupted build")
    for stale in olds + news:
        shutil.rmtree(stale, ignore_errors=True)


# --------------------------------------------------------------------------------------------------
# Writing aside and swapping in


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere the only way to read it is to set it
    os.umask(mask)
    return mask


def new_folder(target: Path) -> Path:
    """An empty folder beside `target` to write the new one in, with the mode a plain mkdir gives."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-{os.getpid()}-", dir=target.parent))
    try:
        # mkdtemp makes it 0700, which the swap would carry over to the build users read and share.
        os.chmod(tmp, 0o777 & ~_umask())
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _renameat2() -> Callable[..., int] | None:
    if sys.platform != "linux":
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None


_RENAMEAT2 = _renameat2()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step; False where the system or file system cannot."""
    if _RENAMEAT2 is None:
        return False
    done = _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(b))


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back until the block ends: a swap stopped halfway leaves no build."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    saved = {
        s: signal.signal(s, lambda signum, frame: pending.append(signum))
        for s in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
        for held in pending:
            handler = saved[signal.Signals(held)]
            if callable(handler):
                handler(held, None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(held)


def swap_in(new: Path, out: Path) -> None:
    """Put a completed folder in place of `out`, so readers never see a half-written one.

    One atomic exchange where the system has it; else two renames, between which a crash leaves
    `.NAME.old-PID` for `recover` to put back.
    """
    with _uninterrupted():
        if not os.path.lexists(out):
            os.rename(new, out)
            return
        if _exchange(new, out):
            old = new  # the exchange left the previous folder where the new one was
        else:
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, old)
            try:
                os.replace(new, out)
            except OSError:
                os.replace(old, out)  # put the previous one back rather than leave none
                raise
    shutil.rmtree(old, ignore_errors=True)
