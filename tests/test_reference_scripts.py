"""The generated reference files match the scripts that write them (`--check`), and a hand edit of
one is caught: a correction is one edit of an input and a re-run, never an edit of the output."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((ROOT / "scripts").glob("make_*.py"))
# What each script writes, for the negative test (one file each is enough).
WRITES = {
    "make_states.py": "data/reference/states.ttl",
    "make_record.py": "data/reference/elections.ttl",
    "make_treaties.py": "data/reference/treaties.ttl",
    "make_links.py": "data/reference/links.ttl",
}


def _check(root: Path, script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "scripts" / script), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_script_is_listed() -> None:
    assert {s.name for s in SCRIPTS} == set(WRITES)


@pytest.mark.parametrize("script", sorted(WRITES))
def test_generated_files_are_up_to_date(script: str) -> None:
    done = _check(ROOT, script)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("script", sorted(WRITES))
def test_a_hand_edit_is_caught(script: str, tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "scripts", copy / "scripts")
    shutil.copytree(ROOT / "data", copy / "data")
    target = copy / WRITES[script]
    target.write_text(target.read_text(encoding="utf-8") + "\n# edited by hand\n", encoding="utf-8")
    done = _check(copy, script)
    assert done.returncode != 0, f"{script} --check did not notice an edit of {WRITES[script]}"
