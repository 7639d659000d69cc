"""Vulnerability intelligence and threat watch: the shared CVE catalog (CVE, applicability,
KEV, EPSS, CERT-FR) and its correlation with each establishment's inventory."""
