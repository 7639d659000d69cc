"""The ranges of a CVE JSON 5 `versions[]` item, as vendors write them.

The schema's reading is `version` ≤ v < `lessThan` (or ≤ `lessThanOrEqual`), the status
changing at each `changes[].at` inside the range. Vendors fill it their own way, and a
literal reading lists fixed builds as affected; each case below comes from real records
(docs/intel.md, tests/test_vendor_versions.py):

* a build of the branch (Citrix NetScaler, `versionType: patch`): `version: 13.1`,
  `lessThan: 49.15` means builds of 13.1 before `13.1-49.15`;
* a patch level (FreeBSD): `version: 14.0-RELEASE`, `lessThan: p5` means before
  `14.0-RELEASE-p5`; a bound with a vendor prefix (`vCR9.00.240521a`) is read without it;
  a bound that still cannot be compared with the start (`ESXi80U1d-23299997` after `8.0`)
  is not a range: skipped with a warning rather than read as "every later version";
* a fix per train (PAN-OS hotfixes `8.1.24-h1` next to `8.1.25`, HashiCorp `changes`,
  Mozilla ESR, Apple): each fix also fixes the rest of its train (`without_fixed_trains`);
* a branch wildcard (Fortinet `6.4.*`, Juniper `21.1*`, `21.1*-EVO`) after a start in that
  branch means the whole branch; a list (Juniper `22.4R2-S2, 22.4R3`) means the first fix;
* a "fixed in" written as `version` = `lessThan` (Google, Ivanti): before that version; when
  an entry lists several, each covers its own train (`22.1R6.2` the `22.1R6` builds, Ivanti's
  R-builds), the oldest also everything before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from rempart.threatwatch.cpe import ANY
from rempart.threatwatch.versions import compare, sort_key, tokens

WILDCARD = re.compile(r"^(\d+(?:\.\d+)*)\.?\*(?:[-_.]?[a-z]+)?$", re.I)  # 6.4.*, 21.1*, 21.1*-EVO
PATCH_LEVEL = re.compile(r"^[a-z]{1,2}\d+$", re.I)  # FreeBSD `p5`
LEADING_NUMBERS = re.compile(r"^\d+(?:\.\d+)*")
LAST_NUMBER = re.compile(r"[.\-_]?\d+$")
NUMERIC_BUILD = re.compile(r"^\d+(?:\.\d+)*$")
TRAIN_TAIL = re.compile(r"[.\-_][a-z]*\d+$", re.I)  # `.3` of 1.19.3, `-h1` of 8.1.24-h1


@dataclass(frozen=True)
class Spec:
    version: str = ANY
    start_including: str = ""
    end_including: str = ""
    end_excluding: str = ""
    version_type: str = ""


def next_branch(branch: str) -> str:
    """`6.1` → `6.2`: the first version after every `6.1.x`."""
    head, _, last = branch.rpartition(".")
    if not last.isdigit():
        return ""
    return f"{head}.{int(last) + 1}" if head else str(int(last) + 1)


def ranges(
    item: dict[str, Any],
    start: str,
    less: str,
    less_equal: str,
    *,
    version_type: str,
    fixes: list[str],
) -> list[Spec] | None:
    """The affected ranges of a `versions[]` item with a bound (`start` is "" from the
    start); None when a bound is not a version."""
    if item.get("status") == "affected" and start and less == start:
        return [fixed_in(start, fixes, version_type)]
    less, less_equal = first_fix(less), first_fix(less_equal)
    if " " in start or " " in less or " " in less_equal:
        return None
    if less == "*" or less_equal == "*":
        spec: Spec | None = Spec(start_including=start, version_type=version_type)
    else:
        spec = _bounded(start, less, less_equal, version_type)
    return None if spec is None else [spec]


def _bounded(start: str, less: str, less_equal: str, version_type: str) -> Spec | None:
    less_equal = less_equal.removeprefix("<=").strip()  # Aruba writes `<=10.4.1.4`
    if WILDCARD.match(less_equal):  # `≤ 6.1.*`: the whole branch, before the next one
        less, less_equal = _wildcard(start, less_equal), ""
    less = _wildcard(start, less, inclusive=False)
    if "*" in less:
        return None
    start, less = _build_of_branch(start, less, version_type)
    start, less_equal = _build_of_branch(start, less_equal, version_type)
    upper, upper_equal = _patch_level(start, less), _patch_level(start, less_equal)
    if upper is None or upper_equal is None:
        return None
    return Spec(
        start_including=start,
        end_excluding=upper,
        end_including=upper_equal,
        version_type=version_type,
    )


def first_fix(bound: str) -> str:
    """`22.4R2-S2, 22.4R3` (a fix per train, Juniper) → the first one; `21.4R2-EVO,` → itself."""
    parts = [p.strip() for p in bound.split(",") if p.strip()]
    if len(parts) <= 1:
        return parts[0] if parts else ""
    return min(parts, key=sort_key)


def _wildcard(start: str, bound: str, *, inclusive: bool = True) -> str:
    """A branch wildcard as an exclusive bound: the whole branch when the range starts in it
    (`6.4.0` … `6.4.*`), else before it (`0` … `6.*` stays "before 6")."""
    match = WILDCARD.match(bound)
    if not match:
        return bound
    branch = match.group(1)
    whole = inclusive or (start and LEADING_NUMBERS.match(start) and _in_branch(start, branch))
    return (next_branch(branch) or bound) if whole else branch


def _in_branch(version: str, branch: str) -> bool:
    rest = version[len(branch) :]
    return version.startswith(branch) and (not rest or not rest[0].isdigit())


def _build_of_branch(start: str, bound: str, version_type: str) -> tuple[str, str]:
    """NetScaler (`versionType: patch`): `13.1` … `49.15` → `13.1` … `13.1-49.15` (an edition
    after the branch, `13.1-FIPS`, is dropped: builds number the editions apart)."""
    branch = LEADING_NUMBERS.match(start)
    if version_type != "patch" or not branch or not NUMERIC_BUILD.match(bound):
        return start, bound
    if bound.startswith(f"{branch.group()}.") or bound.startswith(f"{branch.group()}-"):
        return start, bound
    return branch.group(), f"{branch.group()}-{bound}"


def _patch_level(start: str, bound: str) -> str | None:
    """A bound that does not start like the start: FreeBSD's `p5` is a patch level of the
    start; `vCR9.00.240521a` is `9.00.240521a`; anything else cannot be compared (None)."""
    if not bound or not start or _comparable(start, bound):
        return bound
    if PATCH_LEVEL.match(bound):
        return f"{start}-{bound}"
    stripped = re.sub(r"^[a-z]+", "", bound, flags=re.I)
    branch = LEADING_NUMBERS.match(start)
    if branch and stripped.startswith(branch.group()):
        return stripped
    return None


def _comparable(start: str, bound: str) -> bool:
    """False when the bound starts with a word where the start starts with a number."""
    first, other = tokens(start)[:1], tokens(bound)[:1]
    return not (first and other and first[0][0] == 0 and other[0][0] != 0)


def fixed_in(fix: str, fixes: list[str], version_type: str) -> Spec:
    """`version` = `lessThan` = X: "fixed in X". Alone, every version before X; one of
    several (one per train), the builds of X's train before X, the oldest fix also every
    version before it."""
    train = LAST_NUMBER.sub("", fix)
    if len(fixes) <= 1 or fix == min(fixes, key=sort_key) or train == fix:
        return Spec(end_excluding=fix, version_type=version_type)
    return Spec(start_including=train, end_excluding=fix, version_type=version_type)


def without_fixed_trains(specs: list[Spec], fixes: list[str]) -> list[Spec]:
    """The ranges of an entry minus, for each fix it names (a `lessThan`, an `unaffected`
    change), the rest of that fix's train: `8.1.24-h1` fixes `8.1.24-h1`… before `8.1.25`,
    `128.4` fixes `128.4`… before `129`, so a range `8.1`…`8.1.25` written next to them does
    not list the fixed hotfix builds (PAN-OS, HashiCorp, Mozilla, Apple write a fix per
    train this way)."""
    holes = sorted(
        {(fix, resume) for fix in fixes if (resume := next_train(fix))},
        key=lambda hole: sort_key(hole[0]),
    )
    result: list[Spec] = []
    for spec in specs:
        pieces = [spec]
        if spec.version == ANY:
            for fix, resume in holes:
                pieces = [piece for part in pieces for piece in _cut(part, fix, resume)]
        result.extend(pieces)
    return result


def next_train(fix: str) -> str:
    """The first version after the train of a fix (`8.1.24-h1` → `8.1.25`, `1.19.3` →
    `1.20`); "" when the fix has no numbered train (`22.4R3-S2`, `14.0-RELEASE-p5`)."""
    train = TRAIN_TAIL.sub("", fix)
    return next_branch(train) if train and train != fix else ""


def _cut(spec: Spec, fix: str, resume: str) -> list[Spec]:
    """`spec` minus the versions from `fix` (included) to `resume` (excluded)."""
    low = spec.start_including
    if not _before_end(fix, spec) or (low and compare(resume, low) <= 0):
        return [spec]
    pieces = []
    if not low or compare(fix, low) > 0:
        pieces.append(Spec(start_including=low, end_excluding=fix, version_type=spec.version_type))
    if _before_end(resume, spec):
        pieces.append(replace(spec, start_including=resume))
    return pieces


def _before_end(version: str, spec: Spec) -> bool:
    if spec.end_excluding:
        return compare(version, spec.end_excluding) < 0
    if spec.end_including:
        return compare(version, spec.end_including) <= 0
    return True
