"""Placeholder package; filled in by later commits."""
