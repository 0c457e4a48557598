"""`python -m patrol` runs the command line."""

from patrol.cli import main

main()
