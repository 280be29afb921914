"""Planning analysis: expansion layouts, serviceability, readiness and customs siting."""
