"""The language server (``civitai-schema server``): the engine's findings, fixes and the
catalog's facts in an editor, over the Language Server Protocol on standard input and output.

The server needs ``pygls`` and ``lsprotocol`` (``pip install 'civitai-schema[server]'``); the
rest of civitai-schema never imports this package, so the command line and the library start
without them. Only :func:`missing_dependencies` here may be imported without them.
"""

from __future__ import annotations

import importlib.util

INSTALL_HINT = "pip install 'civitai-schema[server]'"


def missing_dependencies() -> list[str]:
    """The server's optional dependencies that are not installed (without importing them)."""
    return [name for name in ("pygls", "lsprotocol") if importlib.util.find_spec(name) is None]
