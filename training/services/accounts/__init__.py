"""Accounts: people and their passwords, centres, personal information and the audit log."""
