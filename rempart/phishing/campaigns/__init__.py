"""Campaigns: the draft, the four-eyes approval that creates the targets, the sending
window, the results modes (anonymous, identified), the legal kit, and their screens."""
