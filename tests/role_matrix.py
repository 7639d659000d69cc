"""THE table of who may write what: every write route of the platform and what it needs.

`MAY` says which role may do each kind of thing; `WRITES` lists every write route (UI POST,
API POST/PUT/PATCH/DELETE) with the permission it needs. `tests/test_role_matrix.py` sends
each write as each role and checks the answer against these two tables; the role tables of
docs/tenancy.md are generated from them (`python tests/role_matrix.py --write` rewrites the
block between the markers; the test fails while docs and table differ).

Routes of the signed-in person's own account (allauth), the Django admin, public tracking
links and bearer-secret links do not depend on a role: `ROLE_INDEPENDENT` says why.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Roles, in the order of the docs' columns: four membership roles of an establishment and
# two roles of the regional team (the analyst's perimeter holds the establishment).
ROLES = ("referent", "dpo", "contributor", "viewer", "operator_admin", "operator_analyst")
ROLE_TITLES = {
    "referent": "referent",
    "dpo": "DPO",
    "contributor": "contributor",
    "viewer": "viewer",
    "operator_admin": "operator admin",
    "operator_analyst": "operator analyst",
}

# What a write needs: an action on the establishment, or one of these.
VIEW, CHANGE, DELETE, MANAGE = "view", "change", "delete", "manage"
OPERATOR_ADMIN = "operator_admin"  # regional screens: establishments, groups, staff, sync
OPERATOR_STAFF = "operator_staff"  # the regional team's curated data (software catalogue)
DPO = "dpo"  # the establishment's own DPO (identified phishing results)
SIGNED_IN = "signed_in"  # the person's own settings (language, API tokens)
OWN = "own"  # the person's own object (their API token); nobody else's

NEED_TITLES = {
    VIEW: "View",
    CHANGE: "Change",
    DELETE: "Delete",
    MANAGE: "Manage (members, invitations, audit log, configuration)",
    OPERATOR_ADMIN: "Regional administration (establishments, groups, staff)",
    OPERATOR_STAFF: "Regional team's curated data (software catalogue)",
    DPO: "Decide on identified phishing results",
    SIGNED_IN: "Own settings (language, API tokens)",
}

_MEMBER_CHANGE = {"referent", "dpo", "contributor"}
_OPERATOR = {"operator_admin", "operator_analyst"}
MAY: dict[str, frozenset[str]] = {
    VIEW: frozenset(ROLES),
    CHANGE: frozenset(_MEMBER_CHANGE | _OPERATOR),
    DELETE: frozenset({"referent"} | _OPERATOR),
    MANAGE: frozenset({"referent", "operator_admin"}),
    OPERATOR_ADMIN: frozenset({"operator_admin"}),
    OPERATOR_STAFF: frozenset(_OPERATOR),
    DPO: frozenset({"dpo"}),
    SIGNED_IN: frozenset(ROLES),
    OWN: frozenset(ROLES),
}

ROLE_INDEPENDENT = {
    "accounts/": "the signed-in person's own account (allauth: password, second factor)",
    "admin/": "the Django admin: superusers only, none of these roles",
    "p/": "phishing simulation tracking: bearer token of one recipient",
    "invitations/": "invitation link: bearer secret of one invited person",
    "healthz": "health check, no data",
    "api/probe/": "scan probe API: every request signed by an enrolled probe's key",
}


def _until() -> str:
    return (dt.datetime.now(tz=dt.UTC).date() + dt.timedelta(days=30)).isoformat()


@dataclass(frozen=True)
class Write:
    """One write request: route name, method, what it needs, and how to aim it at A.

    `target` is the model whose object of establishment A fills `<public_id>`; `values`
    fixes the route's other parameters (kind, action); `body` adds fields to the common
    body (a function of the world where it needs A's identifiers)."""

    route: str
    need: str
    target: str | None = None
    method: str = "POST"
    values: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | Callable[[Any], dict[str, Any]] | None = None
    summary: str = ""

    @property
    def key(self) -> str:
        fixed = ",".join(f"{k}={v}" for k, v in sorted(self.values.items()))
        return f"{self.method} {self.route}" + (f"[{fixed}]" if fixed else "")


def _api_scan(world: Any) -> dict[str, Any]:
    scope = world.first("scanning.Scope")
    return {"scope": str(scope.public_id), "policy": "standard", "targets": ["127.0.0.1"]}


def _api_membership(world: Any) -> dict[str, Any]:
    return {"establishment": world.a.slug, "user": world.outsider.email, "role": "viewer"}


def _declared(world: Any) -> dict[str, Any]:
    return {"category": "pharmacy", "name": "Pharma", "version": "1.0"}


def _catalogue(world: Any) -> dict[str, Any]:
    return {"category": "pharmacy", "name": "Pharma régionale"}


def _csv(world: Any) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("inventaire.csv", b"nom;version\nPharma;1.0\n")}


