"""Pure export-control rules (stdlib only): regimes as data, R0–R8, the de-minimis ratio, list checks."""
