"""kith-notes: a sample third-party app that adds notes and to-dos to kith as typed intents."""
