"""The house rules: core and training never import Qt; core and the app never load TensorFlow."""

from __future__ import annotations

import subprocess
import sys

import pytest

_CHECK = """
import sys, importlib, pkgutil
import {package}
for module in pkgutil.walk_packages({package}.__path__, "{package}."):
    importlib.import_module(module.name)
bad = sorted(m for m in sys.modules if m.split(".")[0] in {forbidden!r})
print(",".join(bad))
"""


@pytest.mark.parametrize("package, forbidden", [
    ("core", ("PySide6", "tensorflow", "keras", "desktop", "training")),
    ("training", ("PySide6", "desktop", "tensorflow")),
])
def test_package_imports_stay_in_their_layer(package: str, forbidden: tuple[str, ...]) -> None:
    out = subprocess.run([sys.executable, "-c", _CHECK.format(package=package, forbidden=forbidden)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"{package} imported {out.stdout.strip()}"
