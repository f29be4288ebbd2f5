"""Issue 11: resolution symbols have one owner, data/reference/bodies.ttl. The extractor resolves a
citation with its prefixes and number patterns, shape R21 checks symbols with its symbol patterns, and
the two agree on the symbols letters really cite (special sessions, resolutions in parts)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import run_cli
from pledgegraph.reference import Reference

REF = Reference()

LETTER = """Letter dated 2 April 2007 from the Permanent Representative of Belarus to the United Nations
addressed to the President of the General Assembly

I have the honour to inform you that the Government of the Republic of Belarus has decided to present
the candidature of Belarus to the Human Rights Council for the term 2007-2010 at the elections to be
held in May 2007.

Annex

Voluntary pledges and commitments of Belarus

As a member of the Human Rights Council, Belarus co-sponsored resolution S-2/1 of the Human Rights
Council on the grave situation of human rights in Lebanon.

Belarus supported General Assembly resolution 60/251 B and will continue to cooperate with the
Council.

(Signed) Andrei Dapkiunas
Permanent Representative
"""

# Numbers as letters cite them, and the symbols UN documentation practice gives them.
CITED = {
    "general-assembly": [("60/251", "A/RES/60/251"), ("60/251 B", "A/RES/60/251 B")],
    "human-rights-council": [("5/1", "A/HRC/RES/5/1"), ("S-2/1", "A/HRC/RES/S-2/1")],
    "commission-on-human-rights": [("2003/61", "E/CN.4/RES/2003/61")],
    "economic-and-social-council": [("2005/12", "E/RES/2005/12")],
    "security-council": [("1325 (2000)", "S/RES/1325 (2000)")],
}


def _symbol_patterns() -> dict[str, str]:
    import pyoxigraph as ox

    from pledgegraph.namespaces import PG

    return {
        q.subject.value.rsplit("/", 1)[-1]: q.object.value
        for q in REF.store.quads_for_pattern(None, ox.NamedNode(PG + "symbolPattern"), None, None)
    }


@pytest.mark.parametrize(
    ("body", "number", "symbol"), [(b, n, s) for b, c in CITED.items() for n, s in c]
)
def test_the_reference_resolves_and_the_shape_accepts(body: str, number: str, symbol: str) -> None:
    assert REF.resolve_resolution(number, body, "") == (number, body, symbol)
    assert REF.resolve_resolution(symbol, None, "") == (number, body, symbol)
    assert re.search(_symbol_patterns()[body], symbol), f"R21 would reject {symbol}"


def test_every_body_with_a_symbol_prefix_has_its_rules() -> None:
    bodies = {b.key: b for b in REF.resolution_bodies()}
    assert set(bodies) == set(CITED) == set(_symbol_patterns())
    for key, body in bodies.items():
        assert body.names, key
        assert _symbol_patterns()[key].startswith("^" + re.escape(body.prefix).replace("/", "/"))


def test_a_number_of_another_body_is_not_taken_for_this_one() -> None:
    assert REF.resolve_resolution("2003/61", "human-rights-council", "") == ("2003/61", None, None)
    assert REF.resolve_resolution("S-2/1", "general-assembly", "") == ("S-2/1", None, None)


def test_a_letter_citing_s_2_1_and_60_251_b_builds_without_r21(tmp_path: Path) -> None:
    """Before: exit 1 and two R21 violations (bodies.ttl rejected both symbols the code wrote).
    (The extractor takes the body named before a number, so the sentence names the Council first.)"""
    source = tmp_path / "belarus-2007-04-02.txt"
    source.write_text(LETTER, encoding="utf-8")
    out = tmp_path / "build"
    assert run_cli("build", source, "--out", out, "--quiet", "--no-cache") == 0
    rows = json.loads((out / "report.json").read_text(encoding="utf-8"))["results"]
    assert not [r for r in rows if "R21" in r["shape"]]
    nq = (out / "dataset.nq").read_text(encoding="utf-8")
    assert '"A/HRC/RES/S-2/1"' in nq and '"A/RES/60/251 B"' in nq
