"""The desk's sync engine: between a counter's local store and the central PostgreSQL (Qt-free).

``engine`` runs a sync (``SyncEngine.run_once``: reads the outbox that storage writes,
``storage.outbox``, pushes it through ``tawasul_desktop.central``, applies what comes down
with ``local``) and ``SyncLoop`` repeats it in a background thread. Central's own code (its
schema, roles, operations and queue) is ``tawasul_desktop.central``. Kept import-light:
importing the package pulls in nothing else.
"""
