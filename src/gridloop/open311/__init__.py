"""Open311 GeoReport v2: the standard interface other systems use to create, list and follow requests."""
