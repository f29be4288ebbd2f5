"""The `pledgegraph serve` command: linked data pages and a read-only SPARQL endpoint over a build."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data", default="build", metavar="DIR", help="the build to serve (default: build/)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    p.add_argument(
        "--base",
        default=None,
        metavar="URL",
        help="the served base, e.g. http://127.0.0.1:8000/: the data's IRIs are rewritten onto it "
        "(default: the build's own base, with paths served relative to it)",
    )
    p.add_argument(
        "--query-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="stop a SPARQL query after this many seconds (default: 10)",
    )
    p.add_argument(
        "--max-rows",
        type=int,
        default=10_000,
        help="most rows (or triples) a query returns (default: 10000)",
    )
    p.add_argument(
        "--workers", type=int, default=None, help="query processes (default: 2 to 4, by core count)"
    )
    p.add_argument(
        "--endpoint",
        metavar="URL",
        help="serve over this SPARQL 1.1 endpoint instead of the build's store",
    )
    p.add_argument(
        "--cache-mb",
        type=int,
        default=64,
        help="memory for recent SPARQL answers of the (read-only) build; 0: none (default: 64)",
    )
    p.add_argument(
        "--page-cache-mb",
        type=int,
        default=64,
        metavar="MB",
        help="memory for rendered pages and documents of the (read-only) build; 0: none (default: 64)",
    )
    p.add_argument(
        "--worker-memory",
        type=int,
        default=None,
        metavar="MB",
        help="memory (data segment) each query process may use; a query needing more gets 503 "
        "(default: 2048)",
    )
    p.add_argument(
        "--per-client",
        type=int,
        default=None,
        metavar="N",
        help="SPARQL queries one client address may have running at once; more get 429 (default: 2)",
    )
    p.add_argument("--user", default=None, help="user for --endpoint")
    p.add_argument(
        "--password",
        default=None,
        help="password for --endpoint; visible to other users: prefer --password-file or "
        "$PLEDGEGRAPH_STORE_PASSWORD",
    )
    p.add_argument("--password-file", metavar="FILE", help="read the --endpoint password from FILE")
    p.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )


def main(args: argparse.Namespace) -> int:
    import uvicorn

    from ..store import StoreError
    from .app import create_app
    from .backend import DEFAULT_MEMORY_MB, BackendError
    from .context import PER_CLIENT
    from .http import server_config

    data_dir = Path(args.data)
    try:
        if args.endpoint:
            from ..remote import RemoteStore, password_from

            def warn(message: str) -> None:
                print(message, file=sys.stderr)

            password = password_from(args.password, args.password_file, warn)
            store: object = RemoteStore(
                args.endpoint,
                user=args.user,
                password=password if args.user is not None else None,
                timeout=args.query_timeout,
            )
            if not data_dir.is_dir():
                data_dir = None  # type: ignore[assignment]
        else:
            if not (data_dir / "store").is_dir():
                print(
                    f"error: {data_dir}: no build here (run `pledgegraph build --out {data_dir}` first)",
                    file=sys.stderr,
                )
                return 2
            store = data_dir
        app = create_app(
            store,
            base=args.base,
            data_dir=data_dir,
            query_timeout=args.query_timeout,
            max_rows=args.max_rows,
            workers=args.workers,
            cache_bytes=args.cache_mb * 2**20,
            memory_mb=args.worker_memory or DEFAULT_MEMORY_MB,
            per_client=args.per_client or PER_CLIENT,
            render_bytes=args.page_cache_mb * 2**20,
        )
        # The query processes start before the server listens: a build they cannot load is one
        # line and exit 2 here, not a traceback from inside the server.
        start = getattr(app.state.ctx.backend, "start", None)
        if start is not None:
            start()
    except (StoreError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BackendError as e:
        print(f"error: {data_dir or args.endpoint}: {e.message}", file=sys.stderr)
        app.state.ctx.backend.close()
        return 2
    served = app.state.ctx.bases.served
    print(
        f"serving {data_dir or args.endpoint} at http://{args.host}:{args.port}/ (base {served})"
        + ("" if args.endpoint else "; a new build there is served when it lands (or on SIGHUP)"),
        file=sys.stderr,
    )
    config = server_config(
        app,
        args.host,
        args.port,
        log_level=args.log_level,
        access_log=args.log_level == "debug",
    )
    uvicorn.Server(config).run()
    return 0
