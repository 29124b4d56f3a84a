"""Views of the certificates blueprint (being built)."""
