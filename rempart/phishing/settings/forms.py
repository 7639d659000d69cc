"""Forms of the phishing settings (rules live in the models and `settings.services`), and
the deliverability check's (read-only: a GET form)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from rempart.phishing.models import EmailTemplate, LandingPage, RecipientGroup, SendingProfile
from rempart.phishing.sending import headers
from rempart.phishing.settings.deliverability import DEFAULT_SELECTOR
from rempart.phishing.settings.library import CUES

CODE = {"rows": 14, "class": "font-monospace", "spellcheck": "false"}


class DomainForm(forms.Form):
    domain = forms.CharField(
        label=_("Mail domain"),
        max_length=253,
        help_text=_("The part after @ in staff addresses, e.g. ch-exemple.fr."),
    )


class GroupForm(forms.ModelForm[RecipientGroup]):
    class Meta:
        model = RecipientGroup
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Staff directory (CSV)"),
        help_text=_(
            "One person per line; an e-mail column is required (Courriel, E-mail…). "
            "Excel's “CSV (semicolon separated)” and UTF-8 files are both read."
        ),
    )


class EmlUploadForm(forms.Form):
    file = forms.FileField(
        label=_("E-mail message (.eml)"),
        help_text=_(
            "Save the message as an .eml file from your mail client (Outlook on the web and "
            "the new Outlook: Download; Thunderbird: Save as). Its links will lead to the "
            "tracking link; attachments are left out."
        ),
    )


class ProfileForm(forms.ModelForm[SendingProfile]):
    new_password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the stored password (it is never shown)."),
    )

    class Meta:
        model = SendingProfile
        fields = [
            "name",
            "host",
            "port",
            "security",
            "username",
            "from_address",
            "from_name",
            "envelope_sender",
            "rate_per_second",
            "rate_per_hour",
            "connections",
        ]

    field_order = ["name", "host", "port", "security", "username", "new_password"]


class HeaderForm(forms.Form):
    """One custom header of a sending profile (an empty row is ignored)."""

    name = forms.CharField(
        label=_("Header name"),
        required=False,
        max_length=76,
        widget=forms.TextInput(attrs={"class": "font-monospace", "spellcheck": "false"}),
    )
    value = forms.CharField(label=_("Value"), required=False, max_length=headers.MAX_VALUE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name, value = data.get("name", ""), data.get("value", "")
        if name or value:
            problem = headers.header_problem(name, value) if name else _("Give the header's name.")
            if problem:
                raise forms.ValidationError(problem)
        return data


class BaseHeaderFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    """The rows of custom headers; `headers()` gives them as stored (names to values)."""

    def clean(self) -> None:
        if any(self.errors):
            return
        repeated = headers.repeated_name([name for name, _value in self._rows()])
        if repeated:
            raise forms.ValidationError(repeated)
        try:
            headers.validate_headers(self.headers())
        except forms.ValidationError as error:
            raise forms.ValidationError(error.messages) from error

    def _rows(self) -> list[tuple[str, str]]:
        rows = (form.cleaned_data for form in self.forms if form.cleaned_data.get("name"))
        return [(row["name"], row["value"]) for row in rows]

    def headers(self) -> dict[str, str]:
        return dict(self._rows())


HeaderFormSet = forms.formset_factory(
    HeaderForm,
    formset=BaseHeaderFormSet,
    extra=3,
    max_num=headers.MAX_HEADERS,
    validate_max=True,
)


def header_formset(data: Any, profile: SendingProfile) -> BaseHeaderFormSet:
    """The profile's custom headers as rows, three empty ones to add more."""
    initial = [{"name": name, "value": value} for name, value in (profile.headers or {}).items()]
    return cast("BaseHeaderFormSet", HeaderFormSet(data, initial=initial, prefix="headers"))


class ProfileTestForm(forms.Form):
    to = forms.EmailField(
        label=_("Send to"),
        help_text=_("An address of a verified domain of the establishment."),
    )
    template = forms.ModelChoiceField(label=_("Template"), queryset=EmailTemplate.objects.none())

    def __init__(self, *args: Any, templates: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["template"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101  (narrowing for mypy)
        field.queryset = templates if templates is not None else EmailTemplate.objects.none()


class TemplateForm(forms.ModelForm[EmailTemplate]):
    cues = forms.MultipleChoiceField(
        label=_("Cues"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "What a recipient could have noticed (NIST Phish Scale); with the premise "
            "alignment, they give the template's difficulty."
        ),
    )

    class Meta:
        model = EmailTemplate
        fields = [
            "name",
            "from_name",
            "subject",
            "html",
            "text",
            "cues",
            "premise_alignment",
            "lesson",
        ]
        widgets = {
            "html": forms.Textarea(attrs=CODE),
            "text": forms.Textarea(attrs={**CODE, "rows": 8}),
            "lesson": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        known = [(code, str(label)) for code, (label, _explanation) in CUES.items()]
        stored = [(code, code) for code in (self.instance.cues or []) if code not in CUES]
        field = self.fields["cues"]
        assert isinstance(field, forms.MultipleChoiceField)  # noqa: S101  (narrowing for mypy)
        field.choices = known + stored


class PageForm(forms.ModelForm[LandingPage]):
    redirect_url = forms.URLField(
        label=_("Redirect address"), required=False, max_length=200, assume_scheme="https"
    )

    class Meta:
        model = LandingPage
        fields = ["name", "html", "after_submit", "redirect_url"]
        widgets = {"html": forms.Textarea(attrs=CODE)}


class DeliverabilityForm(forms.Form):
    selector = forms.CharField(
        label=_("DKIM selector"),
        max_length=63,
        initial=DEFAULT_SELECTOR,
        help_text=_(
            "The selector your relay signs with: default, selector1 or selector2 "
            "(Microsoft 365), google (Google Workspace)…"
        ),
    )
    profile = forms.ModelChoiceField(
        label=_("Sending profile"),
        queryset=SendingProfile.objects.none(),
        required=False,
        to_field_name="public_id",
        help_text=_("Optional: check that its SMTP relay is authorised by the SPF record."),
    )

    def __init__(self, *args: Any, profiles: QuerySet[SendingProfile], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[SendingProfile]", self.fields["profile"])
        field.queryset = profiles
