"""Authoring: the course studio's rules, the course file format, lesson content and media."""
