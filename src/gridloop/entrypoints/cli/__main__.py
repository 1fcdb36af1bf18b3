"""`python -m gridloop.entrypoints.cli`."""

from gridloop.entrypoints.cli import main

main()
