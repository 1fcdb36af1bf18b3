"""Field work use cases: patrol tasks and the grid worker's overview."""
