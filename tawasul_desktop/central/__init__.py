"""Central's own code: the central PostgreSQL's schema and migrations, its login roles, the
operations applied there (push, pull, decisions), and the supervisor queue read from it.

``operations`` runs counters' pushes and pulls and supervisors' decisions centrally;
``admin`` creates and migrates the schema (``migrations/``) and its roles; ``queue`` opens a
store over central for the supervisor workspace (the central ``QueueBackend``), with
``detail`` and ``filters`` beside it; ``connection`` is how a desk reaches central. The desk's
own sync engine (``tawasul_desktop.sync``) calls in here; nothing here calls the engine, and
the desk's storage never imports this package. Kept import-light: importing the package
pulls in nothing else.
"""
