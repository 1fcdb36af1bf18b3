"""Geography: areas, unit cells (GB/T 30428), duty grids (多格合一), locating points and addresses."""
