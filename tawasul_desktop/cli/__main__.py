"""``python -m tawasul_desktop.cli`` (the bundle enters through packaging/entry/)."""

from tawasul_desktop.cli.main import main

raise SystemExit(main())
