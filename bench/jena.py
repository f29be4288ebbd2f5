"""Runs Apache Jena SHACL from Debian's libapache-jena-java, with the class path and the fix its packaging needs."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from functools import cache
from pathlib import Path

MAVEN = Path("/usr/share/maven-repo")
# The command classes and what they need; their compile-scope dependencies are followed from the POMs.
ROOTS = [
    ("org.apache.jena", "jena-cmds"),
    ("org.apache.jena", "jena-shacl"),
    ("org.apache.jena", "jena-arq"),
]
_NS = {"m": "http://maven.apache.org/POM/4.0.0"}


class JenaMissing(Exception):
    """libapache-jena-java (or java) is not installed."""


def _pom(group: str, artifact: str) -> tuple[Path, Path | None] | None:
    folder = MAVEN / group.replace(".", "/") / artifact
    if not folder.is_dir():
        return None
    # Debian keeps the packaged version and a "debian" alias; the alias resolves to the same jar.
    versions = sorted(p for p in folder.iterdir() if p.is_dir())
    for version in sorted(versions, key=lambda p: p.name == "debian"):
        poms = list(version.glob("*.pom"))
        jars = [
            j
            for j in version.glob("*.jar")
            if not j.name.endswith(("-sources.jar", "-javadoc.jar"))
        ]
        if poms:
            return poms[0], (jars[0].resolve() if jars else None)
    return None


def _dependencies(pom: Path) -> list[tuple[str, str]]:
    try:
        root = ET.parse(pom).getroot()
    except ET.ParseError:
        return []
    out = []
    for dep in root.findall("m:dependencies/m:dependency", _NS):
        scope = dep.findtext("m:scope", default="compile", namespaces=_NS)
        optional = dep.findtext("m:optional", default="false", namespaces=_NS)
        if scope in ("compile", "runtime") and optional != "true":
            group = dep.findtext("m:groupId", namespaces=_NS) or ""
            artifact = dep.findtext("m:artifactId", namespaces=_NS) or ""
            if "${" not in group:
                out.append((group, artifact))
    return out


def _xerces_fix(jena_core: Path, folder: Path) -> Path:
    """A jar holding jena-core's Xerces message files where its relocated classes look for them."""
    fix = folder / "jena-xerces-fix.jar"
    with zipfile.ZipFile(jena_core) as src, zipfile.ZipFile(fix, "w") as dst:
        for name in src.namelist():
            if name.startswith("org/apache/jena/ext/xerces/impl/") and not name.endswith(".class"):
                dst.writestr(
                    "xerces/impl/" + name.removeprefix("org/apache/jena/ext/xerces/impl/"),
                    src.read(name),
                )
    return fix


@cache
def classpath() -> str:
    """The class path of Jena's commands, from the Maven metadata (`/usr/share/java/*` clashes)."""
    if shutil.which("java") is None or not (MAVEN / "org/apache/jena").is_dir():
        raise JenaMissing("Apache Jena is not installed (apt-get install -y libapache-jena-java)")
    jars: dict[tuple[str, str], Path] = {}
    todo = list(ROOTS)
    while todo:
        ga = todo.pop()
        if ga in jars:
            continue
        found = _pom(*ga)
        if found is None:
            continue
        pom, jar = found
        if jar is not None:
            jars[ga] = jar
        todo += _dependencies(pom)
    # One SLF4J binding only: several make Jena's commands fail at start.
    kept = [
        j
        for (g, a), j in jars.items()
        if not (a.startswith("slf4j-") and a not in ("slf4j-api", "slf4j-simple"))
    ]
    core = jars.get(("org.apache.jena", "jena-core"))
    if core is None:
        raise JenaMissing("jena-core is missing from /usr/share/maven-repo")
    fix = _xerces_fix(core, Path(tempfile.mkdtemp(prefix="pledgegraph-jena-")))
    return ":".join(str(p) for p in [fix, *kept])


def portable_shapes(shapes: Path, folder: Path) -> Path:
    """The shapes with the xsd: prefix declared for their SPARQL constraints.

    pySHACL (through rdflib) knows xsd: undeclared; Jena, like the SHACL specification, does not,
    and refuses R03's query. The declaration is added to a copy: nothing else changes.
    """
    text = shapes.read_text(encoding="utf-8")
    if 'sh:prefix "xsd"' in text:
        return shapes
    decl = 'sh:declare [ sh:prefix "xsd" ; sh:namespace "http://www.w3.org/2001/XMLSchema#"^^xsd:anyURI ] .'
    text += f"\n# added by bench/jena.py for Jena SHACL\npgsh: {decl}\n"
    out = folder / "shapes-for-jena.ttl"
    out.write_text(text, encoding="utf-8")
    return out


def shacl_validate(
    shapes: Path, data: Path, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """`shacl validate --shapes S --data D`: the report (Turtle) on stdout."""
    shapes = portable_shapes(shapes, Path(tempfile.mkdtemp(prefix="pledgegraph-jena-")))
    cmd = [
        "java",
        "-Xmx2g",
        "-cp",
        classpath(),
        "shacl.shacl",
        "validate",
        "--shapes",
        str(shapes),
        "--data",
        str(data),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def available() -> str | None:
    """None when Jena SHACL can run here, else why not."""
    try:
        classpath()
    except JenaMissing as e:
        return str(e)
    return None
