"""Import of an e-mail (`.eml`) as a draft e-mail template (`settings/template_import.py`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.core.http import AuthenticatedHttpRequest, client_ip
from rempart.core.views import establishment_view, report_error
from rempart.phishing.settings.forms import EmlUploadForm
from rempart.phishing.settings.template_import import MAX_EML_BYTES, template_import
from rempart.tenancy.models import Establishment


@establishment_view(Action.MANAGE)
def template_import_view(
    request: AuthenticatedHttpRequest, establishment: Establishment
) -> HttpResponse:
    form = EmlUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            template, found = template_import(
                establishment=establishment,
                data=upload.read(MAX_EML_BYTES + 1),
                actor=request.user,
                ip_address=client_ip(request),
            )
        except ApplicationError as error:
            report_error(request, form, error)
        else:
            messages.success(
                request,
                _(
                    "Template “%(name)s” created: %(links)d link(s) now lead to the tracking "
                    "link, %(left)d attachment(s) or inline image(s) left out. Review it: "
                    "remove real brands, names and logos, and add its cues and lesson."
                )
                % {"name": template.name, "links": found.links, "left": found.left_out},
            )
            return redirect(
                "phishing:template_edit",
                establishment=establishment.slug,
                public_id=template.public_id,
            )
    return render(
        request,
        "phishing/config/template_import.html",
        {"establishment": establishment, "form": form},
    )
