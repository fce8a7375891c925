"""Metrics per administrative unit: progress and coverage."""
