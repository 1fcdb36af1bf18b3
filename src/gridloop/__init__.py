"""gridloop: the 12345 closed loop and grid-based city operations."""

__version__ = "0.1.0"
