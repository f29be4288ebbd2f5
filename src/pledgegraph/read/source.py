"""A source file to its text: looked at before it is opened, decoded, cleaned of what RDF cannot carry,
and refused when it is not a letter by its shape."""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from pathlib import Path

from .document import Document
from .limits import MAX_BYTES, MAX_LINE_CHARS, MAX_STATEMENTS, ReadError, printable
from .pdf import pdf_text
from .structure import structure

# --------------------------------------------------------------------------------------------------
# Opening: a source is looked at (stat) before it is opened, and opened only when it is a regular file
# of a letter's size, so that neither a FIFO nor a device nor a huge file is ever read.


def path_problem(path: Path, error: OSError) -> str:
    """What keeps a path from being read, in words: missing, a broken link, a link loop, no permission."""
    if error.errno == errno.ELOOP:
        return "symbolic link loop: the link leads back to itself"
    if error.errno == errno.ENOENT:
        try:
            target = os.readlink(path)
        except OSError:
            return "no such file or folder"
        return f"broken symbolic link (to {printable(target)}, which does not exist)"
    if error.errno == errno.ENOTDIR:
        return "no such file or folder (a part of the path is a file, not a folder)"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return f"cannot read: {error.strerror or error}"


def kind_problem(mode: int) -> str | None:
    """Why a file of this kind (from stat) is not read as a source; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file: not read"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file: not read"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file: not read"
    return "not a regular file: not read"


def _too_large(size: int) -> ReadError:
    return ReadError(
        f"file too large ({size / 1e6:.1f} MB; a letter with its annex is well under "
        f"{MAX_BYTES // (1024 * 1024)} MB)"
    )


def source_bytes(path: Path) -> bytes:
    """The bytes of a source file, refused before a byte is read when it is not a file of a letter's size."""
    try:
        st = os.stat(path)
    except OSError as e:
        raise ReadError(path_problem(path, e)) from None
    if (problem := kind_problem(st.st_mode)) is not None:
        raise ReadError(problem)
    if st.st_size > MAX_BYTES:
        raise _too_large(st.st_size)
    # Non-blocking, and checked again on the open file: the path may have been swapped for a FIFO.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise ReadError(path_problem(path, e)) from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if (problem := kind_problem(st.st_mode)) is not None:
            raise ReadError(problem)
        try:
            data = f.read(MAX_BYTES + 1)
        except OSError as e:
            raise ReadError(f"cannot read: {e.strerror or e}") from None
    if len(data) > MAX_BYTES:  # it grew since stat
        raise _too_large(len(data))
    return data


# --------------------------------------------------------------------------------------------------
# Decoding

# Byte-order marks, the four-byte ones first: UTF-32-LE's mark begins with UTF-16-LE's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)

# What XML 1.0 (RDF/XML), and so any serialisation of the graph, cannot carry: C0 controls other than
# tab, line feed and carriage return, lone surrogates (a PDF's broken font map can yield them) and
# the non-characters U+FFFE/U+FFFF. The separators among the controls (vertical tab, form feed, the
# file/group/record/unit separators) become a line break, so that words on either side stay apart.
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_AS_LINE_BREAK = frozenset("\x0b\x0c\x1c\x1d\x1e\x1f")


def _replacement(m: re.Match[str]) -> str:
    ch = m.group(0)
    if ch in _AS_LINE_BREAK:
        return "\n"
    return "\ufffd" if "\ud800" <= ch <= "\udfff" else ""


def clean_text(text: str) -> str:
    """The text without the characters no RDF serialisation can carry (see _UNWANTED).

    Applied to every source as read, before it is structured: offsets index the cleaned text, which
    is the text kept in the build's sources/ folder.
    """
    if _UNWANTED.search(text) is None:
        return text
    return _UNWANTED.sub(_replacement, text)


def decode(data: bytes, name: str) -> tuple[str, str]:
    """The text of a source's bytes and its media type; ReadError when it is not a readable letter.

    Text is UTF-8, with or without a byte-order mark, or UTF-16 or UTF-32 with one (the mark is not
    part of the text). The text is cleaned (clean_text) and must have a letter's shape (check_shape).
    """
    if len(data) > MAX_BYTES:
        raise _too_large(len(data))
    if data.startswith(b"%PDF-"):
        text, media = pdf_text(data), "application/pdf"
    else:
        text, media = _decode_text(data), "text/plain"
    text = clean_text(text)
    check_shape(text)
    return text, media


def _decode_text(data: bytes) -> str:
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as e:
                raise ReadError(
                    f"not {label}, although it begins with a {label} byte-order mark: "
                    f"bad bytes at offset {e.start + len(bom)}"
                ) from None
            break
    else:
        if not data.strip():
            raise ReadError("empty file: no text to read")
        head = data[:65536]
        if b"\x00" in head:
            hint = ""
            if head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4:
                hint = " (UTF-16 without a byte-order mark? save it as UTF-8)"
            raise ReadError(f"binary file (NUL bytes): not a text or PDF letter{hint}")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            byte = data[e.start]
            hint = ""
            if byte in (0x91, 0x92, 0x93, 0x94, 0x96, 0x97) or 0xA0 <= byte <= 0xFF:
                hint = "; it looks like Windows-1252 or Latin-1: convert it, e.g. `iconv -f cp1252 -t utf-8`"
            raise ReadError(f"not UTF-8: byte 0x{byte:02x} at offset {e.start}{hint}") from None
    if not text.strip():
        raise ReadError("empty file: no text to read")
    controls = sum(1 for c in text[:65536] if ord(c) < 32 and c not in "\t\n\r\f\v")
    if controls > max(8, len(text[:65536]) // 100):
        raise ReadError("binary file (control characters): not a text letter")
    return text


def check_shape(text: str) -> None:
    """Refuse a text that is not a letter by its shape: a line longer than any letter (MAX_LINE_CHARS)."""
    longest = max(map(len, text.splitlines()), default=0)
    if longest > MAX_LINE_CHARS:
        raise ReadError(
            f"not a letter by its shape: a line of {longest:,} characters (a whole letter on one "
            f"line is a few tens of thousands; the limit is {MAX_LINE_CHARS:,})"
        )


def check_statements(count: int) -> None:
    """Refuse an extraction with more statements than any letter holds (MAX_STATEMENTS)."""
    if count > MAX_STATEMENTS:
        raise ReadError(
            f"not a letter by its shape: {count:,} pledges, contributions and claims (a letter "
            f"has a few dozen; the limit is {MAX_STATEMENTS:,})"
        )


def read_text(path: Path) -> tuple[str, str]:
    """The cleaned text of a source file and its media type (see source_bytes and decode)."""
    return decode(source_bytes(path), path.name)


def read_path(path: Path) -> Document:
    """Read and structure one source file."""
    text, media = read_text(path)
    return structure(text, path.name, media)
