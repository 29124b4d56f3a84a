"""Reports: class, course and overview figures, their charts and spreadsheet exports."""
