"""The background indexer daemon: watches sources, keeps the index fresh, serves searches over a socket.

Importing this package is cheap on purpose: ``indexer.daemon.client`` is on the ``kith search`` hot
path and must not pull in numpy, torch or faiss. The heavy parts live in ``runner`` and below.
"""
