"""``python -m tawasul_desktop.gui`` and the PyInstaller entry of ``tawasul-desktop``."""

from tawasul_desktop.gui.app import main

raise SystemExit(main())
