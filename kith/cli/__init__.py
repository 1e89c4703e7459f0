"""The `kith` command line: one module per command group, assembled in kith.cli.main."""
