"""What scrutiny finds in a letter: claim checks, pledge follow-ups and the record as of the letter's
date, as plain data (the graph module writes them as RDF)."""

from __future__ import annotations

from dataclasses import dataclass, field

# The verdicts and statuses are the notations of their concepts in ontology/vocabulary.ttl.
SUPPORTED, CONTRADICTED, NOT_CHECKABLE = "supported", "contradicted", "not checkable"
FULFILLED, NOT_FULFILLED, PENDING, NOT_ASSESSED = (
    "fulfilled",
    "not fulfilled",
    "pending",
    "not assessed",
)


@dataclass
class ClaimCheck:
    """A claim the letter makes, checked against the record as of the letter's date."""

    aspect: (
        str  # what it is about: treaties, council, standing-invitation, other-body, unrecognised
    )
    begin: int  # the claim's span in the letter's text
    end: int
    verdict: str
    explanation: str  # one line a reader can check
    evidence: list[str] = field(default_factory=list)  # IRIs of the record's facts
    statement: int | None = (
        None  # the index of the statement it is part of, in Extraction.statements
    )
    as_of: str | None = None  # the letter's date


@dataclass
class FollowUp:
    """What became of a pledge, as of the reference date."""

    statement: int  # the pledge's index in Extraction.statements
    status: str
    explanation: str
    action: str | None = None  # the notation of the act pledged (pgv:pledge-action), if any
    instrument: str | None = None  # the code of the instrument, when one of the record's
    year: str | None = None  # when it was fulfilled (the act's year or date)
    deadline: str | None = None  # the day, month or year it was due
    evidence: list[str] = field(default_factory=list)
    as_of: str = ""


@dataclass
class Standing:
    """The candidate's record as of its letter's date: the treaty acts and memberships in force."""

    as_of: str
    acts: list[str] = field(default_factory=list)  # acts of consent to be bound done before it
    acts_in_doubt: list[str] = field(default_factory=list)  # known by a year that holds the day
    terms: list[str] = field(default_factory=list)  # memberships begun before it


@dataclass
class Scrutiny:
    claims: list[ClaimCheck] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    standing: Standing | None = None
