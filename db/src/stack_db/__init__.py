"""Shared library: settings helpers, the database engine and models, and migrations."""
