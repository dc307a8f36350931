"""``python -m tawasul_desktop.cli`` and the PyInstaller entry of ``tawasul``."""

from tawasul_desktop.cli.main import main

raise SystemExit(main())
