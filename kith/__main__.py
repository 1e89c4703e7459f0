"""`python -m kith`: the same as the `kith` console script."""
from kith.cli.entry import main

main()
