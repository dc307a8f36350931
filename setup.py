"""Package discovery only (everything else is in pyproject.toml).

The code's packages are found, not listed; the two asset folders (ui/, resources/) are added
as packages that [tool.setuptools.package-dir] maps into tawasul_desktop. pyproject.toml's
``packages = {find = …}`` cannot also name packages that live outside the package tree.
"""

from setuptools import find_packages, setup

ASSETS = ["tawasul_desktop.assets_ui", "tawasul_desktop.assets_resources"]

setup(packages=find_packages(include=["tawasul_desktop", "tawasul_desktop.*"]) + ASSETS)
