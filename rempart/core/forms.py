"""Form rendering: every `{{ form }}` uses the platform's accessible Bootstrap templates."""

from django.forms.renderers import TemplatesSetting


class BootstrapFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
