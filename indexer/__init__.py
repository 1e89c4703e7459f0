"""kith indexer: reads local personal data into a SQLite + FAISS semantic index."""
