"""Audit verbs in words: each `<app>.<object>.<event>` code as a sentence in the user's
language, for the audit pages (the API and the CSV export keep the codes).

A verb that is not listed is put in words from its event (`created`, `deleted`…) and the
audited object's model name; an unknown event becomes "Other action". The code itself is
never shown as the label.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

VERB_LABELS: dict[str, Promise] = {
    "accounts.api_token.created": _("API token created"),
    "accounts.api_token.revoked": _("API token revoked"),
    "accounts.first_admin.created": _("First administrator created"),
    "accounts.invitation.created": _("Invitation created"),
    "accounts.invitation.purged": _("Expired invitations purged"),
    "accounts.invitation.revoked": _("Invitation revoked"),
    "accounts.password.changed": _("Password changed"),
    "accounts.staff_invitation.created": _("Operator staff invitation created"),
    "accounts.user.created": _("User account created"),
    "accounts.user.signed_in": _("Signed in"),
    "actions.item.created": _("Action item created"),
    "actions.item.status_changed": _("Action item status changed"),
    "actions.item.updated": _("Action item updated"),
    "actions.items.exported": _("Action plan exported"),
    "attachments.evidence.reviewed": _("Evidence reviewed"),
    "attachments.file.added": _("File attached"),
    "attachments.file.deleted": _("Attached file deleted"),
    "audit.chain.head_rebuilt": _("Audit chain head rebuilt (the chain is broken)"),
    "audit.log.exported": _("Audit log exported"),
    "deadlines.deadline.cancelled": _("Deadline cancelled"),
    "deadlines.deadline.met": _("Deadline met"),
    "deadlines.deadline.opened": _("Deadline opened"),
    "deadlines.reminder.sent": _("Deadline reminder sent"),
    "deadlines.rule.revised": _("Deadline rule revised"),
    "jobs.job.cancel_requested": _("Job cancellation requested"),
    "magiclinks.link.first_used": _("Personal link used for the first time"),
    "magiclinks.link.issued": _("Personal link sent"),
    "magiclinks.link.revoked": _("Personal link revoked"),
    "ops.backup.broken_audit_accepted": _(
        "Backup restored despite a broken audit chain (explicitly accepted)"
    ),
    "ops.backup.created": _("Backup created"),
    "ops.demo.loaded": _("Demo data loaded"),
    "phishing.campaign.approved": _("Campaign approved"),
    "phishing.campaign.cancelled": _("Campaign cancelled"),
    "phishing.campaign.closed": _("Campaign closed"),
    "phishing.campaign.created": _("Campaign created"),
    "phishing.campaign.identified_approved": _("Identified results approved by the DPO"),
    "phishing.campaign.identified_exported": _("Identified results exported"),
    "phishing.campaign.identified_viewed": _("Identified results viewed"),
    "phishing.campaign.identified_withdrawn": _("Approval of identified results withdrawn"),
    "phishing.campaign.launched": _("Campaign launched"),
    "phishing.campaign.purged": _("Link between people and results erased"),
    "phishing.campaign.returned": _("Campaign returned to draft"),
    "phishing.campaign.submitted": _("Campaign submitted for approval"),
    "phishing.campaign.updated": _("Campaign updated"),
    "phishing.domain.added": _("Sending domain added"),
    "phishing.domain.verified": _("Sending domain verified"),
    "phishing.library.installed": _("Template library installed"),
    "phishing.mailbox.created": _("Report mailbox configured"),
    "phishing.mailbox.updated": _("Report mailbox updated"),
    "phishing.recipients.imported": _("Recipients imported"),
    "phishing.report.triaged": _("Reported message triaged"),
    "phishing.sendingprofile.tested": _("Sending profile tested"),
    "probes.enrolment_code.created": _("Probe enrolment code created"),
    "probes.job.assigned": _("Scan assigned to a probe"),
    "probes.job.cancelled": _("Probe job cancelled"),
    "probes.probe.enrolled": _("Probe enrolled"),
    "probes.probe.heard_again": _("Silent probe heard again"),
    "probes.probe.silent": _("Probe silent (missed heartbeats)"),
    "probes.probe.revoked": _("Probe revoked"),
    "probes.result.out_of_scope": _("Probe result outside the scope refused"),
    "scanning.asset.updated": _("Asset updated"),
    "scanning.assets.exported": _("Assets exported"),
    "scanning.authorisation.downloaded": _("Scan authorisation downloaded"),
    "scanning.authorisation.recorded": _("Scan authorisation recorded"),
    "scanning.finding.acceptance_expired": _("Risk acceptance expired"),
    "scanning.finding.assigned": _("Vulnerability assigned"),
    "scanning.finding.commented": _("Comment on a vulnerability"),
    "scanning.finding.false_positive": _("Vulnerability marked as a false positive"),
    "scanning.finding.reopened": _("Vulnerability reopened"),
    "scanning.finding.risk_accepted": _("Risk accepted"),
    "scanning.findings.bulk_assigned": _("Vulnerabilities assigned together"),
    "scanning.findings.bulk_false_positive": _(
        "Vulnerabilities marked together as false positives"
    ),
    "scanning.findings.bulk_risk_accepted": _("Risks accepted together"),
    "scanning.findings.exported": _("Vulnerabilities exported"),
    "scanning.report.downloaded": _("Report downloaded"),
    "scanning.report.requested": _("Report requested"),
    "scanning.scans.exported": _("Scans exported"),
    "scanning.scopes.exported": _("Scopes exported"),
    "scanning.scan.imported": _("Scan results imported"),
    "scanning.scan.import_resumed": _("Scan results import resumed"),
    "scanning.scan.requested": _("Scan requested"),
    "scanning.scope.authorised": _("Scope authorised"),
    "scanning.scope.created": _("Scope created"),
    "scanning.scope.deactivated": _("Scope deactivated"),
    "scanning.scope.public_confirmed": _("Public addresses confirmed in a scope"),
    "scanning.scope.updated": _("Scope updated"),
    "tenancy.establishment.created": _("Establishment created"),
    "tenancy.establishment.updated": _("Establishment updated"),
    "tenancy.group.created": _("Establishment group created"),
    "tenancy.group.updated": _("Establishment group updated"),
    "tenancy.membership.created": _("Member added"),
    "tenancy.membership.deleted": _("Member removed"),
    "tenancy.membership.updated": _("Member's role changed"),
    "tenancy.operator_assignment.created": _("Operator staff assignment created"),
    "threatwatch.catalogue_product.created": _("Product added to the regional catalogue"),
    "threatwatch.catalogue_product.deleted": _("Product removed from the regional catalogue"),
    "threatwatch.catalogue_product.updated": _("Regional catalogue product updated"),
    "threatwatch.declared_product.created": _("Product declared in the inventory"),
    "threatwatch.declared_product.deleted": _("Product removed from the declared inventory"),
    "threatwatch.declared_product.updated": _("Declared product updated"),
    "threatwatch.inventory.imported": _("Declared inventory imported from a CSV file"),
    "timeline.entry.added": _("Timeline entry added"),
    "threatwatch.alert.followed_up": _("Threat-watch alert follow-up changed"),
    "webhooks.endpoint.created": _("Webhook endpoint created"),
    "webhooks.endpoint.deleted": _("Webhook endpoint deleted"),
    "webhooks.endpoint.secret_regenerated": _("Webhook signing secret regenerated"),
    "webhooks.endpoint.updated": _("Webhook endpoint updated"),
}

# The last part of a verb that is not listed above.
EVENT_LABELS: dict[str, Promise] = {
    "added": pgettext_lazy("audit event", "Addition"),
    "created": pgettext_lazy("audit event", "Creation"),
    "deleted": pgettext_lazy("audit event", "Deletion"),
    "downloaded": pgettext_lazy("audit event", "Download"),
    "exported": pgettext_lazy("audit event", "Export"),
    "imported": pgettext_lazy("audit event", "Import"),
    "removed": pgettext_lazy("audit event", "Removal"),
    "requested": pgettext_lazy("audit event", "Request"),
    "revoked": pgettext_lazy("audit event", "Revocation"),
    "updated": pgettext_lazy("audit event", "Change"),
}

# Actors that are not people (`actor_label` of entries written by the platform itself).
ACTOR_LABELS: dict[str, Promise] = {
    "system": pgettext_lazy("audit actor", "Platform"),
    "cli": pgettext_lazy("audit actor", "Command line"),
    "anonymous mode": pgettext_lazy("audit actor", "Anonymous results mode"),
    "retention": pgettext_lazy("audit actor", "Retention period"),
}


def audited_model(object_type: str) -> type[models.Model] | None:
    """The model of an entry's `object_type` (`tenancy.site`), if it still exists."""
    if object_type.count(".") != 1:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def model_name(object_type: str) -> str | None:
    """The translated name of the audited object's model (`tenancy.site` -> "site")."""
    model = audited_model(object_type)
    return None if model is None else str(model._meta.verbose_name)


def verb_label(verb: str, object_type: str = "") -> str:
    """The verb as a sentence in the active language."""
    if verb in VERB_LABELS:
        return str(VERB_LABELS[verb])
    event = EVENT_LABELS.get(verb.rsplit(".", 1)[-1])
    name = model_name(object_type)
    if event is None:
        return (
            gettext("Other action: %(object)s") % {"object": name}
            if name
            else gettext("Other action")
        )
    if name is None:
        return str(event)
    return gettext("%(event)s: %(object)s") % {"event": event, "object": name}


def actor_label(label: str) -> str:
    """The actor as recorded (an e-mail address), or the platform's own role in words."""
    return str(ACTOR_LABELS[label]) if label in ACTOR_LABELS else label
