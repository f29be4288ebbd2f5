"""A PDF's text layer, read by pypdf in a child process under a time and a memory limit."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from . import limits
from .limits import MAX_BYTES, PDF_STREAM_BYTES, ReadError, describe_error

# --------------------------------------------------------------------------------------------------
# PDF: pypdf runs in a child process under a time and a memory limit, so that a decompression bomb,
# a deeply nested object or a bug in the parser is that PDF's error, never the build's.


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF, page after page, extracted in a child process (PDF_SECONDS, PDF_MEMORY_MIB)."""
    # -I: the child ignores the working folder and PYTHONPATH (no module planted there is imported);
    # it finds pledgegraph where this process found it.
    package_parent = str(Path(__file__).resolve().parents[2])
    code = (
        f"import sys; sys.path.insert(0, {package_parent!r}); "
        f"from pledgegraph.read.pdf import _pdf_child; _pdf_child({limits.PDF_MEMORY_MIB}, {limits.PDF_SECONDS})"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", code],
            input=data,
            capture_output=True,
            timeout=limits.PDF_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise _too_slow() from None
    except OSError as e:
        raise ReadError(f"cannot start the PDF reader: {e}", lasting=False) from None
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        answer = None
    if isinstance(answer, dict) and isinstance(answer.get("text"), str):
        return answer["text"]
    if isinstance(answer, dict) and isinstance(answer.get("error"), str):
        raise ReadError(answer["error"], lasting=bool(answer.get("lasting", True)))
    died_of = _signal_name(-done.returncode) if done.returncode < 0 else None
    if died_of == "SIGXCPU":  # its CPU-time backstop
        raise _too_slow()
    if b"MemoryError" in done.stderr or died_of == "SIGKILL":  # SIGKILL: the kernel's OOM killer
        raise ReadError(_memory_message(limits.PDF_MEMORY_MIB), lasting=False)
    how = f"signal {died_of}" if died_of else f"exit status {done.returncode}"
    raise ReadError(f"the PDF reader failed on it ({how}): a damaged PDF?", lasting=False)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _too_slow() -> ReadError:
    return ReadError(
        f"PDF text extraction took longer than {limits.PDF_SECONDS} s (a damaged or hostile PDF?)",
        lasting=False,
    )


def _memory_message(mib: int) -> str:
    return (
        f"PDF text extraction needed more than {mib} MiB (a decompression bomb or a damaged PDF?)"
    )


def _pdf_child(memory_mib: int, seconds: float) -> None:
    """The child process: a PDF on stdin, {"text": ...} or {"error": ..., "lasting": ...} as JSON on stdout."""
    _limit_this_process(memory_mib, seconds)
    data = sys.stdin.buffer.read(MAX_BYTES + 1)
    answer: dict[str, object]
    try:
        answer = {"text": _pdf_text_here(data)}
    except ReadError as e:
        answer = {"error": str(e), "lasting": e.lasting}
    except MemoryError:
        answer = {"error": _memory_message(memory_mib), "lasting": False}
    except RecursionError:
        answer = {"error": "damaged PDF: objects nested too deeply to read"}
    except Exception as e:  # whatever a hostile file makes the parser raise is that file's error
        answer = {"error": f"damaged PDF: {describe_error(e)}"}
    sys.stdout.write(
        json.dumps(answer)
    )  # ASCII escapes carry lone surrogates; clean_text mends them
    sys.stdout.flush()


def _limit_this_process(memory_mib: int, seconds: float) -> None:
    try:
        import resource
    except ImportError:  # not on this platform: the parent's wall-clock limit still holds
        return
    memory = memory_mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # CPU time as a backstop should the parent die and its timer with it.
    cpu = int(seconds) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None).prctl(pr_set_pdeathsig, 9)  # SIGKILL when the parent dies
        except (OSError, AttributeError):
            pass


def _pdf_text_here(data: bytes) -> str:
    import io
    import logging
    import warnings

    import pypdf
    from pypdf.errors import DependencyError, LimitReachedError

    logging.getLogger("pypdf").setLevel(logging.CRITICAL + 1)
    warnings.simplefilter("ignore")
    pypdf.overwrite_configuration(
        jbig2dec_binary=None,  # never run an external program on a hostile file
        maximum_declared_stream_length=PDF_STREAM_BYTES,
        array_based_stream_maximum_output_length=PDF_STREAM_BYTES,
        jbig2_maximum_output_length=PDF_STREAM_BYTES,
        lzw_maximum_output_length=PDF_STREAM_BYTES,
        run_length_maximum_output_length=PDF_STREAM_BYTES,
        zlib_maximum_output_length=PDF_STREAM_BYTES,
        brotli_maximum_output_length=PDF_STREAM_BYTES,
    )
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            # Most "protected" PDFs only restrict printing or copying and open with the empty
            # password; one that needs a password to open cannot be read without it.
            raise ReadError(
                "encrypted PDF that needs a password to open: decrypt it first "
                "(e.g. `qpdf --decrypt --password=PASSWORD in.pdf out.pdf`)"
            )
        pages: list[str] = []
        size = 0
        for page in reader.pages:
            pages.append((page.extract_text() or "").rstrip())
            size += len(pages[-1])
            if size > MAX_BYTES:
                raise ReadError(
                    f"PDF with more than {MAX_BYTES:,} characters of text: not a letter"
                )
    except DependencyError as e:
        raise ReadError(f"cannot read this PDF: {describe_error(e)}") from None
    except LimitReachedError as e:
        raise ReadError(
            "PDF beyond the reader's safety limits (a decompression bomb? a stream may decompress "
            f"to {PDF_STREAM_BYTES // (1024 * 1024)} MiB at most): {describe_error(e)}"
        ) from None
    text = "\n\n".join(pages)
    if not text.strip():
        raise ReadError(
            "PDF without a text layer (a scan?): run OCR on it first, then build the text"
        )
    return text + "\n"