def _bulk(world: Any) -> dict[str, Any]:
    """The bulk form of the findings list with A's finding selected."""
    return {"findings": [str(world.first("scanning.Finding").public_id)]}


ACCEPT = {"reason": "Compensating measure in place", "until": _until}
W = Write
WRITES: list[Write] = [
    # Establishment, sites, contacts and members
    W("tenancy:establishment_edit", CHANGE, summary="edit the establishment"),
    W("tenancy:site_create", CHANGE, summary="add a site"),
    W("tenancy:site_edit", CHANGE, "tenancy.Site", summary="edit a site"),
    W("tenancy:contact_create", CHANGE, summary="add a contact"),
    W("tenancy:contact_edit", CHANGE, "tenancy.Contact", summary="edit a contact"),
    W(
        "tenancy:owned_delete",
        DELETE,
        "tenancy.Site",
        values={"kind": "site"},
        summary="delete a site",
    ),
    W(
        "tenancy:owned_delete",
        DELETE,
        "tenancy.Contact",
        values={"kind": "contact"},
        summary="delete a contact",
    ),
    W("tenancy:member_invite", MANAGE, summary="invite a member"),
    W("tenancy:member_role", MANAGE, "tenancy.Membership", summary="change a member's role"),
    W("tenancy:member_remove", MANAGE, "tenancy.Membership", summary="remove a member"),
    W("tenancy:invitation_revoke", MANAGE, "accounts.Invitation", summary="revoke an invitation"),
    W("tenancy:establishment_create", OPERATOR_ADMIN, summary="create an establishment"),
    W("tenancy:group_create", OPERATOR_ADMIN, summary="create a group (GHT)"),
    W(
        "tenancy:group_edit",
        OPERATOR_ADMIN,
        "tenancy.EstablishmentGroup",
        summary="edit a group (GHT)",
    ),
    # Own account, regional team, platform
    W("accounts:api_token_create", SIGNED_IN, summary="create an API token"),
    W("accounts:api_token_revoke", OWN, "accounts.ApiToken", summary="revoke one's API token"),
    W("accounts:language_set", SIGNED_IN, summary="choose the interface language"),
    W("accounts:staff_list", OPERATOR_ADMIN, summary="invite a member of the regional team"),
    W("accounts:sign_in_unlock", OPERATOR_ADMIN, summary="lift a sign-in throttle"),
    W("audit:verify", OPERATOR_ADMIN, summary="verify the audit chain"),
    W("threatwatch:sync", OPERATOR_ADMIN, summary="synchronise the vulnerability catalog"),
    W("jobs:cancel", CHANGE, "jobs.JobRun", summary="cancel a job"),
    # Threat watch: declared inventory and regional catalogue
    W("threatwatch:inventory_create", CHANGE, body=_declared, summary="declare a product"),
    W(
        "threatwatch:inventory_edit",
        CHANGE,
        "threatwatch.DeclaredProduct",
        body=_declared,
        summary="edit a declared product",
    ),
    W(
        "threatwatch:inventory_delete",
        DELETE,
        "threatwatch.DeclaredProduct",
        summary="remove a declared product",
    ),
    W("threatwatch:inventory_import", CHANGE, body=_csv, summary="import a declared inventory"),
    W(
        "threatwatch:catalogue_create",
        OPERATOR_STAFF,
        body=_catalogue,
        summary="add a product to the regional catalogue",
    ),
    W(
        "threatwatch:catalogue_edit",
        OPERATOR_STAFF,
        "threatwatch.CatalogueProduct",
        body=_catalogue,
        summary="edit a regional catalogue product",
    ),
    W(
        "threatwatch:catalogue_delete",
        OPERATOR_STAFF,
        "threatwatch.CatalogueProduct",
        summary="remove a regional catalogue product",
    ),
    # Threat watch: alerts, their follow-up, subscriptions
    W(
        "threatwatch:alert_follow_up",
        CHANGE,
        "threatwatch.EstablishmentAlert",
        body={"status": "in_progress", "reason": "Correctif planifié"},
        summary="follow up a threat-watch alert",
    ),
    W(
        "threatwatch:subscriptions",
        SIGNED_IN,
        body={"kind": "keyword", "value": "Fortinet"},
        summary="follow a vendor, a product or a keyword",
    ),
    W(
        "threatwatch:preferences",
        SIGNED_IN,
        body={"frequency": "daily", "bulletin": "on"},
        summary="choose how threat-watch alerts are e-mailed",
    ),
    # Webhooks
    W("webhooks:endpoint_create", MANAGE, summary="add a webhook"),
    W("webhooks:endpoint_edit", MANAGE, "webhooks.WebhookEndpoint", summary="edit a webhook"),
    W("webhooks:endpoint_delete", MANAGE, "webhooks.WebhookEndpoint", summary="delete a webhook"),
    W(
        "webhooks:endpoint_secret",
        MANAGE,
        "webhooks.WebhookEndpoint",
        summary="renew a webhook's secret",
    ),
    W("webhooks:endpoint_ping", MANAGE, "webhooks.WebhookEndpoint", summary="test a webhook"),
    W(
        "webhooks:delivery_retry",
        MANAGE,
        "webhooks.WebhookDelivery",
        summary="retry a webhook delivery",
    ),
    # Action plan
    W("actions:action_create", CHANGE, body={"priority": "normal"}, summary="add an action item"),
    W(
        "actions:action_edit",
        CHANGE,
        "actions.ActionItem",
        body={"priority": "normal", "title": "Patch"},
        summary="edit an action item",
    ),
    W(
        "actions:action_status",
        CHANGE,
        "actions.ActionItem",
        body={"status": "done"},
        summary="change an action item's status",
    ),
    # Attachments and evidence
    W("attachments:attachment_upload", CHANGE, summary="attach a file to a record"),
    W(
        "attachments:attachment_review",
        CHANGE,
        "attachments.Attachment",
        body={"status": "accepted"},
        summary="review a piece of evidence",
    ),
    W(
        "attachments:attachment_delete",
        CHANGE,
        "attachments.Attachment",
        summary="delete an attached file",
    ),
    # Timeline
    W("timeline:entry_add", CHANGE, summary="add a timeline entry"),
    # Vulnerability scanning
    W("scanning:asset_edit", CHANGE, "scanning.Asset", summary="edit an asset"),
    W(
        "scanning:finding_action",
        MANAGE,
        "scanning.Finding",
        values={"action": "accept"},
        body=ACCEPT,
        summary="accept a finding's risk",
    ),
    *[
        W(
            "scanning:finding_action",
            CHANGE,
            "scanning.Finding",
            values={"action": action},
            body={"reason": "Checked", "text": "Seen"},
            summary=summary,
        )
        for action, summary in (
            ("false-positive", "mark a finding as a false positive"),
            ("reopen", "reopen a finding"),
            ("assign", "assign a finding"),
            ("comment", "comment on a finding"),
        )
    ],
    W(
        "scanning:finding_bulk",
        MANAGE,
        values={"action": "accept"},
        body=lambda world: {**_bulk(world), "bulk-reason": "Isolated", "bulk-until": _until()},
        summary="accept the risk of selected findings",
    ),
    *[
        W(
            "scanning:finding_bulk",
            CHANGE,
            values={"action": action},
            body=lambda world: {**_bulk(world), "bulk-fp-reason": "Checked"},
            summary=summary,
        )
        for action, summary in (
            ("false-positive", "mark selected findings as false positives"),
            ("assign", "assign selected findings"),
        )
    ],
    W("probes:code_create", MANAGE, summary="create a probe enrolment code"),
    W("probes:probe_revoke", MANAGE, "probes.Probe", summary="revoke a scan probe"),
    W("probes:job_cancel", CHANGE, "probes.ProbeJob", summary="cancel a probe's scan"),
    W(
        "probes:probe_scan",
        CHANGE,
        "probes.Probe",
        body=lambda world: {"scope": world.first("scanning.Scope").pk, "policy": "discovery"},
        summary="hand a scan of a scope to a probe",
    ),
    W("scanning:scan_launch", CHANGE, summary="launch a scan"),
    W("scanning:scan_cancel", CHANGE, "scanning.Scan", summary="cancel a scan"),
    W("scanning:scan_resume", CHANGE, "scanning.Scan", summary="resume an interrupted import"),
    W("scanning:scan_import", CHANGE, summary="import a scan report"),
    W("scanning:report_generate", CHANGE, summary="generate a PDF report"),
    W("scanning:scope_create", MANAGE, summary="create a scan scope"),
    W("scanning:scope_edit", MANAGE, "scanning.Scope", summary="edit a scan scope"),
    W(
        "scanning:authorisation_add",
        MANAGE,
        "scanning.Scope",
        summary="record a scan authorisation",
    ),
    W(
        "scanning:scope_child_add",
        MANAGE,
        "scanning.Scope",
        values={"kind": "window"},
        summary="add a scan window",
    ),
    W(
        "scanning:scope_child_add",
        MANAGE,
        "scanning.Scope",
        values={"kind": "schedule"},
        summary="add a scan schedule",
    ),
    W("scanning:exclusion_add", MANAGE, summary="add a scan exclusion"),
    *[
        W(
            "scanning:scoped_delete",
            MANAGE,
            model,
            values={"kind": kind},
            summary=f"delete a {label}",
        )
        for kind, model, label in (
            ("window", "scanning.ScanWindow", "scan window"),
            ("schedule", "scanning.ScanSchedule", "scan schedule"),
            ("exclusion", "scanning.Exclusion", "scan exclusion"),
            ("scope", "scanning.Scope", "scan scope"),
        )
    ],
    # Phishing simulation
    W("phishing:campaign_create", CHANGE, summary="prepare a phishing campaign"),
    W("phishing:campaign_edit", CHANGE, "phishing.Campaign", summary="edit a draft campaign"),
    W(
        "phishing:campaign_action",
        CHANGE,
        "phishing.Campaign",
        values={"action": "submit"},
        summary="submit a campaign for approval",
    ),
    W(
        "phishing:campaign_action",
        CHANGE,
        "phishing.Campaign",
        values={"action": "return"},
        summary="return a campaign to draft",
    ),
    *[
        W(
            "phishing:campaign_action",
            MANAGE,
            "phishing.Campaign",
            values={"action": action},
            summary=f"{action} a campaign",
        )
        for action in ("approve", "cancel", "close")
    ],
    W(
        "phishing:campaign_action",
        DPO,
        "phishing.Campaign",
        values={"action": "withdraw-identified"},
        summary="withdraw the approval of identified results",
    ),
    W(
        "phishing:campaign_identified_approve",
        DPO,
        "phishing.Campaign",
        body={"justification": "Needed by the training plan"},
        summary="approve identified results",
    ),
    W("phishing:library_install", MANAGE, summary="install the starter library"),
    W("phishing:domain_add", MANAGE, summary="add a sending domain"),
    W("phishing:domain_check", MANAGE, "phishing.SendingDomain", summary="verify a sending domain"),
    W("phishing:group_create", MANAGE, summary="create a recipient group"),
    W("phishing:group_edit", MANAGE, "phishing.RecipientGroup", summary="edit a recipient group"),
    W("phishing:group_import", MANAGE, "phishing.RecipientGroup", summary="import recipients"),
    W("phishing:profile_create", MANAGE, summary="create a sending profile"),
    W("phishing:profile_edit", MANAGE, "phishing.SendingProfile", summary="edit a sending profile"),
    W("phishing:profile_test", MANAGE, "phishing.SendingProfile", summary="send a test e-mail"),
    W("phishing:template_create", MANAGE, summary="create an e-mail template"),
    W(
        "phishing:template_edit",
        MANAGE,
        "phishing.EmailTemplate",
        summary="edit an e-mail template",
    ),
    W("phishing:template_import", MANAGE, summary="import an e-mail as a template"),
    W("phishing:page_create", MANAGE, summary="create a landing page"),
    W("phishing:page_edit", MANAGE, "phishing.LandingPage", summary="edit a landing page"),
    *[
        W(
            "phishing:config_delete",
            MANAGE,
            model,
            values={"kind": kind},
            summary=f"delete a {label}",
        )
        for kind, model, label in (
            ("domain", "phishing.SendingDomain", "sending domain"),
            ("group", "phishing.RecipientGroup", "recipient group"),
            ("profile", "phishing.SendingProfile", "sending profile"),
            ("template", "phishing.EmailTemplate", "message template"),
            ("page", "phishing.LandingPage", "landing page"),
        )
    ],
    W("phishing:report_triage", CHANGE, "phishing.PhishReport", summary="triage a reported e-mail"),
    W("phishing:mailbox_create", MANAGE, summary="add a report mailbox"),
    W("phishing:mailbox_edit", MANAGE, "phishing.ReportMailbox", summary="edit a report mailbox"),
    W("phishing:mailbox_poll", MANAGE, "phishing.ReportMailbox", summary="poll a report mailbox"),
    # API v1
    W("api:establishment-list", OPERATOR_ADMIN, summary="create an establishment"),
    W(
        "api:establishment-detail",
        CHANGE,
        "tenancy.Establishment",
        method="PATCH",
        body={"city": "Lyon"},
        summary="edit an establishment",
    ),
    W("api:membership-list", MANAGE, body=_api_membership, summary="add a member"),
    W(
        "api:membership-detail",
        MANAGE,
        "tenancy.Membership",
        method="PATCH",
        body={"role": "viewer"},
        summary="change a member's role",
    ),
    W(
        "api:membership-detail",
        MANAGE,
        "tenancy.Membership",
        method="DELETE",
        summary="remove a member",
    ),
    W("api:scan-list", CHANGE, body=_api_scan, summary="launch a scan"),
    W(
        "api:asset-detail",
        CHANGE,
        "scanning.Asset",
        method="PATCH",
        body={"criticality": "high"},
        summary="edit an asset",
    ),
    W(
        "api:finding-accept",
        MANAGE,
        "scanning.Finding",
        body=ACCEPT,
        summary="accept a finding's risk",
    ),
    W(
        "api:finding-false-positive",
        CHANGE,
        "scanning.Finding",
        body={"reason": "Checked"},
        summary="mark a finding false positive",
    ),
    W(
        "api:finding-reopen",
        CHANGE,
        "scanning.Finding",
        body={"reason": "Checked"},
        summary="reopen a finding",
    ),
]


