"""``python -m tawasul_desktop.gui`` (the bundle enters through packaging/entry/)."""

from tawasul_desktop.gui.app import main

raise SystemExit(main())
