"""Evaluation code, kept out of the product packages: intent routing (``eval_intents``, the CLINC150
converter ``clinc150``) and retrieval on BEIR collections (``eval_beir``). `kith eval ...` runs them;
data files the tests use live beside them (``evals/intents/``)."""
