"""Built-in intents: READ ones over the index (intents.builtin.read) and local, inspectable effects
(intents.builtin.write: an outbox Maildir, an outbox JSONL file, .ics files, forgetting a document)."""
