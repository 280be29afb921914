"""Workflows, one module each. Functions take the session keyword-only and own one step."""
