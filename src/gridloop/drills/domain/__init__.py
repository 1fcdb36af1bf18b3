"""Pure drill rules: the scenario model, the simulated clock, scoring."""
