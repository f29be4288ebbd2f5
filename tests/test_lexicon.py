"""The extractor's lexicon (ontology/lexicon.ttl) and the cues on the vocabulary's concepts
(ontology/vocabulary.ttl): every cue matches its example sentences and none of its counter-examples,
the terms they use are declared in the ontology, and the code uses every kind the lexicon defines."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from pledgegraph import resources
from pledgegraph.extract import lexicon
from pledgegraph.namespaces import PG, RDFS

CUES = [c for kind in lexicon.kinds().values() for c in kind.cues]
CONCEPTS = sorted(lexicon.concepts().values(), key=lambda c: c.name)
EXTRACT = Path(lexicon.__file__).resolve().parent
SCRUTINY = EXTRACT.parent / "scrutiny"  # the claim checks and follow-ups read their cues here too


def test_the_lexicon_ships_and_loads() -> None:
    assert resources.ontology_file("lexicon.ttl").is_file()
    assert len(lexicon.kinds()) >= 20 and len(CUES) >= 80
    for kind in lexicon.kinds().values():
        assert kind.cues, f"kind {kind.name} has no cue"
        assert [c.priority for c in kind.cues] == list(range(1, len(kind.cues) + 1)), kind.name


@pytest.mark.parametrize("cue", CUES, ids=lambda c: c.name)
def test_a_cue_matches_its_examples(cue: lexicon.Cue) -> None:
    flags = lexicon.kinds()[cue.kind].flags
    assert cue.label and cue.examples, f"{cue.name} needs a name and an example"
    for example in cue.examples:
        assert re.search(cue.pattern, example, flags), f"{cue.name} misses {example!r}"
    for counter in cue.counter_examples:
        assert not re.search(cue.pattern, counter, flags), f"{cue.name} matches {counter!r}"


@pytest.mark.parametrize("concept", CONCEPTS, ids=lambda c: c.name)
def test_a_vocabulary_concept_matches_its_examples(concept: lexicon.Concept) -> None:
    patterns = [re.compile(p, re.I) for p in concept.patterns + concept.event_patterns]
    if not patterns:
        return  # ordered only (the senders, found by their name)
    for p in patterns:
        assert any(p.search(e) for e in concept.examples), f"no example of {concept.name} for {p}"
    for e in concept.examples:
        assert any(p.search(e) for p in patterns), f"{concept.name}: {e!r} matches no pattern"
    sentence = [re.compile(p, re.I) for p in concept.patterns]  # counter-examples of these
    for counter in concept.counter_examples:
        assert not any(p.search(counter) for p in sentence), f"{concept.name}: {counter!r}"


def test_a_kind_is_its_cues_in_order() -> None:
    """Joining the cues keeps the alternation they were split from: the first cue that matches at
    the leftmost place wins, so "voluntary pledges and commitments" is blanked whole."""
    rx = lexicon.pattern("noun-pledges")
    assert rx.search("Voluntary pledges and commitments of Belarus").group(0) == (  # type: ignore[union-attr]
        "Voluntary pledges and commitments"
    )
    assert lexicon.pattern("scope-heading").match("At the national level, Portugal")
    assert not lexicon.pattern("scope-heading").match(
        "at the national level"
    )  # case-sensitive kind
    with pytest.raises(ValueError):
        lexicon.pattern("scope-heading", "formulaic")


def test_the_roles_keep_their_order() -> None:
    ranked = [c.notation for c in lexicon.ranked("role-")]
    assert ranked == ["co-initiated", "initiated", "co-sponsored", "sponsored"]
    events = {c.notation for c in lexicon.ranked("role-", event=True)}
    assert events == {
        "co-sponsored", "sponsored", "hosted", "co-hosted", "organized", "co-organized",
        "convened", "chaired", "co-chaired",
    }  # fmt: skip
    assert [c.label for c in lexicon.ranked("sender-", named=True)] == [
        "Permanent Mission",
        "Permanent Representative",
    ]


def test_the_code_uses_every_kind() -> None:
    files = sorted(EXTRACT.glob("*.py")) + sorted(SCRUTINY.glob("*.py"))
    source = "\n".join(p.read_text(encoding="utf-8") for p in files)
    used = set(re.findall(r"lexicon\.(?:pattern|alternation|cue_patterns)\(([^)]*)\)", source))
    names = {n for args in used for n in re.findall(r'"([\w-]+)"', args)}
    assert names == set(lexicon.kinds()), "kinds defined but unused, or used but undefined"
    concepts = set(re.findall(r'concept_pattern\("([\w-]+)"\)', source))
    assert concepts <= set(lexicon.concepts())


def _declared() -> dict[str, dict[str, str]]:
    terms: dict[str, dict[str, str]] = {}
    for t in ox.parse(
        path=str(resources.ontology_file("pledgegraph.ttl")), format=ox.RdfFormat.TURTLE
    ):
        if t.subject.value.startswith(PG) and t.predicate.value in (
            RDFS + "label",
            RDFS + "comment",
        ):
            terms.setdefault(t.subject.value, {})[t.predicate.value] = t.object.value
    return terms


@pytest.mark.parametrize(
    "path",
    [
        resources.ontology_file("lexicon.ttl"),
        resources.ontology_file("vocabulary.ttl"),
        resources.folder("reference") / "bodies.ttl",
    ],
    ids=lambda p: p.name,
)
def test_the_pg_terms_used_are_declared(path: Path) -> None:
    declared = _declared()
    used = set()
    for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri="https://w3id.org/x/"):
        used |= {t.predicate.value} | (
            {t.object.value} if isinstance(t.object, ox.NamedNode) else set()
        )
    for term in sorted(u for u in used if u.startswith(PG)):
        assert set(declared.get(term, {})) == {RDFS + "label", RDFS + "comment"}, term


def _extract_with(sentence: str) -> object:
    from conftest import SEED
    from pledgegraph.extract import extract
    from pledgegraph.read import structure
    from pledgegraph.reference import Reference

    return extract(
        structure(SEED.read_text(encoding="utf-8") + "\n\n" + sentence + "\n", "x.txt"), Reference()
    )


def test_an_event_role_is_the_concept_whose_verb_matched() -> None:
    """Read from the text, "convened" became "co-nvened" (a role the vocabulary does not have)."""
    ex = _extract_with(
        "Belarus convened an international seminar on human rights education in Minsk."
    )
    roles = {e.role for e in ex.events}  # type: ignore[attr-defined]
    assert "convened" in roles and "co-nvened" not in roles


def test_bodies_are_found_by_every_label_of_bodies_ttl() -> None:
    """The acronyms of bodies.ttl (HRC, CHR, UNGA) name the body before "resolution" too."""
    ex = _extract_with("Belarus co-sponsored HRC resolution 5/2 and UNGA resolution 25/12.")
    found = {(r.number, r.body) for r in ex.resolutions}  # type: ignore[attr-defined]
    assert {("5/2", "human-rights-council"), ("25/12", "general-assembly")} <= found