def expected(write: Write, role: str) -> bool:
    """Whether `role` may send `write` (True: allowed; False: denied, nothing written)."""
    return role in MAY[write.need]


def body_of(write: Write, world: Any) -> dict[str, Any]:
    extra = write.body(world) if callable(write.body) else dict(write.body or {})
    return {key: value() if callable(value) else value for key, value in extra.items()}


# Docs ------------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs" / "tenancy.md"
BEGIN, END = "<!-- role-matrix:begin -->", "<!-- role-matrix:end -->"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _marks(need: str) -> list[str]:
    return ["✓" if role in MAY[need] else "" for role in ROLES]


def _path(write: Write, patterns: dict[str, str]) -> str:
    path = "/" + patterns[write.route]
    for name, value in write.values.items():
        path = re.sub(rf"<(?:\w+:)?{name}>", value, path)
    return re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", path)


def render_docs(patterns: dict[str, str]) -> str:
    """The markdown block of docs/tenancy.md (between the markers)."""
    header = ["Request", "Does", *(ROLE_TITLES[r] for r in ROLES)]
    lines = [
        BEGIN,
        "<!-- Generated from tests/role_matrix.py by `python tests/role_matrix.py --write`; "
        "tests/test_role_matrix.py fails while they differ. -->",
        "",
        "### Roles and what they may do",
        "",
        _row(["Permission", *(ROLE_TITLES[r] for r in ROLES)]),
        _row(["---"] * (len(ROLES) + 1)),
        *[_row([title, *_marks(need)]) for need, title in NEED_TITLES.items()],
        "",
        "### Every write request",
        "",
        _row(header),
        _row(["---"] * len(header)),
    ]
    for write in WRITES:
        marks = _marks(write.need) if write.need != OWN else ["own"] * len(ROLES)
        request = f"`{write.method} {_path(write, patterns)}`"
        lines.append(_row([request, write.summary, *marks]))
    lines += [
        "",
        "Not role-dependent:",
        "",
        *[f"- `/{prefix}…`: {why}." for prefix, why in ROLE_INDEPENDENT.items()],
        END,
    ]
    return "\n".join(lines)


def docs_block(text: str) -> str:
    start, end = text.find(BEGIN), text.find(END)
    return text[start : end + len(END)] if start != -1 and end != -1 else ""


def route_patterns() -> dict[str, str]:
    from tests.tenant_world import discover_routes

    return {route.name: route.pattern for route in discover_routes()}


def main() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    django.setup()
    block = render_docs(route_patterns())
    if "--write" in sys.argv:
        text = DOCS.read_text()
        DOCS.write_text(text.replace(docs_block(text), block))
    else:
        sys.stdout.write(block + "\n")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
