"""A content-addressed cache of what a build computes per letter, so a rebuild redoes only what changed.

Two kinds of entries, both under one folder per *environment* (the hash of everything a letter's
result depends on besides its own text: the pipeline's code, the shapes, the reference data, the
ontology and themes, and the base IRI):

- `src/<sha256 of the source bytes>`: the Document read from the source and its Extraction (or the
  error that stopped it);
- `graph/<sha256 of the source bytes>-<letter key>`: the letter graph as sorted N-Triples lines, its
  Turtle blocks and its validation findings (the key is part of the name because it is assigned
  across letters: two letters of one State on one day get distinct keys).

A change to any input of the environment moves the build to a new folder, and the old ones are
removed, so an entry is never read under inputs it was not computed from.

Entries are JSON: plain data, rebuilt into the pipeline's dataclasses by their type hints, so reading
one never runs code (a pickle can), and one without the expected shape is a miss. The cache folder
is private (created 0700): one that is a symbolic link, belongs to another user or that others may
write is not used at all, since its entries could have been planted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.metadata
import itertools
import json
import os
import re
import secrets
import shutil
import stat
import types
import typing
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import __version__, resources
from .extract import Extraction
from .findings import Finding
from .read import Document

# The libraries whose version changes a letter's result: its text (pypdf), its Turtle (pyoxigraph),
# its findings (the SHACL engines).
DISTRIBUTIONS = ("pypdf", "pyoxigraph", "rdflib", "pyshacl", "pyshacl-turbo")
FORMAT = "3"  # bump when the layout of an entry changes (3: JSON instead of pickle)
MAX_ENTRY_BYTES = 256 << 20  # a larger file is not an entry we wrote: not read at all
_ENVIRONMENT_NAME = re.compile(r"[0-9a-f]{24}")
_ENTRY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def environment_key(base: str, extra: str = "") -> str:
    """The hash of every input of a letter's result other than its own text."""
    h = hashlib.sha256()
    h.update(f"pledgegraph {__version__} cache {FORMAT}\0base {base}\0{extra}\0".encode())
    package = Path(__file__).resolve().parent
    # All of the package's code, not a hand-kept list of the modules that matter (a list that
    # missed the validator's modules once kept stale findings): a code change redoes every letter.
    files = sorted(package.rglob("*.py"))
    # Shapes, ontology, themes, vocabularies and the extractor's lexicon: all of ontology/.
    files += sorted(resources.folder("ontology").glob("*.ttl"))
    files += resources.reference_files()
    files.append(resources.dataset_template())
    for path in files:
        name = path.relative_to(package) if path.is_relative_to(package) else Path(path.name)
        h.update(str(name).encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    for dist in DISTRIBUTIONS:
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            version = "missing"
        h.update(f"{dist} {version}\0".encode())
    return h.hexdigest()


def default_folder(out: Path) -> Path:
    """Beside the output folder, never inside it: the output is replaced whole by every build."""
    out = Path(out).resolve()
    return out.parent / ".pledgegraph-cache"


def source_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------------------------------
# Entries as plain data


class Malformed(ValueError):
    """An entry whose data does not have the shape its kind has."""


Codec = tuple[Callable[[Any], Any], Callable[..., Any]]
_CODECS: dict[Any, Codec] = {}


def _scalar(kind: type) -> Codec:
    def dec(v: Any) -> Any:
        if type(v) is not kind:
            raise Malformed(f"{kind.__name__} expected")
        return v

    return (lambda v: v), dec


def _bytes_codec() -> Codec:
    # Turtle blocks are UTF-8 text; as a string the entry stays plain JSON.
    def dec(v: Any) -> bytes:
        if type(v) is not str:
            raise Malformed("text expected")
        return v.encode("utf-8", "surrogatepass")

    return (lambda v: v.decode("utf-8")), dec


def _optional(inner: Codec) -> Codec:
    enc, dec = inner
    return (lambda v: None if v is None else enc(v)), (lambda v: None if v is None else dec(v))


def _list(inner: Codec, item: Any) -> Codec:
    enc, dec = inner
    if item is str:  # the N-Triples lines: thousands per letter, checked without copying

        def dec_str(v: Any) -> list[str]:
            if type(v) is not list or not all(type(x) is str for x in v):
                raise Malformed("list of text expected")
            return v

        return (lambda v: list(v)), dec_str

    def dec_list(v: Any) -> list[Any]:
        if type(v) is not list:
            raise Malformed("list expected")
        return [dec(x) for x in v]

    return (lambda v: [enc(x) for x in v]), dec_list


def _dict(inner: Codec) -> Codec:
    enc, dec = inner

    def dec_dict(v: Any) -> dict[str, Any]:
        if type(v) is not dict:
            raise Malformed("object expected")
        return {k: dec(x) for k, x in v.items()}  # JSON keys are always text

    return (lambda v: {k: enc(x) for k, x in v.items()}), dec_dict


def _tuple(inner: list[Codec]) -> Codec:
    encs, decs = [c[0] for c in inner], [c[1] for c in inner]
    n = len(inner)

    def dec_tuple(v: Any) -> tuple[Any, ...]:
        if type(v) is not list or len(v) != n:
            raise Malformed(f"{n} items expected")
        return tuple(d(x) for d, x in zip(decs, v, strict=True))

    return (lambda v: [e(x) for e, x in zip(encs, v, strict=True)]), dec_tuple


def _dataclass(cls: type, given: tuple[str, ...] = ()) -> Codec:
    """A dataclass as the list of its fields' values, in their order, leaving out `given` ones."""
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.init and f.name not in given]
    if any(not f.init for f in dataclasses.fields(cls)):
        raise TypeError(f"{cls.__name__}: a field outside __init__ cannot be rebuilt")
    codecs = [codec(hints[name]) for name in names]
    encs, decs = [c[0] for c in codecs], [c[1] for c in codecs]
    n = len(names)

    def enc(v: Any) -> list[Any]:
        return [e(getattr(v, name)) for e, name in zip(encs, names, strict=True)]

    scalars = [_SCALARS.get(hints[name]) for name in names]
    if not given and all(scalars):
        # Spans, sentences, statements, findings: thousands per letter. Their values are JSON
        # values already, so one comparison of the values' types checks them all.
        usual = tuple(next(iter(s)) for s in scalars)  # type: ignore[arg-type]

        def dec_scalars(v: Any) -> Any:
            if type(v) is not list or len(v) != n:
                raise Malformed(f"{cls.__name__}: {n} fields expected")
            found = tuple(map(type, v))
            if found != usual and not all(t in s for t, s in zip(found, scalars, strict=True)):  # type: ignore[operator]
                raise Malformed(f"{cls.__name__}: a field of another type")
            return cls(*v)

        return enc, dec_scalars

    def dec(v: Any, **extra: Any) -> Any:
        if type(v) is not list or len(v) != n:
            raise Malformed(f"{cls.__name__}: {n} fields expected")
        values = [d(x) for d, x in zip(decs, v, strict=True)]
        if extra:
            return cls(**dict(zip(names, values, strict=True)), **extra)
        return cls(*values)  # the fields in their order: nothing is left out

    return enc, dec


