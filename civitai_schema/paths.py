"""How a file's path is written in reports: relative to the working directory when it lies
inside it, without a leading ``./`` (``a.json`` for ``./a.json`` and for the files found by
``check .``), as ruff writes them; a path outside the working directory stays as given."""

from __future__ import annotations

import os


def shown(path: str) -> str:
    """``path`` as reports write it (``-`` and names such as ``<stdin>`` are left alone)."""
    if not path or path == "-" or path.startswith("<"):
        return path
    if os.path.isabs(path):
        try:
            here = os.getcwd()
            if os.path.commonpath([here, path]) == here:
                relative = os.path.relpath(path, here)
                return path if relative == os.curdir else relative
        except (OSError, ValueError):  # (no working directory, or another drive on Windows)
            pass
        return path
    separators = os.sep + (os.altsep or "")
    if path.rstrip(separators) == os.curdir:
        return os.curdir
    while len(path) > 2 and path[0] == os.curdir and path[1] in separators:
        rest = path[2:].lstrip(separators)  # (".//a.json" is "a.json", never "/a.json")
        if not rest:
            return os.curdir
        path = rest
    return path
