"""What every `make_*.py` script does with the files it generates: write them, or with `--check`
say which ones differ from what it would write (exit status 1), touching nothing."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path


def write_or_check(
    outputs: Mapping[Path, str], root: Path, script: str, *, check: bool, write: bool = True
) -> int:
    status = 0
    for path, text in outputs.items():
        if check:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != text:
                print(
                    f"{path.relative_to(root)} is out of date; run scripts/{script}",
                    file=sys.stderr,
                )
                status = 1
        elif write:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(root)}")
    return status
