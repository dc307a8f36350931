"""The supervisor workspace: queue, decisions, dashboard and exports, for supervisors only.

Loaded on the first supervisor sign-in (``workspace.sync_workspace_tab``), never by counters.
"""
