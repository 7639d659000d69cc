"""Importers of the vulnerability catalog, on small real files (tests/data/README.md)."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest
from cvss import CVSS4
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from rempart.threatwatch.importers.affected import cpe_names
from rempart.threatwatch.importers.pipeline import catalog_import_files
from rempart.threatwatch.models import Advisory, AdvisoryCve, CpeMatch, Cve, EpssScore, KevEntry
from rempart.threatwatch.services import catalog
from rempart.threatwatch.services.lookup import lookup_cpe23

DATA = Path(__file__).parent / "data"
NVD, CVE5, KEV, EPSS, CERTFR = (DATA / d for d in ("nvd", "cve5", "kev", "epss", "certfr"))
pytestmark = pytest.mark.django_db


def run(*paths: Path | str) -> dict[str, Any]:
    return catalog_import_files([Path(p) for p in paths])


def rules(cve_id: str, source: str | None = None) -> list[CpeMatch]:
    found = CpeMatch.objects.filter(cve__cve_id=cve_id).order_by("id")
    return list(found.filter(source=source) if source else found)


def edited(tmp_path: Path, source: Path, name: str, change: Any) -> Path:
    """A copy of a real file with one change (the edit is the point of the test)."""
    document = json.loads(source.read_text(encoding="utf-8"))
    change(document)
    target = tmp_path / name
    target.write_text(json.dumps(document), encoding="utf-8")
    return target


# --- NVD API 2.0 ---------------------------------------------------------------------------------


def test_nvd_pages_bare_and_wrapped_objects_are_imported() -> None:
    # when
    result = run(
        NVD / "respPage1.json",
        NVD / "respPage2.json",
        NVD / "CVE-2024-5732.bare.json",
        NVD / "CVE-2024-23113.json",
        NVD / "CVE-2022-32746.page.json",
    )
    # then
    assert result["errors"] == 0
    assert set(Cve.objects.values_list("cve_id", flat=True)) == {
        "CVE-2020-8167",
        "CVE-2021-22903",
        "CVE-2024-5732",
        "CVE-2024-23113",
        "CVE-2022-32746",
    }
    forti = Cve.objects.get(cve_id="CVE-2024-23113")
    assert forti.cvss3_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    assert forti.cvss3_score == forti.cvss_score == 9.8
    assert forti.cwes == ["CWE-134"]
    assert forti.assigner == "psirt@fortinet.com"
    assert forti.description.startswith("A use of externally-controlled format string")
    assert forti.published == dt.datetime(2024, 2, 15, 14, 15, 46, 503000, tzinfo=dt.UTC)
    fortios = [r for r in rules("CVE-2024-23113") if r.product == "fortios"]
    assert [(r.part, r.start_including, r.end_including) for r in fortios][:2] == [
        ("o", "7.0.0", "7.0.13"),
        ("o", "7.2.0", "7.2.6"),
    ]
    assert set(forti.sources) == {"nvd"}


def test_nvd_cvss_v4_is_recomputed_and_is_the_reference_score() -> None:
    # given
    document = json.loads((NVD / "CVE-2024-5732.bare.json").read_text())
    published = document["metrics"]["cvssMetricV40"][0]["cvssData"]
    # when
    run(NVD / "CVE-2024-5732.bare.json")
    # then
    cve = Cve.objects.get(cve_id="CVE-2024-5732")
    assert cve.cvss4_vector == published["vectorString"]
    assert cve.cvss4_score == float(CVSS4(published["vectorString"]).base_score)
    assert cve.cvss4_score == published["baseScore"] == cve.cvss_score
    assert cve.cvss3_score is not None  # the older version is kept beside it


def test_nvd_and_configuration_puts_the_platform_in_running_on() -> None:
    # when
    run(NVD / "CVE-2021-0002.json")
    # then
    firmware = rules("CVE-2021-0002")[0]
    assert (firmware.vendor, firmware.product, firmware.end_excluding) == (
        "intel",
        "ethernet_controller_e810_firmware",
        "1.4.11",
    )
    assert firmware.running_on == ["cpe:2.3:h:intel:ethernet_controller_e810:-:*:*:*:*:*:*:*"]
    fedora = [r for r in rules("CVE-2021-0002") if r.product == "fedora"]
    assert sorted(r.version for r in fedora) == ["33", "34", "35"]  # duplicates dropped
    assert all(r.running_on == [] for r in fedora)


def test_nvd_rejected_status_rejects_the_cve(tmp_path: Path) -> None:
    # given: a real bare record whose status is set to Rejected
    path = edited(
        tmp_path,
        NVD / "CVE-2024-5732.bare.json",
        "rejected.json",
        lambda d: d.update(vulnStatus="Rejected"),
    )
    # when
    run(path)
    # then
    assert Cve.objects.get(cve_id="CVE-2024-5732").state == Cve.State.REJECTED


def test_anchore_override_replaces_nvd_rules_and_nvd_does_not_undo_it(tmp_path: Path) -> None:
    # given: the override (Tomcat only), then an NVD record for the same CVE
    nvd_record = edited(
        tmp_path,
        NVD / "CVE-2024-23113.json",
        "nvd.json",
        lambda d: d["cve"].update(id="CVE-2007-0450"),
    )
    # when
    run(NVD / "override-CVE-2007-0450.json")
    run(nvd_record)
    # then
    products = {(r.vendor, r.product) for r in rules("CVE-2007-0450")}
    assert products == {("apache", "tomcat"), ("org.apache.tomcat", "tomcat")}
    cve = Cve.objects.get(cve_id="CVE-2007-0450")
    assert set(cve.sources) == {"nvd", "nvd-override"}
    assert cve.description.startswith("A use of externally")  # NVD text ranks above anchore's


# --- CVE JSON 5 ----------------------------------------------------------------------------------


def test_cve5_records_from_a_directory() -> None:
    # when
    result = run(CVE5)
    # then: every record but the API error body
    assert result["sources"]["cve5"]["added"] == 8
    assert [p["record"] for p in result["problems"]] == ["CVE-2022-43383"]
    assert "CVE_RECORD_DNE" in result["problems"][0]["reason"]
    assert result["problems"][0]["file"].endswith("cveawg-error-CVE-2022-43383.json")
    elastic = rules("CVE-2024-52979", "cve5-cna")[0]
    assert (elastic.vendor, elastic.product, elastic.start_including) == (
        "elastic",
        "elasticsearch",
        "7.17.0",
    )
    assert (elastic.end_excluding, elastic.version_type) == ("7.17.25", "semver")
    title = Cve.objects.get(cve_id="CVE-2024-52979").title
    assert title.startswith("Elasticsearch Uncontrolled Resource Consumption")


def test_cve5_version_that_embeds_the_product_name() -> None:
    # given: "version": "sonicos 7.1.1-7040" (ADP) and "SonicOS 7.1.1-7040" (CNA)
    # when
    run(CVE5 / "CVE-2024-22394.json")
    # then
    found = {(r.source, r.part, r.vendor, r.product, r.version) for r in rules("CVE-2024-22394")}
    assert found == {
        ("cve5-cna", "a", "sonicwall", "sonicos", "7.1.1-7040"),
        ("cve5-adp", "o", "sonicwall", "sonicos", "7.1.1-7040"),
    }


def test_cve5_cna_names_become_cpe_names() -> None:
    """Apache's record of CVE-2021-41773 has no CPE: vendor "Apache Software Foundation",
    product "Apache HTTP Server", version "Apache HTTP Server 2.4 2.4.49"; a scan's
    cpe:/a:apache:http_server:2.4.49 must find it."""
    run(CVE5 / "CVE-2021-41773.json")
    found = {(r.source, r.vendor, r.product, r.version) for r in rules("CVE-2021-41773")}
    assert found == {("cve5-cna", "apache", "http_server", "2.4.49")}
    rows = lookup_cpe23("cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*")
    assert [(r["cve"], r["source"], r["confidence"]) for r in rows] == [
        ("CVE-2021-41773", "cve5-cna", "firm")
    ]
    assert lookup_cpe23("cpe:2.3:a:apache:http_server:2.4.50:*:*:*:*:*:*:*") == []


@pytest.mark.parametrize(
    ("vendor", "product", "expected"),
    [
        ("Fortinet, Inc.", "FortiOS", ("fortinet", "fortios")),
        ("The PHP Group", "PHP", ("php", "php")),
        ("VMware", "VMware ESXi", ("vmware", "esxi")),
        ("OpenSSL Software Foundation", "OpenSSL", ("openssl", "openssl")),
        ("Citrix", "NetScaler ADC", ("citrix", "netscaler_application_delivery_controller")),
        ("n/a", "Redis", ("redis", "redis")),
        ("SonicWall", "SonicOS", ("sonicwall", "sonicos")),
    ],
)
def test_cna_vendor_and_product_to_cpe_names(
    vendor: str, product: str, expected: tuple[str, str]
) -> None:
    assert cpe_names(vendor, product) == expected


def test_cve5_ranges_of_the_cna_and_of_the_adp() -> None:
    # when
    run(CVE5 / "CVE-2024-22396.json")
    # then: ADP `version 0 + lessThanOrEqual`, CNA free text "… and earlier versions"
    adp = rules("CVE-2024-22396", "cve5-adp")
    assert [(r.start_including, r.end_including, r.version_type) for r in adp][:2] == [
        ("", "7.0.1-5145", "custom"),
        ("", "7.1.1-7047", "custom"),
    ]
    assert adp[0].criteria == "cpe:2.3:o:sonicwall:sonicos:-:*:*:*:*:*:*:*"
    cna = rules("CVE-2024-22396", "cve5-cna")
    assert [r.end_including for r in cna] == [r.end_including for r in adp]
    cve = Cve.objects.get(cve_id="CVE-2024-22396")
    assert (cve.cvss3_score, cve.cwes, cve.assigner) == (5.3, ["CWE-190"], "sonicwall")


def test_cve5_adp_only_and_rejected_records() -> None:
    # when
    run(CVE5 / "CVE-2023-51787.json", CVE5 / "CVE-2024-10686.json", CVE5 / "CVE-2024-1216.json")
    # then: the CNA says n/a, the CISA ADP gives the product
    assert {(r.source, r.vendor, r.product, r.version) for r in rules("CVE-2023-51787")} == {
        ("cve5-adp", "windriver", "vxworks", "7_22.09"),
        ("cve5-adp", "windriver", "vxworks", "23.03"),
    }
    assert Cve.objects.get(cve_id="CVE-2023-51787").cvss3_score == 7.5  # from the ADP
    for cve_id in ("CVE-2024-10686", "CVE-2024-1216"):  # 5.1 and 5.0 records
        cve = Cve.objects.get(cve_id=cve_id)
        assert cve.state == Cve.State.REJECTED
        assert cve.description  # the rejection reason
        assert rules(cve_id) == []


def test_cve5_tarball_is_streamed_and_its_other_members_skipped(tmp_path: Path) -> None:
    # given: vulnrichment's layout, with its README and LICENSE
    archive = tmp_path / "vulnrichment.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(CVE5 / "CVE-2024-22396.json", arcname="2024/22xxx/CVE-2024-22396.json")
        tar.add(CVE5 / "CVE-2024-6387.json", arcname="2024/6xxx/CVE-2024-6387.json")
        for name in ("README.md", "LICENSE"):
            info = tarfile.TarInfo(name)
            info.size = 5
            tar.addfile(info, io.BytesIO(b"text\n"))
    # when
    result = run(archive)
    # then
    assert result["errors"] == 0
    assert result["files"] == {str(archive): {"CVE JSON 5 record": 2}}
    assert Cve.objects.count() == 2
    assert any(
        r.product == "openssh" and r.end_including == "9.7p1" for r in rules("CVE-2024-6387")
    )


# --- KEV -----------------------------------------------------------------------------------------


def test_kev_json_flags_the_cves_and_records_the_entries() -> None:
    # given
    run(NVD / "CVE-2024-23113.json")
    # when
    result = run(KEV / "known_exploited_vulnerabilities.subset.json")
    # then
    assert result["sources"]["kev"]["added"] == 10
    struts = KevEntry.objects.get(cve_id="CVE-2017-5638")
    assert struts.ransomware is True
    assert struts.date_added == dt.date(2021, 11, 3)
    assert Cve.objects.get(cve_id="CVE-2024-23113").known_exploited is True
    assert KevEntry.objects.get(cve_id="CVE-2024-23113").due_date == dt.date(2024, 10, 30)


def test_kev_before_the_cve_flags_it_when_it_arrives() -> None:
    # when
    run(KEV / "known_exploited_vulnerabilities.subset.json")
    run(NVD / "CVE-2024-23113.json")
    # then
    assert Cve.objects.get(cve_id="CVE-2024-23113").known_exploited is True


def test_kev_csv_older_than_the_json_only_adds_missing_entries() -> None:
    # given: the JSON catalog 2026.08.21, then the CSV of 2025.08.25
    run(KEV / "known_exploited_vulnerabilities.subset.json")
    # when
    result = run(KEV / "known_exploited_vulnerabilities.subset.csv")
    # then: its 8 newest rows are added, the 2 entries the JSON holds are left alone
    assert result["sources"]["kev"]["added"] == 8
    assert result["sources"]["kev"]["updated"] == 0
    assert KevEntry.objects.get(cve_id="CVE-2025-48384").product == "Git"
    assert KevEntry.objects.count() == 18


# --- EPSS ----------------------------------------------------------------------------------------


def test_epss_daily_csv_gz_api_answers_and_emba_files(tmp_path: Path) -> None:
    # given
    daily = tmp_path / "epss_scores-2025-02-20.csv.gz"
    daily.write_bytes(gzip.compress((EPSS / "vunnel-example-1.csv").read_bytes()))
    emba = tmp_path / "CVE_2024_EPSS.csv"
    shutil.copy(EPSS / "CVE_2024_EPSS.csv", emba)
    os.utime(emba, (1786845780, 1786845780))  # 2026-08-16, EMBA's commit date
    run(CVE5 / "CVE-2024-6387.json")
    # when
    result = run(daily, EPSS / "CVE-2001-1267.json", EPSS / "CVE-2024-6387.json", emba)
    # then
    assert result["sources"]["epss"]["added"] == 5 + 2 + 5
    score = EpssScore.objects.get(cve_id="CVE-1999-0005")
    assert (score.epss, score.percentile, score.score_date) == (
        0.91963,
        0.99214,
        dt.date(2025, 2, 20),
    )
    assert EpssScore.objects.get(cve_id="CVE-2024-9999").score_date == dt.date(2026, 8, 16)
    api = EpssScore.objects.get(cve_id="CVE-2024-6387")
    cve = Cve.objects.get(cve_id="CVE-2024-6387")
    assert (cve.epss, cve.epss_percentile) == (api.epss, api.percentile)


def test_epss_older_score_is_stale(tmp_path: Path) -> None:
    # given: the same real answer with an older date
    older = edited(
        tmp_path,
        EPSS / "CVE-2024-6387.json",
        "older.json",
        lambda d: d["data"][0].update(date="2024-01-01", epss="0.1"),
    )
    run(EPSS / "CVE-2024-6387.json")
    # when
    result = run(older)
    # then
    assert result["sources"]["epss"] == {"added": 0, "updated": 0, "unchanged": 0, "stale": 1}
    assert EpssScore.objects.get(cve_id="CVE-2024-6387").epss != 0.1


# --- CERT-FR -------------------------------------------------------------------------------------


def test_certfr_avis_alerte_and_derived_list() -> None:
    # when
    result = run(
        CERTFR / "CERTFR-2025-AVI-0001.json",
        CERTFR / "CERTFR-2024-ALE-009.json",
        CERTFR / "cert-fr-ale_with_cves.subset.json",
    )
    # then
    assert result["errors"] == 0
    alert = Advisory.objects.get(reference="CERTFR-2024-ALE-009")
    assert (alert.kind, alert.title) == ("alerte", "Vulnérabilité dans OpenSSH")  # not the list's
    assert alert.published == dt.datetime(2024, 7, 1, 12, 56, 56, 459929, tzinfo=dt.UTC)
    assert alert.last_revision == dt.datetime(2024, 10, 7, 9, 53, tzinfo=dt.UTC)
    assert alert.closed_at == dt.date(2024, 10, 7)
    assert alert.risks == ["Exécution de code arbitraire à distance"]
    assert alert.affected_systems[0]["vendor"] == "OpenSSH"
    assert alert.url == "https://www.cert.ssi.gouv.fr/alerte/CERTFR-2024-ALE-009/"
    assert list(alert.cve_links.values_list("cve_id", flat=True)) == ["CVE-2024-6387"]
    avis = Advisory.objects.get(reference="CERTFR-2025-AVI-0001")
    assert avis.kind == "avis"
    assert avis.cve_ids[0] == "CVE-2024-9138"
    partial = Advisory.objects.get(reference="CERTFR-2024-ALE-014")
    assert partial.title == "CERTFR-2024-ALE-014"
    assert partial.cve_ids == ["CVE-2024-47575", "CVE-2024-50566"]
    assert Advisory.objects.filter(kind="alerte").count() == 7


def test_certfr_full_document_replaces_a_list_entry() -> None:
    # given
    run(CERTFR / "cert-fr-ale_with_cves.subset.json")
    # when
    run(CERTFR / "CERTFR-2024-ALE-009.json")
    # then
    assert Advisory.objects.get(reference="CERTFR-2024-ALE-009").closed_at == dt.date(2024, 10, 7)


def test_certfr_older_capture_of_a_document_is_stale(tmp_path: Path) -> None:
    # given: another real capture of this alert has its revision times at midnight
    older = edited(tmp_path, CERTFR / "CERTFR-2024-ALE-009.json", "older.json", _midnight)
    run(CERTFR / "CERTFR-2024-ALE-009.json")
    # when
    result = run(older)
    # then
    assert result["sources"]["certfr"]["stale"] == 1
    alert = Advisory.objects.get(reference="CERTFR-2024-ALE-009")
    assert alert.last_revision == dt.datetime(2024, 10, 7, 9, 53, tzinfo=dt.UTC)


def _midnight(document: dict[str, Any]) -> None:
    for revision in document["revisions"]:
        revision["revision_date"] = revision["revision_date"][:10] + "T00:00:00.000000"


# --- Bad input, reruns, detection ----------------------------------------------------------------


def test_bad_records_are_reported_and_good_ones_kept(tmp_path: Path) -> None:
    # given: real records broken four ways, beside a good one
    good = CVE5 / "CVE-2024-22394.json"
    text = (CVE5 / "CVE-2024-22396.json").read_text()
    (tmp_path / "truncated.json").write_text(text[:700])
    (tmp_path / "invalid.json").write_text("{" + text[1:].replace('"', "'", 3))
    edited(
        tmp_path, CVE5 / "CVE-2024-22396.json", "future.json", lambda d: d.update(dataVersion="6.0")
    )
    edited(
        tmp_path,
        CVE5 / "CVE-2024-52979.json",
        "invalid-id.json",
        lambda d: d["cveMetadata"].update(cveId="CVE-24-1"),
    )
    shutil.copy(good, tmp_path / "good.json")
    # when
    result = run(tmp_path)
    # then
    reasons = {Path(p["file"]).name: p["reason"] for p in result["problems"]}
    assert set(reasons) == {"truncated.json", "invalid.json", "future.json", "invalid-id.json"}
    assert reasons["truncated.json"].startswith("invalid JSON")
    assert reasons["invalid.json"].startswith("invalid JSON")
    assert "unsupported CVE JSON version '6.0'" in reasons["future.json"]
    assert "invalid CVE identifier 'CVE-24-1'" in reasons["invalid-id.json"]
    future = next(p for p in result["problems"] if p["file"].endswith("future.json"))
    assert future["record"] == "CVE-2024-22396"
    assert list(Cve.objects.values_list("cve_id", flat=True)) == ["CVE-2024-22394"]
    assert CpeMatch.objects.exclude(cve__cve_id="CVE-2024-22394").count() == 0


def test_a_database_failure_leaves_no_half_written_record(monkeypatch: pytest.MonkeyPatch) -> None:
    # given: the rules of one CVE cannot be written
    insert = catalog._insert_rules

    def failing(values: list[Any]) -> None:
        if any(rule.product == "elasticsearch" for _, rule in values):
            raise IntegrityError("simulated failure")
        insert(values)

    monkeypatch.setattr(catalog, "_insert_rules", failing)
    # when
    result = run(CVE5 / "CVE-2024-22396.json", CVE5 / "CVE-2024-52979.json")
    # then: that CVE is reported, neither its row nor its rules exist; the other is complete
    assert [(p["record"], p["reason"]) for p in result["problems"]] == [
        ("CVE-2024-52979", "database: simulated failure")
    ]
    assert list(Cve.objects.values_list("cve_id", flat=True)) == ["CVE-2024-22396"]
    assert len(rules("CVE-2024-22396")) == 8


ALL_FIXTURES = [
    NVD,
    CVE5,
    KEV / "known_exploited_vulnerabilities.subset.json",
    KEV / "known_exploited_vulnerabilities.subset.csv",
    EPSS,
    CERTFR,
]


def test_rerun_of_the_same_files_changes_nothing() -> None:
    # given
    first = run(*ALL_FIXTURES)
    assert first["changes"] > 0
    snapshot = list(CpeMatch.objects.order_by("id").values_list("id", flat=True))
    # when
    second = run(*ALL_FIXTURES)
    # then
    assert second["changes"] == 0
    assert second["changed_cves"] == 0
    assert all(c["added"] == c["updated"] == 0 for c in second["sources"].values())
    assert list(CpeMatch.objects.order_by("id").values_list("id", flat=True)) == snapshot


def test_an_update_replaces_the_rules_of_its_source_only(tmp_path: Path) -> None:
    # given: the CVE record, then NVD, then a newer CVE record with one ADP rule less
    run(CVE5 / "CVE-2024-22396.json", NVD / "CVE-2024-23113.json")
    newer = edited(tmp_path, CVE5 / "CVE-2024-22396.json", "newer.json", _drop_adp_version)
    # when
    result = run(newer)
    # then
    assert result["sources"]["cve5"]["updated"] == 1
    assert len(rules("CVE-2024-22396", "cve5-adp")) == 3
    assert len(rules("CVE-2024-22396", "cve5-cna")) == 4
    assert result["changed_cves"] == 1


def _drop_adp_version(document: dict[str, Any]) -> None:
    document["cveMetadata"]["dateUpdated"] = "2025-01-01T00:00:00.000Z"
    document["containers"]["adp"][1]["affected"][0]["versions"].pop()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("state.json", (NVD / "last_updated.json").read_bytes(), "unknown format (['api'])"),
        (
            "schema.json",
            (KEV / "known_exploited_vulnerabilities_schema.json").read_bytes(),
            "JSON Schema of the KEV catalog",
        ),
        (
            "index.csv",
            b"cve_id,products,match_kinds,sources\nCVE-1999-0236,a,b,c\n",
            "index of the corpus",
        ),
        ("feed.xml", b"<?xml version='1.0'?><rss version='2.0'><channel/></rss>", "RSS feed"),
        ("README.md", b"# Offline vulnerability corpus\n", "not a CVE, NVD, KEV, EPSS"),
    ],
)
def test_detector_refuses_other_files_with_a_clear_message(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    # given
    path = tmp_path / name
    path.write_bytes(content)
    # when
    result = run(path)
    # then
    assert result["refused"] == [str(path)]
    assert reason in result["problems"][0]["reason"]


def test_detector_reads_the_content_not_the_name(tmp_path: Path) -> None:
    # given: a gzip KEV catalog and a CVE record, both under misleading names
    (tmp_path / "data.csv").write_bytes(
        gzip.compress((KEV / "known_exploited_vulnerabilities.subset.json").read_bytes())
    )
    shutil.copy(CVE5 / "CVE-2024-22394.json", tmp_path / "record.txt")
    # when
    result = run(tmp_path / "data.csv", tmp_path / "record.txt")
    # then
    assert result["files"] == {
        str(tmp_path / "data.csv"): {"CISA KEV JSON": 1},
        str(tmp_path / "record.txt"): {"CVE JSON 5 record": 1},
    }


# --- Command and bundle --------------------------------------------------------------------------


def test_intel_import_command_lists_formats_and_refuses_others() -> None:
    # given
    out = io.StringIO()
    # when
    call_command("intel", "import", str(NVD / "CVE-2021-0002.json"), stdout=out)
    # then
    assert "NVD CVE API 2.0 {cve} object x1" in out.getvalue()
    assert "nvd: 1 added" in out.getvalue()
    with pytest.raises(CommandError, match="nothing imported from"):
        call_command("intel", "import", str(NVD / "last_updated.json"), stdout=io.StringIO())


def test_intel_status_command() -> None:
    # given
    run(NVD / "CVE-2021-0002.json", KEV / "known_exploited_vulnerabilities.subset.json")
    out = io.StringIO()
    # when
    call_command("intel", "status", stdout=out)
    # then
    assert "catalog: 1 CVEs, 4 rules, 10 KEV entries" in out.getvalue()
    assert "kev " in out.getvalue()


def test_bundle_round_trip(tmp_path: Path) -> None:
    # given: a catalog, exported, then emptied
    run(*ALL_FIXTURES)
    before = _catalog_state()
    bundle = tmp_path / "rempart-intel.tar.gz"
    call_command("intel", "export-bundle", str(bundle), stdout=io.StringIO())
    for model in (AdvisoryCve, Advisory, CpeMatch, Cve, EpssScore, KevEntry):
        model.objects.all().delete()
    # when
    first = run(bundle)
    second = run(bundle)
    # then
    assert first["errors"] == 0
    assert first["files"] == {str(bundle): {"Rempart catalog bundle": 1}}
    assert _catalog_state() == before
    assert second["changes"] == 0


def test_truncated_bundle_keeps_what_it_holds(tmp_path: Path) -> None:
    # given: a bundle whose catalog stops after the KEV entries
    run(KEV / "known_exploited_vulnerabilities.subset.json", NVD / "CVE-2021-0002.json")
    full = tmp_path / "full.tar.gz"
    call_command("intel", "export-bundle", str(full), stdout=io.StringIO())
    with tarfile.open(full) as tar:
        member = tar.extractfile("catalog.jsonl")
        assert member is not None
        lines = member.read().splitlines(keepends=True)[:11]  # header + 10 KEV lines
    cut = tmp_path / "cut.tar.gz"
    with tarfile.open(cut, "w:gz") as tar:
        info = tarfile.TarInfo("catalog.jsonl")
        info.size = len(b"".join(lines))
        tar.addfile(info, io.BytesIO(b"".join(lines)))
    KevEntry.objects.all().delete()
    # when
    result = run(cut)
    # then
    assert KevEntry.objects.count() == 10
    assert "truncated bundle" in result["problems"][0]["reason"]


def _catalog_state() -> dict[str, Any]:
    return {
        "cves": sorted(
            Cve.objects.values_list(
                "cve_id", "state", "cvss_score", "known_exploited", "epss", "title", "sources"
            )
        ),
        "rules": sorted(
            CpeMatch.objects.values_list(
                "cve__cve_id",
                "source",
                "vendor",
                "product",
                "version",
                "end_excluding",
                "running_on",
            )
        ),
        "kev": sorted(KevEntry.objects.values_list("cve_id", "due_date", "ransomware")),
        "epss": sorted(EpssScore.objects.values_list("cve_id", "epss", "score_date")),
        "advisories": sorted(Advisory.objects.values_list("reference", "title", "cve_ids")),
        "links": sorted(AdvisoryCve.objects.values_list("advisory__reference", "cve_id")),
    }
