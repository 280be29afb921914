"""maps: the zone's web maps, built with folium and served without any CDN.

The pipeline, one module per step:

* :mod:`maps.assets` — which npm files the pages link and where the API mounts them;
* :mod:`maps.layers` — :class:`~maps.layers.ZoneLayers`, the GeoDataFrames a map shows;
* :mod:`maps.buffers`, :mod:`maps.styles`, :mod:`maps.popups` — geometry, looks, text;
* :mod:`maps.overlays`, :mod:`maps.legend` — folium layers and the legend control;
* :mod:`maps.zone_map` — :func:`~maps.zone_map.build_zone_map` puts them together;
* :mod:`maps.pages` — :func:`~maps.pages.render_zone_page`, the full HTML page;
* :mod:`maps.messages` — every label in Persian and English.

Imports flow one way: ``maps`` may import ``zones``, never ``api``.
"""
