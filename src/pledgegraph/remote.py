"""A query store over the SPARQL 1.1 Protocol of a remote triple store, in pyoxigraph terms."""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import threading
from collections.abc import Callable, Generator, Mapping
from pathlib import Path
from typing import Any
from typing import Literal as TypingLiteral

import httpx
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    RdfFormat,
    Triple,
    Variable,
    parse,
    parse_query_results,
)

from . import __version__
from .queries import with_block
from .sparql_syntax import QueryRefused, shape
from .store import Row, StoreError, Term

AuthScheme = TypingLiteral["auto", "basic", "digest"]

USER_AGENT = f"pledgegraph/{__version__} (httpx)"
RESULTS_ACCEPT = "application/sparql-results+xml, application/sparql-results+json;q=0.9"
"""XML first: Virtuoso answers booleans as 1/0 in its JSON results, as true/false in XML."""
RDF_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
PASSWORD_ENV = "PLEDGEGRAPH_STORE_PASSWORD"
_PASSWORD_FILE_LIMIT = 64 << 10


class RemoteStoreError(StoreError):
    """A remote store could not answer; the message is one clear line meant for a person."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status of the store's answer, when it answered


class LoginRefused(RemoteStoreError):
    """The store refused the credentials (HTTP 401 or 403): sending the same again cannot help."""


def password_from(
    password: str | None, password_file: str | Path | None, warn: Callable[[str], None]
) -> str | None:
    """The store password: ``--password``, else the first line of ``--password-file``, else
    ``$PLEDGEGRAPH_STORE_PASSWORD``; None when there is none. ValueError for an unusable file.

    ``--password`` still works, with a warning: every user of the machine can read a command line.
    """
    if password is not None and password_file is not None:
        raise ValueError("give --password or --password-file, not both")
    if password is not None:
        warn(
            "warning: --password is visible to other users in the process list; "
            f"use --password-file FILE or ${PASSWORD_ENV} instead"
        )
        return password
    if password_file is not None:
        try:
            with open(password_file, "rb") as f:
                data = f.read(_PASSWORD_FILE_LIMIT + 1)
        except OSError as e:
            raise ValueError(
                f"cannot read the password file {password_file}: {e.strerror}"
            ) from None
        if len(data) > _PASSWORD_FILE_LIMIT:
            raise ValueError(f"{password_file} is too large for a password file")
        lines = data.decode("utf-8", "replace").splitlines()
        return lines[0] if lines else ""
    return os.environ.get(PASSWORD_ENV) or None


# -- logging in ------------------------------------------------------------------------------------


def http_auth(
    user: str | None, password: str | None, scheme: AuthScheme = "auto"
) -> httpx.Auth | None:
    """How a client logs in: by the challenge the store sends (auto), or always basic or digest.

    Basic sends the credentials with the first request, without waiting for a challenge.
    """
    if user is None or password is None:
        return None
    if scheme == "basic":
        return httpx.BasicAuth(user, password)
    if scheme == "digest":
        return httpx.DigestAuth(user, password)
    return _AnyChallenge(user, password)


class _AnyChallenge(httpx.Auth):
    """Answers the challenge the store sends, digest or basic, then keeps to that scheme."""

    def __init__(self, user: str, password: str) -> None:
        self._schemes: dict[str, httpx.Auth] = {
            "digest": httpx.DigestAuth(user, password),  # first: it never sends the password
            "basic": httpx.BasicAuth(user, password),
        }
        self._chosen: httpx.Auth | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._chosen is not None:
            yield from self._chosen.auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        offered = [c.strip().lower() for c in response.headers.get_list("www-authenticate")]
        for name, scheme in self._schemes.items():
            if any(challenge.startswith(name) for challenge in offered):
                self._chosen = scheme
                yield from scheme.auth_flow(request)
                return


# -- what went wrong, for a person ---------------------------------------------------------------


def check_resolvable(url: str, timeout: float) -> None:
    """Fails within ``timeout`` seconds when the host of ``url`` has no address.

    The client's timeouts do not cover name resolution, which can hang for much longer.
    """
    try:
        parts = httpx.URL(url)
    except httpx.InvalidURL:
        raise RemoteStoreError(f"not an http(s) URL: {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.host:
        raise RemoteStoreError(f"not an http(s) URL: {url!r}")
    host, port = parts.host, parts.port or (443 if parts.scheme == "https" else 80)
    failure: list[OSError] = []

    def resolve() -> None:
        try:
            socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        except OSError as error:
            failure.append(error)

    # A daemon thread: one stuck in the resolver must not keep the process from exiting.
    resolver = threading.Thread(target=resolve, name="pledgegraph-dns", daemon=True)
    resolver.start()
    resolver.join(timeout)
    if resolver.is_alive():
        raise RemoteStoreError(f"cannot resolve host {host!r} within {timeout:g} s (DNS)")
    if failure:
        reason = failure[0].strerror or failure[0]
        raise RemoteStoreError(f"cannot resolve host {host!r} (DNS): {reason}")


def describe_error(error: BaseException, url: str, timeout: float | None = None) -> str:
    """One line saying what went wrong while talking to ``url``, for a person to act on."""
    if isinstance(error, RemoteStoreError):
        return str(error)
    if isinstance(error, (httpx.TimeoutException, TimeoutError)):
        limit = f" within {timeout:g} s" if timeout else ""
        return f"no answer from {url}{limit} (timeout): is the store overloaded or hung?"
    if isinstance(error, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return f"not an http(s) URL: {url!r}"
    cause, where = _os_error(error), _host_port(url)
    if isinstance(cause, ConnectionRefusedError):
        return f"cannot connect to {where} (connection refused): is the store running?"
    if isinstance(cause, socket.gaierror):
        return f"cannot resolve host of {url} (DNS): {cause.strerror}"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"{url} broke off its answer ({_first_line(str(error))}): is the store restarting?"
    if isinstance(cause, ConnectionError):
        return f"connection to {where} failed: {cause.__class__.__name__}: {cause}"
    if isinstance(cause, OSError):
        return f"cannot talk to {url}: {cause.strerror or cause}"
    return f"{url}: {error.__class__.__name__}: {_first_line(str(error))}"


def status_error(response: httpx.Response, url: str) -> RemoteStoreError:
    """The error for an answer other than 2xx: LoginRefused for 401 and 403."""
    code = response.status_code
    if code == 401:
        message = (
            f"login refused by {url} (HTTP 401): check the user and the password "
            f"(--user; --password-file or ${PASSWORD_ENV})"
        )
    elif code == 403:
        message = (
            f"forbidden by {url} (HTTP 403): the user may not do this; check the user's rights"
        )
    elif code == 404:
        message = f"nothing at {url} (HTTP 404): check the URL of the endpoint"
    elif response.is_redirect:
        where = response.headers.get("Location", "elsewhere")
        message = f"{url} moved (HTTP {code}) to {where}: give that URL instead"
    else:
        body = _first_line(response.text[:2000])
        tail = f": {body}" if body else ""
        message = f"{url} answered HTTP {code} {response.reason_phrase}{tail}"
    return (LoginRefused if code in (401, 403) else RemoteStoreError)(message, code)


def _os_error(error: BaseException) -> BaseException | None:
    """The OSError under the exceptions httpx and httpcore wrap it in, if there is one."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _first_line(text: str, limit: int = 200) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = lines[0] if lines else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _host_port(url: str) -> str:
    try:
        return httpx.URL(url).netloc.decode("ascii") or url
    except (httpx.InvalidURL, UnicodeDecodeError):
        return url


