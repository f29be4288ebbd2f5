"""Hostile and broken sources (issue 10, items 5, 6 and 12): each is that source's error, never the batch's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SEED, query_json, run_cli
from pledgegraph.read import NormText, _mend_ocr_digits

SEED_TEXT = SEED.read_text(encoding="utf-8")


def _built_pledges(capsys: pytest.CaptureFixture[str], out: Path, kept: str) -> list[dict]:
    """The pledges of a one-letter build, each checked against the text the build kept."""
    rows = query_json(capsys, "pledges", out)
    text = (out / "sources" / kept).read_text(encoding="utf-8")
    for p in rows:
        assert text[p["begin"] : p["end"]] == p["text"]
    return rows


# --------------------------------------------------------------------------------------------------
# Item 6: reading is linear in the text.

# The pattern the OCR-digit mending replaced: quadratic (its look-ahead rescans the rest of a run of
# digits from every start), kept here as the oracle the linear mending must agree with.
_OLD_OCR_NUMBER = re.compile(
    r"(?<![A-Za-z])(?=[\dOoIl|]*\d[\dOoIl|]*\d)[\dOoIl|]*[OoIl|][\dOoIl|]*(?![A-Za-z])"
)
_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})


def _old_mend(text: str) -> str:
    chars = list(text)
    for m in _OLD_OCR_NUMBER.finditer(text):
        for i in range(m.start(), m.end()):
            chars[i] = chars[i].translate(_OCR_DIGITS)
    return "".join(chars)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="0123OoIl|ax\u00e9\u0663/- ", max_size=16))
def test_ocr_mending_is_the_pattern_it_replaces(text: str) -> None:
    chars = list(text)
    _mend_ocr_digits(chars)
    assert "".join(chars) == _old_mend(text)


@pytest.mark.parametrize(
    ("text", "mended"),
    [
        ("in 2O1O", "in 2010"),
        ("in 19l6 and 6l/180", "in 1916 and 6l/180"),  # "6l": one digit, left alone
        ("2OO7-2O1O", "2007-2010"),
        ("x20l0", "x2010"),  # not from after a letter: from after the first digit
        ("2O1Ox", "201Ox"),  # not up to a letter: up to the last digit
        ("IO and 2l0 and l|I|9", "IO and 210 and l|I|9"),
    ],
)
def test_ocr_mending_examples(text: str, mended: str) -> None:
    assert NormText(text).text == mended == _old_mend(text)


# Each appended to the seed letter on lines of its own (under the longest line a letter may have):
# before the fix the digits took 52 s per 40,000 and 200,000 never finished; the resolutions, the
# barcodes and the elections grew quadratically too (seconds at 25,000 characters, minutes at 200,000).
ADVERSARIAL = {
    "digits": "1" * 190_000,
    "bars": "|" * 190_000,
    "digits-and-look-alikes": "1O" * 95_000,
    "spaces": " " * 190_000 + "x",
    "letters": "a" * 190_000,
    "line-breaks": "\n" * 190_000 + "x",
    "resolutions": "resolution 1/1 " * 12_000,
    "resolution-symbols": "A/RES/61/1 " * 17_000,
    "barcodes": "*1234567* " * 19_000,
    "job-numbers": "99-99999 (E) " * 14_000,
    "elections": "elections " * 19_000,
    "quotes": '"' * 190_000,
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_text_reads_in_linear_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    source = tmp_path / f"{name}.txt"
    source.write_text(SEED_TEXT + "\n" + ADVERSARIAL[name] + "\n", encoding="utf-8")
    out = tmp_path / "build"
    # Exit 0, not 2: the letter was read well within the per-source time limit, not cut short by it.
    assert run_cli("build", source, "--out", out, "--quiet", "--no-cache") == 0
    [row] = query_json(capsys, "candidatures", out)
    assert (row["state_iso3"], row["letter_date"]) == ("BLR", "2007-04-09")
    assert len(_built_pledges(capsys, out, source.name)) >= 20
