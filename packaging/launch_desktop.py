"""PyInstaller entry of the ``tawasul-desktop`` executable (see build.spec)."""

from tawasul_desktop.gui.app import main

raise SystemExit(main())