def _media(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


# -- the store -------------------------------------------------------------------------------------


class RemoteStore:
    """A ``QueryStore`` over the SPARQL 1.1 Protocol (queries and updates) of any SPARQL store.

    One HTTP client per store: its connections are reused, the login is answered once, and each
    wait (name resolution, connecting, sending, every read) is bounded by ``timeout`` seconds.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        update_endpoint: str | None = None,
        user: str | None = None,
        password: str | None = None,
        auth: AuthScheme = "auto",
        timeout: float = 30,
    ) -> None:
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or endpoint
        self.timeout = timeout
        self.client = httpx.Client(
            auth=http_auth(user, password, auth),
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,  # a POST redirected becomes a GET without its query
        )
        self._resolved: set[str] = set()

    # -- the QueryStore interface -------------------------------------------------------------

    def select(
        self, query: str, bindings: Mapping[str, Term] | None = None
    ) -> tuple[list[str], list[Row]]:
        """Variables in SELECT order and rows; ``bindings`` are bound by a VALUES block opening
        the WHERE group."""
        answer = self._results(with_bindings(query, bindings))
        if isinstance(answer, bool):
            raise RemoteStoreError(f"{self.endpoint} answered a boolean to a SELECT query")
        names, table = answer
        if _is_distinct(query):
            # Virtuoso 7.2 repeats rows of a SELECT DISTINCT whose columns come from BIND.
            table = list(dict.fromkeys(table))
        return names, [dict(zip(names, values, strict=True)) for values in table]

    def ask(self, query: str) -> bool:
        answer = self._results(query)
        if not isinstance(answer, bool):
            raise RemoteStoreError(f"{self.endpoint} answered no boolean to an ASK query")
        return answer

    def construct(self, query: str) -> list[Triple]:
        body, content_type = self.raw(query, RDF_ACCEPT)
        media = _media(content_type)
        rdf_format = RdfFormat.from_media_type(media) if media else None
        if rdf_format is None:
            raise RemoteStoreError(f"{self.endpoint} answered {media or 'no type'} to a CONSTRUCT")
        try:
            return [quad.triple for quad in parse(body, format=rdf_format)]
        except SyntaxError as error:
            raise RemoteStoreError(
                f"{self.endpoint} answered unparsable {media}: {_first_line(str(error))}"
            ) from None

    def close(self) -> None:
        self.client.close()

    # -- pass-through and updates ---------------------------------------------------------------

    def raw(self, query: str, accept: str) -> tuple[bytes, str]:
        """Sends ``query`` as is, asking for ``accept``; the body and content type of the answer."""
        response = self.send("POST", self.endpoint, data={"query": query}, accept=accept)
        return response.content, response.headers.get("Content-Type", "")

    def update(self, update: str) -> None:
        """Runs a SPARQL 1.1 Update request at the update endpoint."""
        self.send("POST", self.update_endpoint, data={"update": update})

    def check(self) -> None:
        """Fails with a clear message unless the endpoint answers SPARQL (within the timeout)."""
        self.ask("ASK {}")

    def send(
        self,
        method: str,
        url: str,
        *,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        content_type: str | None = None,
        accept: str | None = None,
    ) -> httpx.Response:
        """The store's 2xx answer to one request, read whole; else RemoteStoreError (LoginRefused
        for a refused login), one line for a person."""
        self.resolve(url)
        headers = {"Content-Type": content_type} if content_type else {}
        if accept:
            headers["Accept"] = accept
        try:
            response = self.client.request(
                method, url, data=data, content=content, params=params, headers=headers
            )
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise RemoteStoreError(describe_error(error, url, self.timeout)) from None
        if not response.is_success:
            raise status_error(response, url)
        return response

    def resolve(self, url: str) -> None:
        """Fails within the timeout when the host of ``url`` has no address (checked once)."""
        if url not in self._resolved:
            check_resolvable(url, self.timeout)
            self._resolved.add(url)

    # -- internals -----------------------------------------------------------------------------

    def _results(self, query: str) -> tuple[list[str], list[tuple[Term | None, ...]]] | bool:
        """The variables and rows of a SELECT, or the boolean of an ASK, read by pyoxigraph."""
        body, content_type = self.raw(query, RESULTS_ACCEPT)
        media = _media(content_type)
        results_format = QueryResultsFormat.from_media_type(media) if media else None
        if results_format not in (QueryResultsFormat.XML, QueryResultsFormat.JSON):
            raise RemoteStoreError(
                f"{self.endpoint} did not answer SPARQL results ({media or 'no content type'}): "
                "is it a SPARQL endpoint?"
            )
        try:
            body = valid_blank_nodes(body, results_format)
            results: Any = parse_query_results(body, results_format)
            if isinstance(results, QueryBoolean):
                return bool(results)
            names = [variable.value for variable in results.variables]
            return names, [tuple(map(_term, solution)) for solution in results]
        except SyntaxError as error:
            raise RemoteStoreError(
                f"{self.endpoint} answered unreadable SPARQL results ({media}): "
                f"{_first_line(str(error))}"
            ) from None


def with_bindings(query: str, bindings: Mapping[str, Term] | None) -> str:
    """``query`` with each variable of ``bindings`` bound to its term by a VALUES block opening
    the WHERE group (``queries.with_block``).

    Inside the group every store joins the values alike; Virtuoso joins a VALUES block after the
    group wrongly when the group holds a BIND (it gives the values to every row).
    """
    for name, term in (bindings or {}).items():
        try:
            Variable(name)
        except ValueError:
            raise ValueError(f"not a SPARQL variable name: {name!r}") from None
        if not isinstance(term, (NamedNode, Literal)):
            raise ValueError(f"?{name}: only IRIs and literals can be bound in a query: {term!r}")
    return with_block(query, dict(bindings or {}))


def _is_distinct(query: str) -> bool:
    """Whether the outermost SELECT is a SELECT DISTINCT, from the parse tree (no for a query the
    parser cannot read: the store's rows are then kept as they are)."""
    try:
        return shape(query).distinct
    except QueryRefused:
        return False


def _term(term: Any) -> Any:
    """A term of a store's results as the embedded store gives it."""
    if (
        isinstance(term, Literal)
        and term.value in ("0", "1")
        and term.datatype.value == XSD_BOOLEAN
    ):
        # Virtuoso answers booleans as 1/0 in SELECT results as JSON (true/false everywhere else).
        return Literal("true" if term.value == "1" else "false", datatype=term.datatype)
    return term


_XML_BLANK_NODE = re.compile(rb"<bnode>([^<]*)</bnode>")


def valid_blank_nodes(body: bytes, results_format: QueryResultsFormat) -> bytes:
    """SPARQL results (XML or JSON) whose blank node labels pyoxigraph accepts.

    Stores label blank nodes as they like (Virtuoso: ``nodeID://b10001``), and a label means the
    same node only within one answer: valid labels are kept, Virtuoso's prefix is dropped, others
    are hashed. Text in XML holds no raw ``<``, so the pattern matches only ``bnode`` elements;
    JSON is relabelled on its parsed form, and only when it holds a blank node.
    """
    if results_format == QueryResultsFormat.XML:
        if b"<bnode>" not in body:
            return body
        return _XML_BLANK_NODE.sub(lambda m: b"<bnode>" + _blank_node_id(m[1]) + b"</bnode>", body)
    if b'"bnode"' not in body:
        return body
    try:
        data = json.loads(body)
        for row in data["results"]["bindings"]:
            for value in row.values():
                if value.get("type") == "bnode":
                    value["value"] = _blank_node_id(value["value"].encode("utf-8")).decode("utf-8")
    except (ValueError, LookupError, TypeError, AttributeError):
        return body  # not results as we know them: pyoxigraph's parser says what is wrong
    return json.dumps(data).encode("utf-8")


def _blank_node_id(label: bytes) -> bytes:
    text = label.decode("utf-8", "replace").removeprefix("nodeID://")
    try:
        BlankNode(text)
    except ValueError:
        return b"b" + hashlib.sha1(label).hexdigest()[:16].encode("ascii")
    return text.encode("utf-8")
