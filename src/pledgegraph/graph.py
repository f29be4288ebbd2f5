"""Builds the RDF graph of one letter (its own named graph) from what was extracted from it.

What the letter states, and only that: the record (elections, outcomes, memberships) describes the
same candidature in the reference graph. Every fact the letter states gets a text span of its own.
Statements are keyed by a digest of their words within their letter, so that an IRI keeps naming the
same words when other text of the letter changes.
"""

from __future__ import annotations

import datetime
import hashlib
import unicodedata
from collections.abc import Iterator

import pyoxigraph as ox

from .extract import Candidature, Evidence, Extraction
from .namespaces import (
    DCTERMS,
    FOAF,
    NIF,
    OA,
    ORG,
    PG,
    PGT,
    PGV,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    TIME,
    XSD,
    slug,
)
from .reference import Reference, resolution_slug

Term = ox.NamedNode | ox.Literal

_TYPE = ox.NamedNode(RDF + "type")
MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"


def N(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def lit(
    value: str | int | bool, datatype: str | None = None, lang: str | None = None
) -> ox.Literal:
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=N(XSD + "boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=N(XSD + "integer"))
    if lang:
        return ox.Literal(value, language=lang)
    if datatype:
        return ox.Literal(value, datatype=N(datatype))
    return ox.Literal(value)


def offset(n: int) -> ox.Literal:
    """A character offset: a non-negative integer (NIF and Web Annotation both say so)."""
    return ox.Literal(str(n), datatype=N(XSD + "nonNegativeInteger"))


def date_literal(value: str) -> ox.Literal:
    """A date as precise as it was given: xsd:date, xsd:gYearMonth or xsd:gYear."""
    kind = {10: "date", 7: "gYearMonth", 4: "gYear"}[len(value)]
    return lit(value, XSD + kind)


def human_date(iso: str) -> str:
    """9 April 2007, from 2007-04-09 (the way UN documents write dates)."""
    d = datetime.date.fromisoformat(iso)
    return f"{d.day} {d.strftime('%B')} {d.year}"


def letter_key(ex: Extraction) -> str:
    """A document's key: its State and date, and its UN symbol when it has one (the symbol tells two
    documents of one State and day apart without renaming either)."""
    c = ex.candidature
    key = f"{c.state_iso3}-{c.letter_date or ex.doc.sha256[:10]}"
    if c.document_symbol:
        key += "-" + resolution_slug(c.document_symbol)
    return key


def statement_digest(text: str) -> str:
    """The key of a statement within its letter: a digest of its words, whatever their layout."""
    words = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(words.encode("utf-8")).hexdigest()[:10]


class LetterGraph:
    """Collects the triples of one letter's graph; every IRI is minted from a stable key under the base."""

    def __init__(
        self, ex: Extraction, ref: Reference, key: str, primary_source: str | None = None
    ) -> None:
        self.ex = ex
        self.ref = ref
        self.base = ref.base
        self.key = key
        self.primary_source = primary_source
        self.graph = N(f"{self.base}graph/letter/{key}")
        self.triples: set[tuple[ox.NamedNode, ox.NamedNode, Term]] = set()
        self.source = self.id(f"source/{key}")
        # Set by build(), for what is added to the graph after it (scrutiny's reviews):
        self.letter_node = self.id(f"letter/{key}")
        self.state_node: ox.NamedNode | None = None
        self.candidature_node: ox.NamedNode | None = None
        self.statement_nodes: list[ox.NamedNode] = []  # in the order of Extraction.statements

    def id(self, path: str) -> ox.NamedNode:
        return N(f"{self.base}id/{path}")

    def add(self, s: ox.NamedNode, p: str, o: Term | str | int | bool | None) -> None:
        if o is None:
            return
        if not isinstance(o, ox.NamedNode | ox.Literal):
            o = lit(o)
        self.triples.add((s, N(p), o))

    def a(self, s: ox.NamedNode, *classes: str) -> None:
        for c in classes:
            self.triples.add((s, _TYPE, N(c)))

    def quads(self) -> Iterator[ox.Quad]:
        for s, p, o in self.triples:
            yield ox.Quad(s, p, o, self.graph)

    # ------------------------------------------------------------------------------------------

    def evidence(
        self, subject: ox.NamedNode, ev: Evidence | None, supports: str | None = None
    ) -> None:
        """Link a fact to the exact source text it was read from.

        The span is a Web Annotation specific resource on the letter's text, with a position and a
        quote selector, for annotation tools; it is also a NIF string of that text (its context),
        with the same code-point offsets and its words, so that a query reaches them in one step
        and anyone can check them against the text (nif:isString of the context).
        """
        if ev is None:
            return
        text = self.ex.doc.text[ev.begin : ev.end]
        span = self.id(f"letter/{self.key}/text/{ev.begin}-{ev.end}")
        self.a(span, OA + "SpecificResource", PG + "TextSpan", NIF + "String")
        self.add(span, OA + "hasSource", self.source)
        self.add(span, NIF + "referenceContext", self.source)
        self.add(span, NIF + "beginIndex", offset(ev.begin))
        self.add(span, NIF + "endIndex", offset(ev.end))
        self.add(span, NIF + "anchorOf", text)
        position, quote = N(str(span.value) + "/position"), N(str(span.value) + "/quote")
        self.add(span, OA + "hasSelector", position)
        self.add(span, OA + "hasSelector", quote)
        self.a(position, OA + "TextPositionSelector")
        self.add(position, OA + "start", offset(ev.begin))
        self.add(position, OA + "end", offset(ev.end))
        self.a(quote, OA + "TextQuoteSelector")
        self.add(quote, OA + "exact", text)
        self.add(subject, PG + "evidence", span)
        if supports:
            self.add(span, PG + "supportsProperty", N(supports))

    def build(self) -> None:
        ref, c = self.ref, self.ex.candidature
        state = self.id(f"state/{c.state_iso3}")
        letter = self.id(f"letter/{self.key}")
        election = ref.find_election(c.election, c.term_start, c.letter_date)
        cand = self.id(
            f"candidature/{c.state_iso3}-{election.key if election else self.key.split('-', 1)[1]}"
        )
        state_label = ref.state_label(c.state_iso3 or "") or c.state_as_printed or c.state_iso3
        self.state_node, self.candidature_node = state, cand
        self.text(letter)
        self.document(letter, state, cand, state_label or "")
        self.candidature(cand, state, letter, c, election.key if election else None, state_label)
        self.statements(cand, state, letter)
        self.resolutions(cand, state, letter)
        self.visits(cand, state, letter, state_label or "")
        self.events(cand, letter)

    def text(self, letter: ox.NamedNode) -> None:
        """The text as read: a format of the document, published whole as the offsets' NIF context."""
        doc, source = self.ex.doc, self.source
        self.a(source, PG + "SourceText", NIF + "Context", PROV + "Entity")
        self.add(source, PG + "fileName", doc.name)
        self.add(source, PG + "sha256", doc.sha256)
        plain = N(MEDIA_TYPES + "text/plain")
        self.add(source, DCTERMS + "format", plain)
        self.a(plain, DCTERMS + "MediaType")
        self.add(source, PG + "characterCount", offset(len(doc.text)))
        self.add(source, NIF + "isString", doc.text)
        self.add(source, NIF + "beginIndex", offset(0))
        self.add(source, NIF + "endIndex", offset(len(doc.text)))
        self.add(source, DCTERMS + "isFormatOf", letter)
        self.add(letter, DCTERMS + "hasFormat", source)
        if self.primary_source:
            self.add(source, PROV + "hadPrimarySource", N(self.primary_source))

    def document(
        self, letter: ox.NamedNode, state: ox.NamedNode, cand: ox.NamedNode, state_label: str
    ) -> None:
        c = self.ex.candidature
        kind_class = PG + ("NoteVerbale" if c.document_kind == "note verbale" else "Letter")
        self.a(letter, kind_class, PG + "CandidatureDocument")
        if c.document_kind:
            self.add(letter, DCTERMS + "type", N(PGV + "kind-" + slug(c.document_kind)))
            self.evidence(letter, c.evidence.get("document_kind"), DCTERMS + "type")
        if c.letter_date:
            self.add(letter, DCTERMS + "date", lit(c.letter_date, XSD + "date"))
            self.evidence(letter, c.evidence.get("letter_date"), DCTERMS + "date")
        if c.document_symbol:
            self.add(letter, PG + "documentSymbol", c.document_symbol)
            self.add(letter, RDFS + "seeAlso", N("https://undocs.org/" + c.document_symbol))
            self.evidence(letter, c.evidence.get("document_symbol"), PG + "documentSymbol")
        if c.agenda_item:
            self.add(letter, PG + "agendaItem", c.agenda_item)
            self.evidence(letter, c.evidence.get("agenda_item"), PG + "agendaItem")
        label_kind = "Note verbale" if c.document_kind == "note verbale" else "Letter"
        title = f"{label_kind} of {state_label}" + (
            f" dated {human_date(c.letter_date)}" if c.letter_date else ""
        )
        self.add(letter, RDFS + "label", lit(title, lang="en"))
        self.add(letter, DCTERMS + "title", lit(title, lang="en"))
        mission = self.id(f"mission/{c.state_iso3}")
        if c.sender:
            self.a(mission, ORG + "Organization", PG + "PermanentMission")
            self.add(
                mission,
                RDFS + "label",
                lit(f"Permanent Mission of {state_label} to the United Nations", lang="en"),
            )
            self.add(mission, ORG + "subOrganizationOf", state)
        if c.sender:
            # The mission writes in the State's name (a letter is signed by its head, the Permanent
            # Representative): the creator is that agent, never a post.
            self.add(letter, DCTERMS + "creator", mission)
            self.add(letter, PG + "senderRole", N(PGV + "sender-" + slug(c.sender)))
            self.evidence(letter, c.evidence.get("sender"), PG + "senderRole")
        person = None
        if c.signatory:
            person = self.id("person/" + slug(c.signatory))
            self.a(person, FOAF + "Person")
            self.add(person, FOAF + "name", c.signatory)
            self.add(person, RDFS + "label", c.signatory)
            self.add(letter, PG + "signatory", person)
            self.evidence(letter, c.evidence.get("signatory"), PG + "signatory")
        if c.sender == "Permanent Representative":
            post = self.id(f"post/permanent-representative/{c.state_iso3}")
            self.a(post, ORG + "Post", PG + "PermanentRepresentative")
            self.add(
                post,
                RDFS + "label",
                lit(f"Permanent Representative of {state_label} to the United Nations", lang="en"),
            )
            self.add(post, ORG + "postIn", mission)
            if person is not None:
                self.add(person, ORG + "holds", post)
        if c.addressee:
            self.add(letter, PG + "addressee", self.id("post/" + slug(c.addressee)))
            self.evidence(letter, c.evidence.get("addressee"), PG + "addressee")
        self.add(letter, PG + "announces", cand)

    def candidature(
        self,
        cand: ox.NamedNode,
        state: ox.NamedNode,
        letter: ox.NamedNode,
        c: Candidature,
        election: str | None,
        state_label: str | None,
    ) -> None:
        self.a(cand, PG + "Candidature")
        when = f", {election[:4]} election" if election else ""
        self.add(
            cand,
            RDFS + "label",
            lit(f"Candidature of {state_label} to the Human Rights Council{when}", lang="en"),
        )
        self.add(cand, PG + "candidate", state)
        self.evidence(cand, c.evidence.get("state"), PG + "candidate")
        self.add(cand, PG + "body", self.id("body/human-rights-council"))
        self.add(cand, PG + "announcedIn", letter)
        if election:
            self.add(cand, PG + "election", self.id(f"election/{election}"))
        if c.reelection:  # only what the letter says, with its words
            self.add(cand, PG + "reelection", True)
            self.evidence(cand, c.evidence.get("reelection"), PG + "reelection")
        if c.term_start and c.term_end:
            self.add(cand, PG + "proposedTerm", self.term(c.term_start, c.term_end))
            self.evidence(cand, c.evidence.get("term"), PG + "proposedTerm")
        if c.election:
            self.add(cand, PG + "statedElectionDate", date_literal(c.election))
            self.evidence(cand, c.evidence.get("election"), PG + "statedElectionDate")
        if c.election_session:
            self.add(cand, PG + "statedElectionSession", c.election_session)
            self.evidence(cand, c.evidence.get("election_session"), PG + "statedElectionSession")

    def statements(self, cand: ox.NamedNode, state: ox.NamedNode, letter: ox.NamedNode) -> None:
        counters: dict[str, int] = {}
        seen: dict[str, int] = {}
        classes = {"pledge": "Pledge", "contribution": "Contribution", "claim": "Claim"}
        for st in self.ex.statements:
            counters[st.kind] = counters.get(st.kind, 0) + 1
            key = f"{st.kind}/{statement_digest(st.text)}"
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:  # the same words twice in one letter: told apart by their order
                key += f"-{seen[key]}"
            node = self.id(f"letter/{self.key}/{key}")
            self.statement_nodes.append(node)
            self.a(node, PG + classes[st.kind], PG + "LetterStatement")
            self.add(node, RDF + "value", st.text)
            self.add(node, PG + "ordinal", counters[st.kind])
            self.add(node, PG + "statedIn", letter)
            self.add(node, PG + "madeBy", state)
            self.add(cand, PG + ("pledge" if st.kind == "pledge" else "statement"), node)
            if st.theme:
                self.add(node, PG + "theme", N(PGT + st.theme))
            if st.scope:
                self.add(node, PG + "scope", N(PGV + "scope-" + st.scope))
            self.evidence(node, Evidence(st.begin, st.end), RDF + "value")

    def resolutions(self, cand: ox.NamedNode, state: ox.NamedNode, letter: ox.NamedNode) -> None:
        for r in self.ex.resolutions:
            res = self.resolution(r.number, r.body, r.symbol)
            mention = self.id(
                f"letter/{self.key}/resolution/{resolution_slug(r.symbol or r.number)}"
            )
            self.a(mention, PG + "ResolutionMention")
            self.add(mention, PG + "resolution", res)
            self.add(mention, PG + "role", N(PGV + "role-" + r.role))
            self.evidence(mention, r.evidence.get("role"), PG + "role")
            self.add(mention, PG + "numberAsPrinted", r.number)
            self.add(mention, PG + "statedIn", letter)
            self.add(mention, PG + "madeBy", state)
            self.add(cand, PG + "mentionsResolution", mention)
            if r.title:
                self.add(mention, PG + "statedTitle", lit(r.title, lang="en"))
                self.evidence(mention, r.title_evidence, PG + "statedTitle")
            if r.year:
                self.add(mention, PG + "statedYear", lit(str(r.year), XSD + "gYear"))
                self.evidence(mention, r.evidence.get("year"), PG + "statedYear")
            self.evidence(mention, Evidence(r.begin, r.end), PG + "resolution")

    def visits(
        self, cand: ox.NamedNode, state: ox.NamedNode, letter: ox.NamedNode, state_label: str
    ) -> None:
        for n, v in enumerate(self.ex.visits, 1):
            visit = self.id(f"letter/{self.key}/visit/{n:02d}")
            self.a(visit, PG + "CountryVisit", SCHEMA + "Event")
            mandate = self.id("mandate/" + (v.mandate or slug(v.mandate_name)))
            if v.mandate is None:
                self.a(mandate, PG + "SpecialProcedureMandate", ORG + "Post")
                self.add(mandate, RDFS + "label", lit(v.mandate_name, lang="en"))
            self.add(visit, PG + "mandate", mandate)
            self.add(visit, PG + "mandateAsPrinted", v.mandate_name)
            self.add(visit, PG + "visitStatus", N(PGV + "visit-" + v.status))
            self.evidence(visit, v.evidence.get("status"), PG + "visitStatus")
            self.add(visit, PG + "visitedState", state)
            if v.initiated_by_state:  # only what the letter says, with its words
                self.add(visit, PG + "initiatedByState", True)
                self.evidence(visit, v.evidence.get("initiated"), PG + "initiatedByState")
            if v.year:
                self.add(visit, PG + "visitYear", lit(str(v.year), XSD + "gYear"))
                self.evidence(visit, v.evidence.get("year"), PG + "visitYear")
            self.add(visit, PG + "reportedIn", letter)
            self.add(
                visit, RDFS + "label", lit(f"Visit to {state_label}: {v.mandate_name}", lang="en")
            )
            self.add(cand, PG + "reportsVisit", visit)
            self.evidence(visit, Evidence(v.begin, v.end), PG + "mandate")

    def events(self, cand: ox.NamedNode, letter: ox.NamedNode) -> None:
        for n, e in enumerate(self.ex.events, 1):
            event = self.id(f"letter/{self.key}/event/{n:02d}")
            self.a(event, PG + "Event", SCHEMA + "Event")
            self.add(event, RDFS + "label", lit(e.label, lang="en"))
            self.add(event, SCHEMA + "name", lit(e.label, lang="en"))
            if e.date:
                # schema:startDate takes a full date; a month or a year is a dcterms:date.
                prop = SCHEMA + "startDate" if len(e.date) == 10 else DCTERMS + "date"
                self.add(event, prop, date_literal(e.date))
                self.evidence(event, e.evidence.get("date"), prop)
            if e.place:
                place = self.id("place/" + slug(e.place))
                self.a(place, SCHEMA + "Place")
                self.add(place, SCHEMA + "name", e.place)
                self.add(place, RDFS + "label", e.place)
                self.add(event, SCHEMA + "location", place)
                self.evidence(event, e.evidence.get("place"), SCHEMA + "location")
            self.add(event, PG + "stateRole", N(PGV + "role-" + e.role))
            self.evidence(event, e.evidence.get("role"), PG + "stateRole")
            self.add(event, PG + "reportedIn", letter)
            self.add(cand, PG + "reportsEvent", event)
            self.evidence(event, Evidence(e.begin, e.end), RDFS + "label")

    def term(self, start: int, end: int) -> ox.NamedNode:
        """A proposed term: an interval of years whose instants are its own (calendar-year terms
        overlap by a year; shared instants would say they meet)."""
        term = self.id(f"term/{start}-{end}")
        self.a(term, TIME + "ProperInterval")
        self.add(term, RDFS + "label", f"{start}-{end}")
        for prop, name, year in (
            (TIME + "hasBeginning", "begin", start),
            (TIME + "hasEnd", "end", end),
        ):
            instant = self.id(f"term/{start}-{end}/{name}")
            self.a(instant, TIME + "Instant")
            self.add(instant, TIME + "inXSDgYear", lit(str(year), XSD + "gYear"))
            self.add(term, prop, instant)
        return term

    def resolution(self, number: str, body: str | None, symbol: str | None) -> ox.NamedNode:
        res = self.id("resolution/" + resolution_slug(symbol or number))
        self.a(res, SCHEMA + "Legislation", PG + "Resolution")
        self.add(res, PG + "resolutionNumber", number)
        if symbol:
            self.add(res, SCHEMA + "legislationIdentifier", symbol)
            self.add(res, SCHEMA + "url", N("https://undocs.org/" + symbol.replace(" ", "")))
        if body:
            self.add(res, SCHEMA + "legislationPassedBy", self.id("body/" + body))
        return res


def letter_quads(
    ex: Extraction, ref: Reference, key: str, primary_source: str | None = None
) -> list[ox.Quad]:
    g = LetterGraph(ex, ref, key, primary_source)
    g.build()
    return list(g.quads())
