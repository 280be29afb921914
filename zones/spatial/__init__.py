"""Pure geometry on shapely arrays and GeoDataFrames; no database, no web."""
