"""CVE JSON 5 `affected[]` entries (CNA or ADP container) → applicability rules.

Products: the entry's `cpes` (CPE 2.3 or 2.2 URIs) when present, else the vendor and product
(or `packageName`) turned into the names NVD's CPE dictionary uses, so that a scanned CPE
finds them: lower case, spaces as underscores, the company suffix dropped from the vendor
(`Apache Software Foundation` → `apache`, `Fortinet, Inc.` → `fortinet`, `The PHP Group` →
`php`), the vendor's name dropped from the front of the product (`Apache HTTP Server` →
`http_server`, `VMware ESXi` → `esxi`), and a few products renamed (`CNA_PRODUCTS`); a missing
or `n/a` vendor takes the product name.

Versions (`versions[]` with `status: affected`): `version` + `lessThan`/`lessThanOrEqual` is a
range (`0`, `*`, `unspecified` mean "from the start"; `*` as the upper bound means "no upper
bound"; a `6.1.*` bound covers the whole branch); a lone `version` is an exact version. Free
text is read when it takes a common shape (`7.0.1 and earlier versions`, `All versions prior
to 12.4`, `8.40 - 11.10`, a product name before the version: `sonicos 7.1.1-7040`, a branch
before the version: `Apache HTTP Server 2.4 2.4.49`); other
free text is skipped with a warning. Git commits are not versions and are skipped. With
`defaultStatus: affected`, a single open-ended `unaffected` entry (`version X, lessThan *`)
means "affected before X"; with no version entry at all, every version is affected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rempart.threatwatch.cpe import ANY, CpeError, parse
from rempart.threatwatch.importers.bounds import (
    Spec,
    first_fix,
    next_branch,
    ranges,
    without_fixed_trains,
)
from rempart.threatwatch.importers.common import clip
from rempart.threatwatch.importers.records import RuleRecord

FROM_START = {
    "",
    "*",
    "0",
    "0.0",
    "0.0.0",
    "-",
    "n/a",
    "unspecified",
    "unknown",
    "all",
    "all versions",
    "any",
    "none",
}
MAX_RULES = 2000  # per affected entry: a few real records list thousands of CPEs
NOT_VERSIONS = {"git", "original_commit_for_fix", "commit", "commit-id", "commit hash"}
_V = r"v?(\d[\w.\-+()~:]*)"
FREE_TEXT = [
    (
        re.compile(
            rf"^(?:all versions )?(?:prior to and including|up to and including|up to|"
            rf"through|<=)\s*{_V}$",
            re.I,
        ),
        "end_including",
    ),
    (
        re.compile(rf"^(?:all versions )?(?:prior to|before|below|earlier than|<)\s*{_V}$", re.I),
        "end_excluding",
    ),
    (
        re.compile(
            rf"^{_V},?\s+(?:and|or)\s+(?:earlier|prior|below|older|before)"
            rf"(?:\s+versions?)?$",
            re.I,
        ),
        "end_including",
    ),
    (
        re.compile(rf"^{_V}\s+(?:and|or)\s+(?:later|above|newer)(?:\s+versions?)?$", re.I),
        "start_including",
    ),
]
BRANCH = re.compile(r"^(\d+(?:\.\d+)*)\.(?:\*|x)$", re.I)  # `2.4.x`, `6.1.*`
RANGE_TEXT = re.compile(rf"^(?:>=\s*)?{_V}\s+(?:-|to|through)\s+{_V}$", re.I)


@dataclass(frozen=True)
class Name:
    part: str
    vendor: str
    product: str
    criteria: str = ""
    version: str = ""  # a concrete version named by the CPE itself


# Company suffixes that CPE vendor names leave out.
COMPANY = re.compile(
    r"(?:_(?:software_foundation|foundation|incorporated|inc|corporation|corp|company|co|"
    r"limited|ltd|llc|gmbh|ag|sa|srl|bv|group|project))+$"
)
# CNA product names (after the vendor is dropped) whose CPE product differs.
CNA_PRODUCTS = {
    ("citrix", "netscaler_adc"): "netscaler_application_delivery_controller",
    ("citrix", "netscaler_gateway"): "netscaler_gateway",
    ("cisco", "ios_software"): "ios",
    ("cisco", "ios_xe_software"): "ios_xe",
    ("cisco", "adaptive_security_appliance_(asa)_software"): (
        "adaptive_security_appliance_software"
    ),
    ("f5", "nginx_open_source"): "nginx",
    ("f5", "nginx_plus"): "nginx_plus",
    ("fortinet", "fortigate"): "fortios",
}
BRANCH_THEN_VERSION = re.compile(r"^(\d+(?:\.\d+)*)\s+(\1\.[\w.\-+]+)$")
ARUBA_BRANCH = re.compile(r"^.*?(\d+(?:\.\d+)*)(?:\.x+)+\s*:\s*(.*?)[.\s]*$", re.I)
ARUBA_BELOW = re.compile(r"^(?:[a-z]{2}(?:/[a-z]{2})*\.)?(\d[\w.\-]*)\s+and below$", re.I)
BRANCH_START = re.compile(r"^\d+(?:\.\d+)*?(?:\.0)+$")
ALL_OF_BRANCH = re.compile(r"\ball (?:versions|builds)\b", re.I)


def cpe_names(vendor_text: Any, product_text: Any) -> tuple[str, str]:
    """(vendor, product) as NVD's CPE dictionary would name what a CNA wrote."""
    product = slug(product_text)
    vendor = re.sub(r"[,.]", "", slug(vendor_text))
    if vendor in ("", "n/a", "na"):
        return product, product
    vendor = COMPANY.sub("", vendor.removeprefix("the_")) or vendor
    if product.startswith(f"{vendor}_"):
        product = product[len(vendor) + 1 :]
    return vendor, CNA_PRODUCTS.get((vendor, product), product)


