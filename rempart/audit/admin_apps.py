"""Django's admin application with the audited site as its default site (no model import
here: this module is loaded while the app registry is being built)."""

from django.contrib.admin.apps import AdminConfig


class RempartAdminConfig(AdminConfig):
    default_site = "rempart.audit.admin_site.AuditedAdminSite"
