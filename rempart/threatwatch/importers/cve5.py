"""CVE JSON 5.x records (cvelistV5, vulnrichment, the cveawg API): CNA and ADP containers.

The CNA container gives the title, the description, the dates and its `affected[]` rules
(`cve5-cna`); each ADP container (CISA-ADP "Vulnrichment", the "CVE Program Container")
adds rules (`cve5-adp`), but not an exact version of a product the CNA describes that the
CNA's own rules leave out, and CVSS, CWE and references where the CNA has none. REJECTED records
keep their reason as the description and carry no rule. The cveawg API answers
`{"error": "CVE_RECORD_DNE", …}` for unknown IDs: such bodies are reported, not imported.
"""

from __future__ import annotations

from typing import Any

from rempart.threatwatch.cpe import ANY
from rempart.threatwatch.importers.affected import entry_rules
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
from rempart.threatwatch.versions import in_range, scheme_for

SOURCE = "cve5"
METRIC_KEYS = ("cvssV4_0", "cvssV3_1", "cvssV3_0", "cvssV2_0")
STATES = {"PUBLISHED": "published", "REJECTED": "rejected"}


def is_record(document: Any) -> bool:
    return isinstance(document, dict) and (
        document.get("dataType") == "CVE_RECORD" or "cveMetadata" in document
    )


def is_error_body(document: Any) -> bool:
    """A CVE Services error answer such as `{"error": "CVE_RECORD_DNE", "message": …}`."""
    return (
        isinstance(document, dict)
        and isinstance(document.get("error"), str)
        and set(document) <= {"error", "message", "details"}
    )


def candidate(
    document: dict[str, Any], origin: str, content_hash: str | None = None
) -> CveCandidate:
    """Identifier, date and hash of a record (`content_hash`: of its bytes, when it is a
    file of its own); RecordError for another schema version."""
    version = str(document.get("dataVersion") or "")
    if version.partition(".")[0] != "5":
        raise RecordError(f"unsupported CVE JSON version {version!r} (5.x expected)")
    meta = document.get("cveMetadata")
    if not isinstance(meta, dict):
        raise RecordError("no cveMetadata")
    cve_id = check_cve_id(meta.get("cveId"))
    return CveCandidate(
        cve_id=cve_id,
        source=SOURCE,
        modified=str(meta.get("dateUpdated") or meta.get("datePublished") or ""),
        content_hash=content_hash or digest(document),
        origin=origin,
        build=lambda: build(document, cve_id),
    )


def build(document: dict[str, Any], cve_id: str) -> CveRecord:
    meta = document["cveMetadata"]
    state = STATES.get(str(meta.get("state")))
    if state is None:
        raise RecordError(f"unknown record state {meta.get('state')!r}")
    containers = document.get("containers") or {}
    cna = containers.get("cna") or {}
    if not isinstance(cna, dict):
        raise RecordError("the CNA container is not an object")
    adps = [adp for adp in containers.get("adp") or [] if isinstance(adp, dict)]
    described = cna.get("rejectedReasons") if state == "rejected" else cna.get("descriptions")
    record = CveRecord(
        cve_id=cve_id,
        source=SOURCE,
        state=state,
        title=clip(cna.get("title"), 500),
        description=english(described) or english(cna.get("descriptions")),
        published=parse_datetime(meta.get("datePublished") or cna.get("datePublic")),
        last_modified=parse_datetime(meta.get("dateUpdated")),
        assigner=clip(meta.get("assignerShortName"), 100),
    )
    _fill(record, cna, adps)
    return record


def _fill(record: CveRecord, cna: dict[str, Any], adps: list[dict[str, Any]]) -> None:
    containers = [cna, *adps]
    record.cwes = cwe_ids(
        entry.get("cweId") or entry.get("description")
        for container in containers
        for problem in container.get("problemTypes") or []
        for entry in problem.get("descriptions") or []
    )
    record.references = references(
        ref for container in containers for ref in container.get("references") or []
    )
    for container in containers:
        for metric in container.get("metrics") or []:
            for key in METRIC_KEYS:
                if isinstance(metric.get(key), dict):
                    data = metric[key]
                    add_cvss(
                        record.cvss,
                        data.get("vectorString"),
                        data.get("version") or key[5:].replace("_", "."),
                        record.warnings,
                    )
    if record.state == "published":
        record.rules = _rules(cna, "cve5-cna", record.warnings)
        cna_rules: dict[tuple[str, str], list[RuleRecord]] = {}
        for rule in record.rules:
            cna_rules.setdefault((rule.vendor, rule.product), []).append(rule)
        for adp in adps:
            record.rules += [
                rule
                for rule in _rules(adp, "cve5-adp", record.warnings)
                if not _contradicts(rule, cna_rules.get((rule.vendor, rule.product), []))
            ]
        record.rules = list(dict.fromkeys(record.rules))


def _contradicts(adp: RuleRecord, own: list[RuleRecord]) -> bool:
    """An ADP's exact version of a product the CNA describes (`own`: the CNA's rules of that
    product), that no CNA rule contains: the CNA's word stands (CISA's ADP reads Ivanti's
    "fixed in 22.1R6.2" as "22.1R6.2")."""
    if not own or adp.version in (ANY, ""):
        return False
    if adp.version != "-" and any(rule.version == adp.version for rule in own):
        return False  # the CNA names that very version (most ADP rules restate the CNA's)
    return not any(_contains(rule, adp.version) for rule in own)


def _contains(rule: RuleRecord, version: str) -> bool:
    return in_range(
        version,
        exact="" if rule.version == ANY else rule.version,
        start_including=rule.start_including,
        end_including=rule.end_including,
        end_excluding=rule.end_excluding,
        scheme=scheme_for(rule.vendor, rule.version_type),
    )


def _rules(container: dict[str, Any], source: str, warnings: list[str]) -> list[RuleRecord]:
    rules: list[RuleRecord] = []
    for entry in container.get("affected") or []:
        if isinstance(entry, dict):
            rules += entry_rules(entry, source, warnings)
    return rules
