"""Demo and benchmark data for the zones service (see ``data/README.md``)."""
