"""The package's version, in a module of its own so that anything may import it (the cache
key, SARIF's ``tool.driver``, ``--version``) without importing the package's public API above
it; ``pyproject.toml`` reads it from here."""

__version__ = "0.1.0"
