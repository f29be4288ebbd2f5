"""Builds the RDF graph of one letter (its own named graph) from what was extracted from it."""

from __future__ import annotations

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


def date_literal(value: str) -> ox.Literal:
    """A date as precise as it was given: xsd:date, xsd:gYearMonth or xsd:gYear."""
    kind = {10: "date", 7: "gYearMonth", 4: "gYear"}[len(value)]
    return lit(value, XSD + kind)


def letter_key(ex: Extraction) -> str:
    c = ex.candidature
    return f"{c.state_iso3}-{c.letter_date or ex.doc.sha256[:10]}"


class LetterGraph:
    """Collects the triples of one letter's graph; every IRI is minted from a stable key under the base."""

    def __init__(self, ex: Extraction, ref: Reference, key: str) -> None:
        self.ex = ex
        self.ref = ref
        self.base = ref.base
        self.key = key
        self.graph = N(f"{self.base}graph/letter/{key}")
        self.triples: set[tuple[ox.NamedNode, ox.NamedNode, Term]] = set()

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

        The span is a Web Annotation specific resource, with a position and a quote selector, for
        annotation tools; it also carries its offsets itself (NIF's beginIndex and endIndex, the
        same code-point offsets), so that a query reaches them in one step from the fact.
        """
        if ev is None:
            return
        text = self.ex.doc.text[ev.begin : ev.end]
        span = self.id(f"letter/{self.key}/text/{ev.begin}-{ev.end}")
        self.a(span, OA + "SpecificResource", PG + "TextSpan")
        self.add(span, OA + "hasSource", self.source)
        self.add(span, NIF + "beginIndex", ev.begin)
        self.add(span, NIF + "endIndex", ev.end)
        position, quote = N(str(span.value) + "/position"), N(str(span.value) + "/quote")
        self.add(span, OA + "hasSelector", position)
        self.add(span, OA + "hasSelector", quote)
        self.a(position, OA + "TextPositionSelector")
        self.add(position, OA + "start", ev.begin)
        self.add(position, OA + "end", ev.end)
        self.a(quote, OA + "TextQuoteSelector")
        self.add(quote, OA + "exact", text)
        self.add(subject, PG + "evidence", span)
        if supports:
            self.add(span, PG + "supportsProperty", N(supports))

    def build(self) -> None:
        ex, ref, c = self.ex, self.ref, self.ex.candidature
        doc = ex.doc
        state = self.id(f"state/{c.state_iso3}")
        self.source = self.id(f"source/{self.key}")
        letter = self.id(f"letter/{self.key}")
        cand = self.id(f"candidature/{self.key}")
        hrc = self.id("body/human-rights-council")

        # The source text
        self.a(self.source, PG + "SourceText", PROV + "Entity")
        self.add(self.source, PG + "fileName", doc.name)
        self.add(self.source, PG + "sha256", doc.sha256)
        self.add(self.source, DCTERMS + "format", doc.media_type)
        self.add(self.source, PG + "characterCount", len(doc.text))

        # The letter
        kind_class = PG + ("NoteVerbale" if c.document_kind == "note verbale" else "Letter")
        self.a(letter, kind_class, PG + "CandidatureDocument", PROV + "Entity")
        if c.document_kind:
            self.add(letter, DCTERMS + "type", N(PGV + "kind-" + slug(c.document_kind)))
            self.evidence(letter, c.evidence.get("document_kind"), DCTERMS + "type")
        self.add(letter, PROV + "wasDerivedFrom", self.source)
        self.add(letter, DCTERMS + "source", self.source)
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
        state_label = ref.state_label(c.state_iso3 or "") or c.state_as_printed or c.state_iso3
        title = f"{label_kind} of {state_label}" + (
            f" dated {c.letter_date}" if c.letter_date else ""
        )
        self.add(letter, RDFS + "label", lit(title, lang="en"))
        self.add(letter, DCTERMS + "title", lit(title, lang="en"))
        if c.sender:
            self.add(letter, PG + "senderRole", N(PGV + "sender-" + slug(c.sender)))
            self.evidence(letter, c.evidence.get("sender"), PG + "senderRole")
            mission = self.id(f"mission/{c.state_iso3}")
            self.a(mission, ORG + "Organization", PG + "PermanentMission")
            self.add(
                mission,
                RDFS + "label",
                lit(f"Permanent Mission of {state_label} to the United Nations", lang="en"),
            )
            self.add(mission, ORG + "subOrganizationOf", state)
            if c.sender == "Permanent Representative":
                post = self.id(f"post/permanent-representative/{c.state_iso3}")
                self.a(post, ORG + "Post", PG + "PermanentRepresentative")
                self.add(
                    post,
                    RDFS + "label",
                    lit(
                        f"Permanent Representative of {state_label} to the United Nations",
                        lang="en",
                    ),
                )
                self.add(post, ORG + "postIn", mission)
                self.add(letter, DCTERMS + "creator", post)
            else:
                self.add(letter, DCTERMS + "creator", mission)
        if c.addressee:
            self.add(letter, PG + "addressee", self.id("post/" + slug(c.addressee)))
            self.evidence(letter, c.evidence.get("addressee"), PG + "addressee")
        if c.signatory:
            person = self.id("person/" + slug(c.signatory))
            self.a(person, FOAF + "Person")
            self.add(person, FOAF + "name", c.signatory)
            self.add(person, RDFS + "label", c.signatory)
            self.add(letter, PG + "signatory", person)
            self.evidence(letter, c.evidence.get("signatory"), PG + "signatory")

        # The candidature
        self.a(cand, PG + "Candidature")
        self.add(
            cand,
            RDFS + "label",
            lit(
                f"Candidature of {state_label} to the Human Rights Council"
                + (f", {c.term_start}-{c.term_end}" if c.term_start else ""),
                lang="en",
            ),
        )
        self.add(cand, PG + "candidate", state)
        self.evidence(cand, c.evidence.get("state"), PG + "candidate")
        self.add(cand, PG + "body", hrc)
        self.add(cand, PG + "announcedIn", letter)
        self.add(letter, PG + "announces", cand)
        self.add(cand, PROV + "wasDerivedFrom", letter)
        self.add(cand, PG + "reelection", c.reelection)
        self.evidence(cand, c.evidence.get("reelection"), PG + "reelection")
        term = None
        if c.term_start and c.term_end:
            term = self.term(c.term_start, c.term_end)
            self.add(cand, PG + "proposedTerm", term)
            self.evidence(cand, c.evidence.get("term"), PG + "proposedTerm")
        if c.election:
            self.add(cand, PG + "statedElectionDate", date_literal(c.election))
            self.evidence(cand, c.evidence.get("election"), PG + "statedElectionDate")
        if c.election_session:
            self.add(cand, PG + "statedElectionSession", c.election_session)
        self.election(cand, state, c, term)

        # Statements
        counters: dict[str, int] = {}
        classes = {"pledge": "Pledge", "contribution": "Contribution", "claim": "Claim"}
        for st in ex.statements:
            counters[st.kind] = counters.get(st.kind, 0) + 1
            node = self.id(f"letter/{self.key}/{st.kind}/{counters[st.kind]:03d}")
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

        # Resolutions
        for r in ex.resolutions:
            res = self.resolution(r.number, r.body, r.symbol)
            mention = self.id(
                f"letter/{self.key}/resolution/{resolution_slug(r.symbol or r.number)}"
            )
            self.a(mention, PG + "ResolutionMention")
            self.add(mention, PG + "resolution", res)
            self.add(mention, PG + "role", N(PGV + "role-" + r.role))
            self.add(mention, PG + "numberAsPrinted", r.number)
            self.add(mention, PG + "statedIn", letter)
            self.add(mention, PG + "madeBy", state)
            self.add(cand, PG + "mentionsResolution", mention)
            if r.title:
                self.add(mention, PG + "statedTitle", lit(r.title, lang="en"))
                self.evidence(mention, r.title_evidence, PG + "statedTitle")
            if r.year:
                self.add(mention, PG + "statedYear", lit(str(r.year), XSD + "gYear"))
            self.evidence(mention, Evidence(r.begin, r.end), PG + "resolution")

        # Country visits
        for n, v in enumerate(ex.visits, 1):
            visit = self.id(f"letter/{self.key}/visit/{n:02d}")
            self.a(visit, PG + "CountryVisit", SCHEMA + "Event")
            mandate = self.id("mandate/" + (v.mandate or slug(v.mandate_name)))
            if v.mandate is None:
                self.a(mandate, PG + "SpecialProcedureMandate", ORG + "Post")
                self.add(mandate, RDFS + "label", lit(v.mandate_name, lang="en"))
            self.add(visit, PG + "mandate", mandate)
            self.add(visit, PG + "mandateAsPrinted", v.mandate_name)
            self.add(visit, PG + "visitStatus", N(PGV + "visit-" + v.status))
            self.add(visit, SCHEMA + "location", state)
            self.add(visit, PG + "initiatedByState", v.initiated_by_state)
            if v.year:
                self.add(visit, PG + "visitYear", lit(str(v.year), XSD + "gYear"))
            self.add(visit, PG + "statedIn", letter)
            self.add(
                visit, RDFS + "label", lit(f"Visit to {state_label}: {v.mandate_name}", lang="en")
            )
            self.add(cand, PG + "reportsVisit", visit)
            self.evidence(visit, Evidence(v.begin, v.end), PG + "mandate")

        # Events
        for n, e in enumerate(ex.events, 1):
            event = self.id(f"letter/{self.key}/event/{n:02d}")
            self.a(event, PG + "Event", SCHEMA + "Event")
            self.add(event, RDFS + "label", lit(e.label, lang="en"))
            self.add(event, SCHEMA + "name", lit(e.label, lang="en"))
            if e.date:
                self.add(event, SCHEMA + "startDate", date_literal(e.date))
            if e.place:
                place = self.id("place/" + slug(e.place))
                self.a(place, SCHEMA + "Place")
                self.add(place, SCHEMA + "name", e.place)
                self.add(place, RDFS + "label", e.place)
                self.add(event, SCHEMA + "location", place)
            self.add(event, PG + "stateRole", N(PGV + "role-" + e.role))
            self.add(event, PG + "statedIn", letter)
            self.add(event, PG + "madeBy", state)
            self.add(cand, PG + "reportsEvent", event)
            self.evidence(event, Evidence(e.begin, e.end), RDFS + "label")

    def term(self, start: int, end: int) -> ox.NamedNode:
        term = self.id(f"term/{start}-{end}")
        self.a(term, TIME + "ProperInterval")
        self.add(term, RDFS + "label", f"{start}-{end}")
        for prop, year in ((TIME + "hasBeginning", start), (TIME + "hasEnd", end)):
            instant = self.id(f"year/{year}")
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

    def election(
        self, cand: ox.NamedNode, state: ox.NamedNode, c: Candidature, term: ox.NamedNode | None
    ) -> None:
        """Link the candidature to its election, and the election's outcome for this State where known."""
        store = self.ref.store
        election = None
        if c.election:
            candidate = self.id(f"election/{c.election[:4]}")
            if self.ref.known(candidate):
                election = candidate
        if election is None and term is not None:
            hit = next(store.quads_for_pattern(None, N(PG + "electedFor"), term, None), None)
            election = hit.subject if hit else None  # type: ignore[assignment]
        if election is None and c.election:
            election = self.id(f"election/{c.election[:4]}")
            self.a(election, PG + "Election")
            self.add(
                election,
                RDFS + "label",
                lit(f"{c.election[:4]} election of members of the Human Rights Council", lang="en"),
            )
        if election is None:
            return
        self.add(cand, PG + "election", election)

        def has(p: str) -> bool:
            return next(store.quads_for_pattern(election, N(PG + p), state, None), None) is not None

        complete = next(
            store.quads_for_pattern(election, N(PG + "resultsComplete"), lit(True), None), None
        )
        outcome = None
        if has("withdrawnState"):
            outcome = "withdrawn"
        elif has("electedState"):
            outcome = "elected"
        elif complete is not None:
            outcome = "not-elected"
        if outcome is None:
            return
        self.add(cand, PG + "outcome", N(PGV + "outcome-" + outcome))
        self.add(cand, PG + "outcomeSource", election)
        if outcome == "elected":
            elected_for = next(
                store.quads_for_pattern(election, N(PG + "electedFor"), None, None), None
            )
            member_term = elected_for.object if elected_for else term
            if member_term is None or not isinstance(member_term, ox.NamedNode):
                return
            membership = self.id(
                f"membership/{c.state_iso3}-{member_term.value.rsplit('/', 1)[-1]}"
            )
            self.a(membership, ORG + "Membership")
            self.add(membership, ORG + "member", state)
            self.add(membership, ORG + "organization", self.id("body/human-rights-council"))
            self.add(membership, ORG + "memberDuring", member_term)
            self.add(membership, PROV + "wasDerivedFrom", election)
            self.add(cand, PG + "resultedIn", membership)


def letter_quads(ex: Extraction, ref: Reference, key: str) -> list[ox.Quad]:
    g = LetterGraph(ex, ref, key)
    g.build()
    return list(g.quads())
