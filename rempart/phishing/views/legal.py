"""The legal kit of a campaign: printable French documents built from its settings."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from rempart.core.actions import Action
from rempart.core.http import AuthenticatedHttpRequest
from rempart.core.views import establishment_view
from rempart.phishing import legal
from rempart.phishing.models import Campaign
from rempart.tenancy.models import Establishment


@require_safe
@establishment_view(Action.VIEW)
def legal_document(
    request: AuthenticatedHttpRequest,
    establishment: Establishment,
    public_id: UUID,
    document: str,
) -> HttpResponse:
    """One document of the kit (`notice`, `consultation` or `record`); 404 for any other."""
    if document not in legal.DOCUMENTS:
        raise Http404
    campaigns = Campaign.objects.visible_to(request.user).filter(establishment=establishment)
    campaign = get_object_or_404(campaigns, public_id=public_id)
    template, title = legal.DOCUMENTS[document]
    context = {**legal.legal_context(campaign), "document": document, "document_title": title}
    return render(request, template, context)
