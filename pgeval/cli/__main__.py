"""`python -m pgeval.cli ...`: the same as the `pgeval` command."""

import sys

from pgeval.cli import main

main(sys.argv[1:])
