"""Import of an e-mail (`.eml`) as a draft e-mail template (`settings/template_import.py`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
                    "Template “%(name)s” created: %(links)s, %(left)s. Review it: remove real "
                    "brands, names and logos, and add its cues and lesson."
                )
                % {
                    "name": template.name,
                    "links": ngettext(
                        "%(count)d link now leads to the tracking link",
                        "%(count)d links now lead to the tracking link",
                        found.links,
                    )
                    % {"count": found.links},
                    "left": ngettext(
                        "%(count)d attachment or inline image left out",
                        "%(count)d attachments or inline images left out",
                        found.left_out,
                    )
                    % {"count": found.left_out},
                },
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
