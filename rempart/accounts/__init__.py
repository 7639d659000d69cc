"""Accounts: users, invitations, API tokens, sign-in requirements (MFA, password change)."""
