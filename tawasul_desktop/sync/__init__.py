"""Sync between a counter's local store and the central PostgreSQL (Qt-free).

``outbox`` is what local operations call inside their transaction; ``engine`` runs a sync
(``SyncEngine.run_once``) and ``SyncLoop`` repeats it in a background thread; ``central``
holds the central side's operations; ``admin`` creates and migrates the central schema and
its roles. Kept import-light: importing the package pulls in nothing else.
"""
