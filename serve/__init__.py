"""`kith serve`: an OpenAI-compatible HTTP server on loopback, kith's own search/ask API, the local web
UI, and the orchestration tiers (device, private, external with consent) behind them."""
