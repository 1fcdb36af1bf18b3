"""Field work: the grid worker's phone app (/m/) and the patrol tasks a street office assigns."""
