"""The phishing settings of an establishment (Phishing → Settings): mail domains, recipient
groups and their staff-directory import, sending profiles, e-mail templates (the starter
library, the .eml import) and landing pages, and the deliverability check."""
