"""Source readers: one module per format, each turning a file into Documents (Khoj's *_to_entries)."""
