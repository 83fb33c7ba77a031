"""Shared test fixtures and markers."""
