"""Threat-watch alerts: events of the catalog (new KEV entries, CERT-FR publications, new
CVEs) met with the members' exposure, delivered in the application, by e-mail and by
webhook, followed up per establishment, and summed up in the weekly bulletin."""
