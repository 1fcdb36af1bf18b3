"""Geography's use cases; other capabilities use geography only through this package.

Coordinate conversion (WGS-84 ⇄ GCJ-02 ⇄ BD-09) is re-exported here for them."""

from gridloop.geo.adapters.coords import CRS_NAMES, convert_point

__all__ = ["CRS_NAMES", "convert_point"]
