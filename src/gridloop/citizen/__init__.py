"""The public reporting site: residents report, follow, confirm or dispute, and see their street (no login)."""
