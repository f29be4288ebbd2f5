"""Mints every IRI pledgegraph writes, from the configured base: the one place that knows their shapes."""

from __future__ import annotations

from dataclasses import dataclass

from .namespaces import DEFAULT_BASE


@dataclass(frozen=True)
class Iris:
    """The IRIs under one base; built once per build (or per served build) and passed down."""

    base: str = DEFAULT_BASE

    def id(self, path: str) -> str:
        """A thing the data describes: `{base}id/{path}`."""
        return f"{self.base}id/{path}"

    # -- named graphs -------------------------------------------------------------------------

    def letter_graph(self, key: str) -> str:
        return f"{self.base}graph/letter/{key}"

    @property
    def reference_graph(self) -> str:
        return f"{self.base}graph/reference"

    @property
    def ontology_graph(self) -> str:
        return f"{self.base}graph/ontology"

    @property
    def dataset_graph(self) -> str:
        return f"{self.base}graph/dataset"

    def is_letter_graph(self, iri: str) -> bool:
        return iri.startswith(f"{self.base}graph/letter/")

    def letter_key(self, graph: str) -> str:
        """The key of a letter from its graph's IRI (the inverse of letter_graph)."""
        return graph.removeprefix(f"{self.base}graph/letter/")

    # -- the dataset and what describes it -----------------------------------------------------

    @property
    def dataset(self) -> str:
        return self.id("dataset")

    @property
    def uri_space(self) -> str:
        return self.id("")

    @property
    def catalog(self) -> str:
        return self.id("catalog")

    @property
    def dataset_period(self) -> str:
        """The dataset's temporal coverage (a dcterms:PeriodOfTime)."""
        return self.id("dataset/period")

    def build_activity(self, version: str) -> str:
        """The build that made the dataset of this version (a digest of its graphs)."""
        return self.id(f"build/{version}")

    def software(self, version: str) -> str:
        """pledgegraph at a release, the software agent of the builds."""
        return self.id(f"software/pledgegraph/{version}")

    @property
    def sparql(self) -> str:
        return f"{self.base}sparql"

    def dump(self, name: str) -> str:
        return f"{self.base}dumps/{name}"

    def source(self, key: str) -> str:
        """The text of a letter as read (the offsets of its facts index it)."""
        return self.id(f"source/{key}")

    def source_key(self, iri: str) -> str | None:
        """The key of the letter whose text `iri` is (the inverse of source), or None."""
        prefix = self.id("source/")
        key = iri.removeprefix(prefix)
        return key if iri.startswith(prefix) and "/" not in key else None

    def election_key(self, iri: str) -> str:
        """The key of an election ("2007", or a by-election's date) from its IRI."""
        return iri.removeprefix(self.id("election/"))

    def reference_source(self, stem: str) -> str:
        return self.id(f"source/reference/{stem}")

    # -- the validation report -----------------------------------------------------------------

    @property
    def report(self) -> str:
        return f"{self.base}report"

    def report_result(self, key: str) -> str:
        return f"{self.base}report/result/{key}"
