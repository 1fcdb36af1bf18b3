"""Drills and tabletop exercises (演练): scenarios of injects, exercise runs on a simulated clock, scoring."""