def slug(text: Any) -> str:
    """CPE-like name: lower case, spaces as underscores, no colon."""
    value = re.sub(r"\s+", "_", str(text or "").strip().lower())
    return value.replace(":", "_").strip("_")


def entry_rules(entry: dict[str, Any], source: str, warnings: list[str]) -> list[RuleRecord]:
    """Rules of one `affected` entry: every product name x every affected version range."""
    names = _names(entry)
    if not names:
        return []
    specs = _specs(entry, names, warnings)
    if len(names) * len(specs) > MAX_RULES:
        warnings.append(f"{len(names)} products x {len(specs)} versions: first {MAX_RULES} kept")
    return [
        RuleRecord(
            source=source,
            part=n.part,
            vendor=n.vendor[:100],
            product=n.product[:150],
            version=(n.version or s.version)[:100],
            start_including=s.start_including[:100],
            end_including=s.end_including[:100],
            end_excluding=s.end_excluding[:100],
            version_type=s.version_type,
            criteria=n.criteria[:400],
        )
        for n in names
        for s in specs
    ][:MAX_RULES]


def _names(entry: dict[str, Any]) -> list[Name]:
    """One name per product; the concrete versions the CPEs name are kept apart."""
    names: dict[tuple[str, str, str], Name] = {}
    versions: list[Name] = []
    for text in entry.get("cpes") or []:
        try:
            cpe = parse(str(text))
        except CpeError:
            continue
        part = cpe.part if cpe.part != ANY else "a"
        names.setdefault(
            (part, cpe.vendor, cpe.product), Name(part, cpe.vendor, cpe.product, str(text))
        )
        if cpe.version not in (ANY, "-") and len(versions) < MAX_RULES:
            versions.append(Name(part, cpe.vendor, cpe.product, str(text), cpe.version))
    if names:
        return versions if versions and not entry.get("versions") else list(names.values())
    if slug(entry.get("product") or entry.get("packageName")) in ("", "n/a"):
        return []
    vendor, product = cpe_names(
        entry.get("vendor"), entry.get("product") or entry.get("packageName")
    )
    return [Name("a", vendor, product)]


def _specs(entry: dict[str, Any], names: list[Name], warnings: list[str]) -> list[Spec]:
    versions = [v for v in entry.get("versions") or [] if isinstance(v, dict)]
    prefixes = _prefixes(entry, names)
    fixes = _fixed_in(versions, prefixes)
    specs: list[Spec] = []
    for item in versions:
        version_type = clip(item.get("versionType"), 30).lower()
        if version_type in NOT_VERSIONS or item.get("status") != "affected":
            continue
        found = _affected(item, version_type, prefixes, fixes)
        if found is None:
            warnings.append(f"version text not understood: {_shown(item)!r}")
        else:
            specs.extend(found)
    if specs:
        return list(dict.fromkeys(without_fixed_trains(specs, _fix_points(versions, prefixes))))
    return _defaults(entry, versions, names)


def _defaults(
    entry: dict[str, Any], versions: list[dict[str, Any]], names: list[Name]
) -> list[Spec]:
    """No affected version: the CPE's own versions, or what `defaultStatus` implies."""
    if not versions and any(n.version for n in names):
        return [Spec()]  # each name already carries its own exact version
    if entry.get("defaultStatus") != "affected":
        return []
    unaffected = [v for v in versions if v.get("status") == "unaffected"]
    if not unaffected:
        return [Spec()]
    if len(unaffected) == 1 and unaffected[0].get("lessThan") == "*":
        fixed = str(unaffected[0].get("version") or "").strip()
        if fixed.lower() not in FROM_START:
            return [
                Spec(
                    end_excluding=fixed,
                    version_type=clip(unaffected[0].get("versionType"), 30).lower(),
                )
            ]
    return []


