"""Rebuilds the interface translations: ``python resources/i18n/build.py``.

1. ``pyside6-lupdate`` reads every ``translate("Context", "text")`` in ``desktop/`` and updates
   ``mojiyomi_ja.ts`` (new strings appear as unfinished; translations already there are kept).
2. Translate the unfinished strings in the ``.ts`` (Qt Linguist: ``pyside6-linguist mojiyomi_ja.ts``,
   or any text editor).
3. ``pyside6-lrelease`` compiles ``mojiyomi_ja.qm``, which the app loads (``desktop/i18n.py``).

``--check`` fails (exit 1) when a string has no translation, without writing anything.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
LANGUAGES = ("ja",)


def _tool(name: str) -> str:
    """``pyside6-<name>`` next to this Python, or on PATH."""
    beside = Path(sys.executable).parent / f"pyside6-{name}"
    found = str(beside) if beside.exists() else shutil.which(f"pyside6-{name}")
    if found is None:
        raise SystemExit(f"pyside6-{name} not found: install PySide6 (not only PySide6-Essentials).")
    return found


def unfinished(ts: Path) -> list[str]:
    """The source texts in ``ts`` that have no finished translation."""
    missing = []
    for message in ET.parse(ts).getroot().iter("message"):
        translation = message.find("translation")
        if translation is None or translation.get("type") in ("unfinished", "vanished", "obsolete"):
            if translation is None or translation.get("type") == "unfinished":
                missing.append(message.findtext("source") or "")
    return missing


def main(argv: list[str]) -> int:
    sources = sorted(str(p.relative_to(REPO)) for p in (REPO / "desktop").glob("*.py"))
    for lang in LANGUAGES:
        ts = HERE / f"mojiyomi_{lang}.ts"
        if "--check" not in argv:
            subprocess.run([_tool("lupdate"), "-no-obsolete", "-locations", "none", "-target-language", lang, *sources, "-ts", str(ts)],
                           cwd=REPO, check=True)
        missing = unfinished(ts)
        for text in missing:
            print(f"untranslated ({lang}): {text!r}")
        if "--check" in argv:
            return 1 if missing else 0
        subprocess.run([_tool("lrelease"), str(ts), "-qm", str(HERE / f"mojiyomi_{lang}.qm")], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
