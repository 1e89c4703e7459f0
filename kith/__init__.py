"""kith: private, on-device personal context. The `kith` command lives in kith.cli."""
