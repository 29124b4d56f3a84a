"""Business rules as plain functions: no request, session cookie, flash or templates here.

Database services take the SQLAlchemy session and flush; the caller (a view or a CLI command)
commits, so each request is one transaction.
"""
