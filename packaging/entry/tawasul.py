"""The bundle's entry of ``tawasul``, the command line (build.spec). A script of its own name:
the two programs share one analysis, which keeps one script per name."""

from tawasul_desktop.cli.main import main

raise SystemExit(main())
