"""Classes: training classes and sessions, rosters, check-in and the county training ledger."""
