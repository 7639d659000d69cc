"""NVD CVE API 2.0: response pages, single-CVE responses, bare `cve` objects, and the anchore
`nvd-data-overrides` files (`{"_annotation": …, "cve": {"configurations": …}}`).

Applicability: in an OR configuration every vulnerable `cpeMatch` is a rule; in an AND
configuration (an application vulnerable only on some platform) the vulnerable rules carry
the criteria of the non-vulnerable platform entries in `running_on`. Negated nodes are
skipped (they cannot be expressed as rules).
"""

from __future__ import annotations

from typing import Any

from rempart.threatwatch.cpe import CpeError, parse
from rempart.threatwatch.importers.common import (
    add_cvss,
    clip,
    cwe_ids,
    english,
    parse_datetime,
    references,
)
from rempart.threatwatch.importers.records import (
    CveCandidate,
    CveRecord,
    RecordError,
    RuleRecord,
    check_cve_id,
    digest,
)

SOURCE = "nvd"
OVERRIDE = "nvd-override"
METRIC_KEYS = ("cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2")


def is_page(document: Any) -> bool:
    return isinstance(document, dict) and (
        document.get("format") == "NVD_CVE" or "resultsPerPage" in document
    )


def is_cve_object(document: Any) -> bool:
    """A bare NVD `cve` object (vuln-list, fkie-cad layouts)."""
    return (
        isinstance(document, dict)
        and isinstance(document.get("id"), str)
        and ("vulnStatus" in document or "sourceIdentifier" in document)
    )


def is_wrapped(document: Any) -> bool:
    """`{"cve": {…}}` (Dependency-Track layout), without the anchore `_annotation`."""
    return (
        isinstance(document, dict)
        and "_annotation" not in document
        and is_cve_object(document.get("cve"))
    )


def is_override(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and isinstance(document.get("_annotation"), dict)
        and isinstance(document.get("cve"), dict)
    )


def page_cves(document: dict[str, Any]) -> list[Any]:
    """The `cve` objects of a response page; RecordError for another API version."""
    version = str(document.get("version", "2.0"))
    if not version.startswith("2."):
        raise RecordError(f"unsupported NVD API version {version!r} (2.0 expected)")
    items = document.get("vulnerabilities") or []
    if not isinstance(items, list):
        raise RecordError("`vulnerabilities` is not a list")
    return [item.get("cve") if isinstance(item, dict) else item for item in items]


def candidate(cve: Any, origin: str) -> CveCandidate:
    """Identifier, date and hash of one NVD `cve` object; the full parse is deferred."""
    if not isinstance(cve, dict):
        raise RecordError("an NVD vulnerability entry is not an object")
    cve_id = check_cve_id(cve.get("id"))
    return CveCandidate(
        cve_id=cve_id,
        source=SOURCE,
        modified=str(cve.get("lastModified") or ""),
        content_hash=digest(cve),
        origin=origin,
        build=lambda: build(cve, cve_id),
    )


def build(cve: dict[str, Any], cve_id: str) -> CveRecord:
    record = CveRecord(
        cve_id=cve_id,
        source=SOURCE,
        state="rejected" if cve.get("vulnStatus") == "Rejected" else "published",
        description=english(cve.get("descriptions")),
        published=parse_datetime(cve.get("published")),
        last_modified=parse_datetime(cve.get("lastModified")),
        assigner=clip(cve.get("sourceIdentifier"), 100),
        cwes=cwe_ids(
            entry.get("value")
            for weakness in cve.get("weaknesses") or []
            for entry in weakness.get("description") or []
        ),
        references=references(cve.get("references") or []),
    )
    record.cvss = metrics(cve.get("metrics") or {}, record.warnings)
    record.rules = configuration_rules(cve.get("configurations") or [], record.warnings)
    return record


def metrics(data: dict[str, Any], warnings: list[str]) -> dict[str, tuple[str, float]]:
    """Vector and recomputed score per CVSS major version; the Primary metric first."""
    found: dict[str, tuple[str, float]] = {}
    for key in METRIC_KEYS:
        entries = sorted(data.get(key) or [], key=lambda m: m.get("type") != "Primary")
        for entry in entries:
            cvss = entry.get("cvssData") or {}
            add_cvss(found, cvss.get("vectorString"), cvss.get("version"), warnings)
    return found


def configuration_rules(configurations: list[Any], warnings: list[str]) -> list[RuleRecord]:
    """Rules of NVD `configurations` (see the module docstring); duplicates dropped."""
    rules: list[RuleRecord] = []
    for configuration in configurations:
        nodes = configuration.get("nodes") or []
        shared = _platforms(nodes) if configuration.get("operator") == "AND" else ()
        for node in nodes:
            if node.get("negate"):
                continue
            platforms = shared or (_platforms([node]) if node.get("operator") == "AND" else ())
            for entry in node.get("cpeMatch") or []:
                if entry.get("vulnerable"):
                    rule = _rule(entry, platforms, warnings)
                    if rule is not None:
                        rules.append(rule)
    return list(dict.fromkeys(rules))


def _platforms(nodes: list[Any]) -> tuple[str, ...]:
    return tuple(
        str(entry.get("criteria"))
        for node in nodes
        for entry in node.get("cpeMatch") or []
        if not entry.get("vulnerable") and entry.get("criteria")
    )


def _rule(
    entry: dict[str, Any], platforms: tuple[str, ...], warnings: list[str]
) -> RuleRecord | None:
    criteria = str(entry.get("criteria") or "")
    try:
        name = parse(criteria)
    except CpeError as exc:
        warnings.append(f"rule skipped: {exc}")
        return None
    return RuleRecord(
        source=SOURCE,
        part=name.part if name.part != "*" else "a",
        vendor=name.vendor[:100],
        product=name.product[:150],
        version=name.version[:100],
        update=name.update[:50],
        start_including=clip(entry.get("versionStartIncluding"), 100),
        start_excluding=clip(entry.get("versionStartExcluding"), 100),
        end_including=clip(entry.get("versionEndIncluding"), 100),
        end_excluding=clip(entry.get("versionEndExcluding"), 100),
        running_on=platforms,
        criteria=criteria[:400],
    )


def override_candidate(
    document: dict[str, Any], origin: str, content_hash: str | None = None
) -> CveCandidate:
    """An anchore override: NVD-shaped configurations that replace NVD's for this CVE."""
    annotation = document["_annotation"]
    cve_id = check_cve_id(annotation.get("cve_id") or document["cve"].get("id"))
    return CveCandidate(
        cve_id=cve_id,
        source=OVERRIDE,
        modified=str(annotation.get("modified") or ""),
        content_hash=content_hash or digest(document),
        origin=origin,
        build=lambda: build_override(document, cve_id),
    )


def build_override(document: dict[str, Any], cve_id: str) -> CveRecord:
    annotation = document["_annotation"]
    cve = document["cve"]
    record = CveRecord(
        cve_id=cve_id,
        source=OVERRIDE,
        description=str(annotation.get("description") or "").strip(),
        published=parse_datetime(annotation.get("published")),
        last_modified=parse_datetime(annotation.get("modified")),
        references=references(cve.get("references") or annotation.get("references") or []),
    )
    record.rules = configuration_rules(cve.get("configurations") or [], record.warnings)
    return record
