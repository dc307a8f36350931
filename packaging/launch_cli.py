"""PyInstaller entry of the ``tawasul`` executable (see build.spec)."""

from tawasul_desktop.cli.main import main

raise SystemExit(main())
