"""What the extractor reads from a letter: the dataclasses of its facts (and the pledge Theme it assigns,
defined beside the reference data that loads the themes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..read import Document
from ..reference import Theme

__all__ = [
    "Candidature",
    "Event",
    "Evidence",
    "Extraction",
    "NotACandidature",
    "ResolutionMention",
    "Statement",
    "Theme",
    "Visit",
]


class NotACandidature(Exception):
    """The text reads, but it is not a candidature letter for the Human Rights Council."""


@dataclass(frozen=True)
class Evidence:
    """Where in the source a fact was read: [begin, end) offsets into Document.text."""

    begin: int
    end: int


@dataclass
class Candidature:
    state_iso3: str | None = None
    state_as_printed: str | None = None
    document_kind: str | None = None
    letter_date: str | None = None
    document_symbol: str | None = None
    sender: str | None = None
    addressee: str | None = None
    agenda_item: str | None = None
    signatory: str | None = None
    term_start: int | None = None
    term_end: int | None = None
    reelection: bool = False
    election: str | None = None
    election_session: int | None = None
    evidence: dict[str, Evidence] = field(default_factory=dict)


@dataclass
class Statement:
    kind: str  # pledge | contribution | claim
    begin: int
    end: int
    text: str
    theme: str | None = None
    scope: str | None = None


@dataclass
class ResolutionMention:
    number: str
    body: str | None  # key of the adopting body in the reference data
    symbol: str | None
    role: str
    begin: int
    end: int
    title: str | None = None
    title_evidence: Evidence | None = None
    year: int | None = None
    evidence: dict[str, Evidence] = field(default_factory=dict)  # "role", "year": their own words


@dataclass
class Visit:
    mandate: str | None  # reference key, when known
    mandate_name: str
    status: str
    begin: int
    end: int
    year: int | None = None
    initiated_by_state: bool = False
    evidence: dict[str, Evidence] = field(default_factory=dict)  # "status", "year", "initiated"


@dataclass
class Event:
    label: str
    date: str | None
    place: str | None
    role: str
    begin: int
    end: int
    evidence: dict[str, Evidence] = field(default_factory=dict)  # "role", "date", "place"


@dataclass
class Extraction:
    doc: Document
    candidature: Candidature
    statements: list[Statement] = field(default_factory=list)
    resolutions: list[ResolutionMention] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def pledges(self) -> list[Statement]:
        return [s for s in self.statements if s.kind == "pledge"]
