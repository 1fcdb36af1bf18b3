"""`python -m gridloop.cli`."""

from gridloop.cli import main

main()
