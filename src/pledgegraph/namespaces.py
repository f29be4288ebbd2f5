"""The IRIs pledgegraph writes: vocabulary namespaces and the minting of resource IRIs from stable keys."""

from __future__ import annotations

import re
import unicodedata

DEFAULT_BASE = "https://w3id.org/pledgegraph/"

PG = "https://w3id.org/pledgegraph/ontology#"
PGT = "https://w3id.org/pledgegraph/theme/"
PGV = "https://w3id.org/pledgegraph/vocab/"
PGL = "https://w3id.org/pledgegraph/lexicon/"  # the extractor's lexicon (ontology/lexicon.ttl); not in published data
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
TIME = "http://www.w3.org/2006/time#"
OA = "http://www.w3.org/ns/oa#"
NIF = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
SCHEMA = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
SH = "http://www.w3.org/ns/shacl#"

PREFIXES = {
    "pg": PG,
    "pgt": PGT,
    "pgv": PGV,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "org": ORG,
    "time": TIME,
    "oa": OA,
    "nif": NIF,
    "schema": SCHEMA,
    "foaf": FOAF,
    "dcat": DCAT,
    "void": VOID,
    "sh": SH,
}


def slug(text: str) -> str:
    """An IRI-safe, readable key: ASCII letters and digits joined by hyphens."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "x"
