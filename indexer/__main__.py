"""``python -m indexer``: the same as the ``indexer`` command."""

from indexer.cli import main

main()
