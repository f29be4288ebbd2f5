"""A validation finding: one SHACL result with the source text of the fact it concerns."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class Finding:
    """One validation result, with the source text of the fact it concerns where there is one."""

    severity: str
    shape: str
    focus: str
    path: str | None
    value: str | None
    message: str
    source_text: str | None = None
    source: str | None = None

    def __lt__(self, other: Finding) -> bool:
        return self.sort_key() < other.sort_key()

    def sort_key(self) -> tuple[str, ...]:
        # Field by field rather than dataclasses.astuple, which deep-copies and dominated sorting.
        fields = (
            self.severity,
            self.shape,
            self.focus,
            self.path,
            self.value,
            self.message,
            self.source_text,
            self.source,
        )
        return tuple("" if v is None else v for v in fields)

    def key(self) -> str:
        """A stable key from the content (the result's IRI in report.ttl)."""
        return hashlib.sha256("\x1f".join(self.sort_key()).encode()).hexdigest()[:16]
