"""Rendering: maps, tables and report text."""
