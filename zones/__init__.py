"""zones: geospatial planning for industrial free zones (domain, storage, spatial logic).

This package never imports FastAPI or folium; the web layer lives in ``api`` and
``maps``.
"""

__version__ = "0.1.0"