# The types of a field whose JSON value is the value itself; the first is the usual one.
_SCALARS: dict[Any, tuple[type, ...]] = {
    str: (str,),
    int: (int,),
    bool: (bool,),
    str | None: (str, type(None)),
    int | None: (int, type(None)),
    bool | None: (bool, type(None)),
}


def codec(tp: Any) -> Codec:
    """Encoder to JSON-ready data and a checking decoder back, for one type of the pipeline's data."""
    if tp in _CODECS:
        return _CODECS[tp]
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    result: Codec
    if tp in (str, int, bool, float):
        result = _scalar(tp)
    elif tp is bytes:
        result = _bytes_codec()
    elif origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        result = _optional(codec(next(a for a in args if a is not type(None))))
    elif origin is list:
        result = _list(codec(args[0]), args[0])
    elif origin is dict and args[0] is str:
        result = _dict(codec(args[1]))
    elif origin is tuple and args and args[-1] is not Ellipsis:
        result = _tuple([codec(a) for a in args])
    elif dataclasses.is_dataclass(tp) and isinstance(tp, type):
        result = _dataclass(tp)
    else:
        raise TypeError(f"no cache codec for {tp!r}")
    _CODECS[tp] = result
    return result


# `src`: ("ok", Document, Extraction) or ("error", message, None), as JSON. The extraction's
# document is the entry's document, stored once.
_DOCUMENT = codec(Document)
_EXTRACTION = _dataclass(Extraction, given=("doc",))
_STR = codec(str)
_INT = codec(int)
# `graph`: sorted N-Triples lines, the Turtle block of each subject, triples made, digest, findings.
# The lines and blocks (90% of the entry) follow a JSON header as the raw text they are, which
# reads several times faster than the same text as JSON strings full of escaped quotes.
_FINDINGS = codec(list[Finding])


