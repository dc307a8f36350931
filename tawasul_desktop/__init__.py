"""Tawasul Desk: counter desktop for Tawasul requests at a passports service centre.

The core (domain, storage, receipts, cli) never imports Qt; only tawasul_desktop.gui does.
"""

__version__ = "0.1.0"
