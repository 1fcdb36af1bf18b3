"""Rare-earth export-control screening (MOFCOM 2025 No. 61 and related announcements); advisory only."""
