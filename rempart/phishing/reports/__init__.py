"""Reports by staff: the report mailboxes (IMAP), the recognition of simulation reports, and
the triage queue of suspicious messages."""
