"""The `pledgegraph` command: thin sub-commands over the pipeline's functions.

Exit codes: 0 success (the graph conforms), 1 the graph has SHACL violations, 2 an error (a source
that cannot be read, a missing build, a bad argument, a store that cannot be reached).
Data goes to stdout, messages to stderr.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from . import __version__
from .namespaces import DEFAULT_BASE

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _default_out() -> Path:
    from .resources import repo_root

    root = repo_root()
    return (root / "build") if root and Path.cwd().resolve() == root else Path("build")


# ------------------------------------------------------------------------------------------ build


def cmd_build(args: argparse.Namespace) -> int:
    from .build import BuildError, build, default_sources
    from .outdir import OutputError

    sources = [Path(s) for s in args.sources] or default_sources()
    out = Path(args.out) if args.out else _default_out()
    start = time.perf_counter()
    try:
        result = build(
            sources,
            out,
            args.base,
            log=_err,
            jobs=args.jobs,
            progress=_progress(args, len(sources)),
            cache=Path(args.cache) if args.cache else None,
            use_cache=not args.no_cache,
            engine=args.engine,
            wait=args.wait,
            as_of=args.as_of,
        )
    except OutputError as e:
        _err(f"error: {e}")
        return EXIT_ERROR
    except BuildError as e:
        _err(f"error: {e}; nothing written, {out} left as it was")
        return EXIT_ERROR
    elapsed = time.perf_counter() - start
    pledges = sum(len(letter.extraction.pledges) for letter in result.letters)
    violations = sum(1 for f in result.findings if f.severity == "Violation")
    warnings = sum(1 for f in result.findings if f.severity == "Warning")
    if not args.quiet:
        _err(
            f"built {len(result.letters)} letter(s), {pledges} pledges, {result.triples} triples in {elapsed:.2f} s; "
            f"{violations} violations, {warnings} warnings"
        )
        _err(f"outputs in {result.out}: graph.ttl, dataset.nq, report.ttl, report.txt, store/")
    if args.timings:
        _err(timings_table(result.stages, len(result.letters)))
    if result.errors:
        _err(f"{len(result.errors)} source(s) could not be built (see above)")
    return result.exit_code


def timings_table(stages: dict[str, float], letters: int) -> str:
    """Where a build's time went: each stage's wall time, share and time per letter."""
    total = sum(stages.values()) or 1e-9
    lines = [f"{'stage':<10} {'seconds':>9} {'share':>6} {'ms/letter':>10}"]
    for name, seconds in [*stages.items(), ("total", total)]:
        per_letter = 1000 * seconds / max(letters, 1)
        lines.append(f"{name:<10} {seconds:>9.3f} {seconds / total:>6.0%} {per_letter:>10.2f}")
    return "\n".join(lines)


def _progress(args: argparse.Namespace, n: int):
    """A rich progress bar on stderr for batches of more than a few letters, unless --quiet."""
    if args.quiet:
        return None

    def wrap(paths: Sequence[Path]) -> Iterable[Path]:
        if len(paths) <= 3 or not sys.stderr.isatty():
            yield from paths
            return
        from rich.progress import track

        yield from track(paths, description="reading letters", console=_console(), transient=True)

    return wrap


def _site_progress(items: Sequence[str], description: str) -> Iterable[str]:
    """The pages of `export --site` as they are written, on a rich bar on stderr."""
    from rich.progress import track

    yield from track(items, description=description, console=_console(), transient=False)


def _console():
    from rich.console import Console

    return Console(stderr=True)


# ------------------------------------------------------------------------------------------ validate


def cmd_validate(args: argparse.Namespace) -> int:
    from .buildfolder import BuildError, BuildFolder
    from .iris import Iris
    from .reports import conforms, report_json, report_text, report_turtle
    from .validate import ValidationEngineError, revalidate

    folder = BuildFolder(args.data)
    try:
        findings = revalidate(folder.path, jobs=args.jobs, engine=args.engine)
    except (BuildError, ValidationEngineError) as e:
        _err(f"error: {e}")
        return EXIT_ERROR
    if args.format == "json":
        print(report_json(findings))
    elif args.format == "turtle":
        # The report's IRIs under the build's own base, as the build wrote report.ttl.
        sys.stdout.buffer.write(report_turtle(findings, Iris(folder.base)))
    else:
        print(report_text(findings))
    return EXIT_OK if conforms(findings, args.fail_on) else EXIT_VIOLATIONS


# ------------------------------------------------------------------------------------------ queries


def cmd_queries(args: argparse.Namespace) -> int:
    from .queries import catalogue

    for name, q in sorted(catalogue().items()):
        print(f"{name}\t{q.title}")
    return EXIT_OK


def cmd_query(args: argparse.Namespace) -> int:
    from .queries import FORMATTERS, QueryError, from_file, run
    from .store import StoreError

    # A key given several times means any of its values.
    params: dict[str, list[str]] = {}
    for p in args.param or []:
        if "=" not in p:
            _err(f"error: --param takes KEY=VALUE, not {p!r}")
            return EXIT_ERROR
        k, v = p.split("=", 1)
        params.setdefault(k.strip(), []).append(v)
    try:
        # A name ending in .rq, or naming a file, is a query file of the user's.
        path = Path(args.name)
        query = from_file(path) if args.name.endswith(".rq") or path.is_file() else args.name
        store = _open_store(args)
        local = None if getattr(args, "endpoint", None) else Path(args.data)
        names, rows = run(store, query, params, data_dir=local)
    except (QueryError, StoreError) as e:
        _err(f"error: {e}")
        return EXIT_ERROR
    sys.stdout.write(FORMATTERS[args.format](names, rows))
    if args.format == "json":
        sys.stdout.write("\n")
    return EXIT_OK


def _open_store(args: argparse.Namespace):
    if getattr(args, "endpoint", None):
        from .remote import RemoteStore, password_from
        from .store import StoreError

        try:
            password = password_from(args.password, args.password_file, _err)
        except ValueError as e:
            raise StoreError(str(e)) from None
        return RemoteStore(
            args.endpoint,
            user=args.user,
            password=password if args.user is not None else None,
            timeout=args.timeout,
        )
    from .store import EmbeddedStore

    return EmbeddedStore.open(Path(args.data))


# ------------------------------------------------------------------------------------------ export


def cmd_export(args: argparse.Namespace) -> int:
    from .buildfolder import BuildError
    from .outdir import OutputError

    if args.site:
        from .site import export_site

        try:
            count = export_site(
                Path(args.data),
                Path(args.site),
                base=args.base,
                log=_err,
                wait=args.wait,
                progress=_site_progress,
            )
        except (BuildError, OutputError) as e:
            _err(f"error: {e}")
            return EXIT_ERROR
        _err(f"wrote {count} files to {args.site}")
        return EXIT_OK
    if not args.format:
        _err("error: export needs --format (turtle, trig, nt, jsonld) or --site DIR")
        return EXIT_ERROR
    from .export import export

    try:
        data = export(Path(args.data), args.format)
    except BuildError as e:
        _err(f"error: {e}")
        return EXIT_ERROR
    if args.output:
        out = Path(args.output)
        tmp = out.with_name(out.name + ".part")
        try:
            tmp.write_bytes(data)
            tmp.replace(out)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            _err(f"error: cannot write {out}: {e.strerror or e}; {out} left as it was")
            return EXIT_ERROR
        _err(f"wrote {out}")
    else:
        sys.stdout.buffer.write(data)
    return EXIT_OK


# ------------------------------------------------------------------------------------------ parser


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pledgegraph",
        description="Linked data from UN Human Rights Council candidature letters and their pledges.",
        epilog="Exit codes: 0 ok, 1 SHACL violations, 2 error.",
    )
    p.add_argument("--version", action="version", version=f"pledgegraph {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("build", help="read letters, build, validate and store the graph")
    b.add_argument(
        "sources",
        nargs="*",
        metavar="SOURCE",
        help="letter files (.txt, .pdf) or folders (default: data/sources/)",
    )
    b.add_argument("--out", metavar="DIR", help="output folder (default: build/)")
    b.add_argument(
        "--base",
        default=DEFAULT_BASE,
        help=f"base IRI of minted resources (default: {DEFAULT_BASE})",
    )
    b.add_argument(
        "--jobs", type=int, default=None, help="validation processes (default: one per core)"
    )
    b.add_argument("--quiet", "-q", action="store_true", help="no progress or summary on stderr")
    b.add_argument(
        "--timings",
        action="store_true",
        help="print where the time went (read, extract, graph, validate, write, store) on stderr",
    )
    b.add_argument(
        "--cache",
        metavar="DIR",
        help="cache of read letters and their graphs (default: beside --out)",
    )
    b.add_argument(
        "--no-cache", action="store_true", help="read, extract and validate every letter anew"
    )
    b.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        type=_day,
        help="the reference date of the pledges' follow-up (default: the day as of which the "
        "reference data's treaty lists are complete)",
    )
    _wait_arg(b)
    _engine_arg(b)
    b.set_defaults(func=cmd_build)

    v = sub.add_parser("validate", help="validate a build again with the SHACL shapes")
    v.add_argument("--data", default="build", metavar="DIR")
    v.add_argument("--format", choices=["text", "turtle", "json"], default="text")
    v.add_argument(
        "--fail-on",
        choices=["violation", "warning", "info"],
        default="violation",
        help="lowest severity that makes the exit status 1 (default: violation)",
    )
    v.add_argument("--jobs", type=int, default=None)
    _engine_arg(v)
    v.set_defaults(func=cmd_validate)

    q = sub.add_parser("query", help="run a named query, or a query file")
    q.add_argument(
        "name", help="query name (see `pledgegraph queries`), or a SPARQL SELECT file (FILE.rq)"
    )
    q.add_argument("--data", default="build", metavar="DIR")
    q.add_argument("--format", choices=["table", "json", "csv"], default="table")
    q.add_argument(
        "--param",
        action="append",
        metavar="KEY=VALUE",
        help="bind a query parameter (in any case; repeat a key for any of several values)",
    )
    _remote_args(q)
    q.set_defaults(func=cmd_query)

    sub.add_parser("queries", help="list the named queries").set_defaults(func=cmd_queries)

    e = sub.add_parser("export", help="export the graph as RDF, or the whole site as static files")
    e.add_argument("--data", default="build", metavar="DIR")
    e.add_argument("--format", choices=["turtle", "trig", "nt", "nq", "jsonld", "rdfxml"])
    e.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    e.add_argument(
        "--site", metavar="DIR", help="write the HTML pages and RDF documents as static files"
    )
    e.add_argument("--base", default=None, help="base IRI of the site (default: the build's)")
    _wait_arg(e)
    e.set_defaults(func=cmd_export)

    _add_serve(sub)
    _add_publish(sub)
    return p


def _wait_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--wait",
        action="store_true",
        help="when another build or export is writing the same folder, wait for it "
        "(default: stop with exit status 2)",
    )


def _day(value: str) -> str:
    """An ISO date, as --as-of takes it."""
    import datetime

    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _engine_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        choices=["turbo", "pyshacl"],
        default="turbo",
        help="SHACL engine: pyshacl-turbo (fast, default) or pySHACL (the reference)",
    )


def _remote_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--endpoint", metavar="URL", help="query a SPARQL 1.1 endpoint instead of the build"
    )
    p.add_argument("--user", default=None)
    p.add_argument(
        "--password",
        default=None,
        help="visible to other users: prefer --password-file or $PLEDGEGRAPH_STORE_PASSWORD",
    )
    p.add_argument("--password-file", metavar="FILE", help="read the password from FILE")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the endpoint")


def _add_serve(sub) -> None:
    try:
        from .serve import add_arguments, main
    except ImportError:
        return
    s = sub.add_parser("serve", help="serve linked data pages and a SPARQL endpoint over HTTP")
    add_arguments(s)
    s.set_defaults(func=main)


def _add_publish(sub) -> None:
    try:
        from .publish import add_arguments, main
    except ImportError:
        return
    s = sub.add_parser("publish", help="write the build into a SPARQL 1.1 triple store")
    add_arguments(s)
    s.set_defaults(func=main)


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is: what was being written is removed, what was there stays."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # The server has its own shutdown on SIGTERM; every other command cleans up as on Ctrl-C.
    handle = (
        args.command != "serve"
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) is not None  # None: set outside Python, left alone
    )
    previous = signal.signal(signal.SIGTERM, _terminate) if handle else None
    try:
        return int(args.func(args))
    except Terminated:
        _err("terminated")
        return 143
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as e:
        # The last resort for a file that cannot be read or written (a full disk): one line, not a
        # traceback, and the exit status of an error rather than the one of SHACL violations.
        from .outdir import describe_os_error

        _err(f"error: {describe_os_error(e)}")
        return EXIT_ERROR
    finally:
        if handle:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