def _prefixes(entry: dict[str, Any], names: list[Name]) -> list[str]:
    """Product names that may precede a version (`sonicos 7.1.1-7040`)."""
    texts = {str(entry.get("product") or "").lower(), str(entry.get("packageName") or "").lower()}
    texts |= {n.product.replace("_", " ") for n in names} | {n.product for n in names}
    return sorted((t.strip() + " " for t in texts if t.strip()), key=len, reverse=True)


def _clean(value: Any, prefixes: list[str]) -> str:
    text = str(value or "").strip()
    lowered = text.lower()
    for prefix in prefixes:
        if lowered.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


def _fixed_in(versions: list[dict[str, Any]], prefixes: list[str]) -> list[str]:
    """The versions an entry writes as "fixed in" (`version` = `lessThan`)."""
    return [
        _clean(item.get("version"), prefixes)
        for item in versions
        if item.get("status") == "affected"
        and str(item.get("version") or "").strip()
        and _clean(item.get("version"), prefixes) == _clean(item.get("lessThan"), prefixes)
    ]


def _fix_points(versions: list[dict[str, Any]], prefixes: list[str]) -> list[str]:
    """The fixes an entry names: the `lessThan` of its affected ranges (not a branch
    wildcard) and its `unaffected` changes."""
    points = []
    for item in versions:
        if item.get("status") != "affected":
            continue
        bound = first_fix(_clean(item.get("lessThan"), prefixes))
        if bound and " " not in bound and "*" not in bound:
            points.append(bound)
        points += [
            str(change.get("at")).strip()
            for change in item.get("changes") or []
            if isinstance(change, dict) and change.get("status") == "unaffected"
        ]
    starts = {
        _clean(item.get("version"), prefixes)
        for item in versions
        if item.get("status") == "affected"
    }
    # a bound that another range starts from, or a branch's first version (`10.4.0.0`), is
    # where a branch begins, not a fix
    return [
        point
        for point in points
        if point and " " not in point and point not in starts and not BRANCH_START.match(point)
    ]


def _shown(item: dict[str, Any]) -> str:
    bounds = [str(item.get(k)) for k in ("lessThan", "lessThanOrEqual") if item.get(k)]
    return " … ".join([str(item.get("version"))[:80], *bounds])


def _affected(
    item: dict[str, Any], version_type: str, prefixes: list[str], fixes: list[str]
) -> list[Spec] | None:
    version = _clean(item.get("version"), prefixes)
    less, less_equal = (_clean(item.get(k), prefixes) for k in ("lessThan", "lessThanOrEqual"))
    branch_text = _branch_text(version, version_type)
    if branch_text is not None:
        return [branch_text]
    if less or less_equal:
        start = "" if version.lower() in FROM_START else version
        return ranges(item, start, less, less_equal, version_type=version_type, fixes=fixes)
    if item.get("status") != "affected":
        return []
    spec = _single(version, version_type)
    return None if spec is None else [spec]


def _branch_text(text: str, version_type: str) -> Spec | None:
    """HPE Aruba's "<label> <branch>.x.x: <version> and below" (`AOS-10.4.x.x: 10.4.1.4 and
    below`, `ArubaOS-Switch 16.04.xxxx: KA/RA.16.04.0027 and below`) and "…: All versions"."""
    match = ARUBA_BRANCH.match(text)
    if not match:
        return None
    branch, rest = match.group(1), match.group(2)
    if ALL_OF_BRANCH.search(rest) and next_branch(branch):
        return Spec(
            start_including=branch, end_excluding=next_branch(branch), version_type=version_type
        )
    below = ARUBA_BELOW.match(rest)
    if below and below.group(1).startswith(branch):
        return Spec(start_including=branch, end_including=below.group(1), version_type=version_type)
    return None


def _single(version: str, version_type: str) -> Spec | None:
    """A lone `version`: every version, a branch (`6.1.*`), one version or free text."""
    if version.lower() in FROM_START:
        return Spec(version_type=version_type)
    branch = BRANCH.match(version)
    if branch and next_branch(branch.group(1)):
        start = branch.group(1)
        return Spec(
            start_including=start, end_excluding=next_branch(start), version_type=version_type
        )
    if " " not in version and len(version) <= 100:  # noqa: PLR2004
        return Spec(version=version, version_type=version_type)
    return _free_text(version, version_type)


def _free_text(text: str, version_type: str) -> Spec | None:
    branch = BRANCH_THEN_VERSION.match(text)
    if branch:
        return Spec(version=branch.group(2), version_type=version_type)
    match = RANGE_TEXT.match(text)
    if match:
        return Spec(
            start_including=match.group(1), end_including=match.group(2), version_type=version_type
        )
    for pattern, bound in FREE_TEXT:
        match = pattern.match(text)
        if match:
            return Spec(version_type=version_type, **{bound: match.group(1)})
    return None