def _json(value: Any) -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), check_circular=False)
    return text.encode("utf-8", "surrogatepass")


def _encode(kind: str, value: Any) -> bytes:
    if kind == "graph":
        lines, blocks, count, digest, findings = value
        text = "\n".join(lines).encode("utf-8")
        if len(lines) != text.count(b"\n") + (1 if lines else 0):
            raise ValueError("an N-Triples line holds a line break")
        header = {
            "count": _INT[1](count),
            "digest": _STR[1](digest),
            "findings": _FINDINGS[0](findings),
            "lines": len(text),
            "subjects": list(blocks),
            "sizes": [len(block) for block in blocks.values()],
        }
        return b"".join([_json(header), b"\n", text, *blocks.values()])
    status, a, b = value
    if status == "ok":
        if not (isinstance(a, Document) and isinstance(b, Extraction) and b.doc is a):
            raise TypeError("a source entry holds a Document and its Extraction")
        return _json(["ok", _DOCUMENT[0](a), _EXTRACTION[0](b)])
    return _json(["error", _STR[0](a)])


def _decode(kind: str, data: bytes) -> Any:
    if kind == "graph":
        cut = data.index(b"\n")
        header = json.loads(data[:cut])
        if type(header) is not dict:
            raise Malformed("not a graph entry")
        at = cut + 1 + _INT[1](header["lines"])
        text = data[cut + 1 : at].decode("utf-8")
        lines = text.split("\n") if text else []
        subjects, sizes = header["subjects"], header["sizes"]
        if (
            type(subjects) is not list
            or type(sizes) is not list
            or len(subjects) != len(sizes)
            or not set(map(type, subjects)) <= {str}
            or not set(map(type, sizes)) <= {int}
            or (sizes and min(sizes) < 0)
            or at + sum(sizes) != len(data)
        ):
            raise Malformed("the graph entry's parts do not add up")
        ends = list(itertools.accumulate(sizes, initial=at))
        blocks = {s: data[a:b] for s, a, b in zip(subjects, ends, ends[1:], strict=False)}
        count = _INT[1](header["count"])
        return (lines, blocks, count, _STR[1](header["digest"]), _FINDINGS[1](header["findings"]))
    value = json.loads(data.decode("utf-8", "surrogatepass"))
    if type(value) is list and len(value) == 3 and value[0] == "ok":
        doc = _DOCUMENT[1](value[1])
        return ("ok", doc, _EXTRACTION[1](value[2], doc=doc))
    if type(value) is list and len(value) == 2 and value[0] == "error":
        return ("error", _STR[1](value[1]), None)
    raise Malformed("not a source entry")


KINDS = ("src", "graph")


# --------------------------------------------------------------------------------------------------
# The private folder


class NotPrivate(Exception):
    """A cache folder whose entries others could have written."""


def _open_private(root: Path) -> int:
    """A descriptor of `root`, created 0700 if missing; NotPrivate unless only we can write it.

    Every access goes through the descriptor, so the folder cannot be swapped for another after
    the check (its parent may be a shared temporary folder).
    """
    root.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.mkdir(root, 0o700)
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as e:
        if os.path.islink(root):
            raise NotPrivate(f"{root} is a symbolic link") from None
        raise NotPrivate(f"{root}: {e.strerror}") from None
    st = os.fstat(fd)
    if st.st_uid != os.geteuid():
        os.close(fd)
        raise NotPrivate(f"{root} belongs to another user (uid {st.st_uid})")
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        os.close(fd)
        raise NotPrivate(f"{root} may be written by others (mode {stat.S_IMODE(st.st_mode):o})")
    if st.st_mode & 0o077:
        os.fchmod(fd, 0o700)  # ours but readable by others: the letters' text is no one else's
    return fd


