"""zones: geospatial planning for industrial free zones (domain, storage, spatial logic).

This package never imports FastAPI or folium; the web layer lives in ``api`` and
``maps``.
"""

from zones import native  # noqa: F401  (native libraries first; see zones/native.py)

__version__ = "0.1.0"
