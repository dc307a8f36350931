"""The bundle's entry of ``tawasul-desktop`` (build.spec). A script of its own name: the two
programs share one analysis, which keeps one script per name."""

from tawasul_desktop.gui.app import main

raise SystemExit(main())