def private_problem(root: Path) -> str | None:
    """Why the cache at `root` cannot be used, or None when it can (it is created if missing)."""
    try:
        os.close(_open_private(Path(root)))
    except NotPrivate as e:
        return str(e)
    except OSError as e:
        return f"{root}: {e.strerror or e}"
    return None


class Cache:
    """Entries of one environment under `root/<environment>`; reads never fail, they miss.

    A root that is not private (see `private_problem`) makes every read a miss and every write a
    no-op: the build goes on without the cache.
    """

    def __init__(self, root: Path, environment: str) -> None:
        self.root = Path(root)
        self.name = environment[:24]
        self.folder = self.root / self.name
        self.hits = 0
        self.misses = 0
        self.problem: str | None = None
        self._fd: int | None = None
        self._made: set[str] = set()
        try:
            self._fd = _open_private(self.root)
        except NotPrivate as e:
            self.problem = str(e)
        except OSError as e:
            self.problem = f"{self.root}: {e.strerror or e}"
        else:
            weakref.finalize(self, os.close, self._fd)

    def prune(self) -> None:
        """Remove the folders of other environments: they can never be read again."""
        if self._fd is None:
            return
        try:
            entries = list(os.scandir(self._fd))
        except OSError:
            return
        for entry in entries:
            # Only what looks like an environment folder: a --cache pointed at a folder of the
            # user's own must not lose its other subfolders.
            if (
                entry.name != self.name
                and _ENVIRONMENT_NAME.fullmatch(entry.name)
                and entry.is_dir(follow_symlinks=False)
            ):
                shutil.rmtree(entry.name, ignore_errors=True, dir_fd=self._fd)

    def _relative(self, kind: str, name: str) -> str | None:
        if kind not in KINDS or not _ENTRY_NAME.fullmatch(name):
            return None
        return f"{self.name}/{kind}/{name[:2]}/{name}"

    def get(self, kind: str, name: str) -> Any | None:
        rel = self._relative(kind, name)
        value = None if rel is None or self._fd is None else self._read(kind, rel)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def _read(self, kind: str, rel: str) -> Any | None:
        try:
            fd = os.open(rel, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=self._fd)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY_BYTES:
                return None
            with os.fdopen(fd, "rb", closefd=False) as f:
                return _decode(kind, f.read(MAX_ENTRY_BYTES + 1))
        except Exception:
            # Half-written by a crash, written by other code, or not an entry at all: recompute it.
            return None
        finally:
            os.close(fd)

    def put(self, kind: str, name: str, value: Any) -> None:
        rel = self._relative(kind, name)
        if rel is None or self._fd is None:
            return
        try:
            data = _encode(kind, value)
        except (TypeError, ValueError, AttributeError, UnicodeError, Malformed):
            return  # not data of the entry's kind: nothing cached, nothing lost
        folder, _, _ = rel.rpartition("/")
        tmp = f"{folder}/.part-{secrets.token_hex(8)}"
        try:
            self._mkdirs(folder)
            fd = os.open(
                tmp,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                0o600,
                dir_fd=self._fd,
            )
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            # Readers see the whole entry or none.
            os.replace(tmp, rel, src_dir_fd=self._fd, dst_dir_fd=self._fd)
        except OSError:
            # A cache that cannot be written only makes the next build slower.
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=self._fd)

    def _mkdirs(self, folder: str) -> None:
        if folder in self._made:
            return
        parts = folder.split("/")
        for i in range(1, len(parts) + 1):
            with contextlib.suppress(FileExistsError):
                os.mkdir("/".join(parts[:i]), 0o700, dir_fd=self._fd)
        self._made.add(folder)
