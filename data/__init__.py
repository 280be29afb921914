"""Demo data: a deterministic generator of the Anzali demo zone (see README.md here)."""
