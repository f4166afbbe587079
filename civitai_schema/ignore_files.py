"""What a folder walk leaves out because git would: ``.gitignore`` files (the walked folder's,
its parents' up to the repository's top, and those met on the way down), ``.git/info/exclude``
and the user's global excludes file (``core.excludesFile``), as ruff's walk does.

git's rules, as ``gitignore(5)`` states them: blank lines and lines starting with ``#`` are
skipped; ``!`` re-includes; a trailing ``/`` matches folders only; trailing spaces are dropped
unless quoted with ``\\``; within a file the last matching line wins, and a deeper file wins over
the files above it, which win over ``info/exclude``, which wins over the global file. A folder
that is left out is not entered, so nothing inside it can be re-included (git's rule too). As
in git and ruff, ``.gitignore`` files count only inside a repository (a folder with ``.git`` at
or above the walk), a repository met inside the walk starts afresh, and a ``.gitignore`` that is
a symbolic link is not followed.

Patterns are matched by :mod:`civitai_schema.globs` (``escapes=True``: ``\\`` quotes as in git),
in time linear in the name whatever the pattern: a ``.gitignore`` is repository content, and a
cloned repository's hostile line must not stall a hook. (pathspec's ``GitIgnoreSpec`` compiles
each line into a backtracking regular expression: ``*a*a*a*a*a*a*b`` against a 60-character name
took 0.8 s, and the time grows with the sixth power of the length.)
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from . import files, globs

# No real ignore file comes near this; a larger one is skipped (git skips those over 100 MiB).
MAX_IGNORE_BYTES = 1024 * 1024
_WILDCARDS = frozenset("*?[\\")


@dataclass(frozen=True)
class Pattern:
    """One line of an ignore file."""

    glob: globs.Glob
    negated: bool  # "!pattern": re-include what an earlier line left out
    folders_only: bool  # "pattern/": matches folders, not files
    name_only: bool  # no "/" inside: matched against the entry's own name, at any depth
    literal: str | None  # the name itself when name_only and without wildcards (looked up, not matched)

    def matches(self, relative: str, name: str, is_folder: bool) -> bool:
        if self.folders_only and not is_folder:
            return False
        if self.literal is not None:
            return name == self.literal
        return self.glob.match(name if self.name_only else relative)


def parse(text: str) -> tuple[Pattern, ...]:
    """The patterns of an ignore file's text, in order."""
    patterns = []
    for raw in text.split("\n"):
        line = raw[:-1] if raw.endswith("\r") else raw
        while line.endswith(" ") and not line.endswith("\\ "):  # (a quoted trailing space stays)
            line = line[:-1]
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        if negated:
            line = line[1:]
        folders_only = line.endswith("/") and not line.endswith("\\/")
        line = line.rstrip("/") if folders_only else line
        if not line:
            continue
        name_only = "/" not in line
        literal = line if name_only and not _WILDCARDS & set(line) else None
        glob = globs.Glob(line, escapes=True, contents=False)
        patterns.append(Pattern(glob, negated, folders_only, name_only, literal))
    return tuple(patterns)


@dataclass(frozen=True)
class Layer:
    """The patterns of one ignore file, and where the paths they see start: an entry below
    ``anchor`` (a folder as the walk writes it) is ``lead`` + its path below ``anchor``."""

    patterns: tuple[Pattern, ...]
    anchor: str
    lead: str = ""

    def verdict(self, path: str, name: str, is_folder: bool) -> bool | None:
        """Whether the last matching line leaves ``path`` out (True) or takes it back (False);
        None when no line matches."""
        relative = self.lead + globs.posix(path[len(self.anchor) :].lstrip(os.sep + (os.altsep or "")))
        for pattern in reversed(self.patterns):
            if pattern.matches(relative, name, is_folder):
                return not pattern.negated
        return None


class Ignored:
    """Answers "would git leave this out?" for the entries of one walk (see the module doc).
    Build it with :meth:`for_walk`; the walk must go top-down, as ``os.walk`` does."""

    def __init__(self, top: str, layers: tuple[Layer, ...]) -> None:
        self._layers: dict[str, tuple[Layer, ...]] = {_key(top): layers}

    @classmethod
    def for_walk(cls, top: str) -> Ignored | None:
        """The rules for walking the folder ``top``, or None outside a git repository."""
        absolute = os.path.abspath(top)
        root = _repository(absolute)
        if root is None:
            return None
        layers = list(_repository_layers(root, top, _lead(root, absolute)))
        above, folder = [], absolute
        while folder != root:  # the .gitignore files above the walk, up to the repository's top
            folder = os.path.dirname(folder)
            above.append(folder)
        for each in reversed(above):
            patterns = _read(os.path.join(each, ".gitignore"))
            if patterns:
                layers.append(Layer(patterns, top, _lead(each, absolute)))
        layers.extend(_folder_layers(top, top, nested=False))
        return cls(top, tuple(layers))

    def __call__(self, folder: str, name: str, *, is_folder: bool) -> bool:
        """Whether the entry ``name`` of ``folder`` (a folder the walk has listed) is left out."""
        path = os.path.join(folder, name)
        for layer in reversed(self._in(folder)):
            verdict = layer.verdict(path, name, is_folder)
            if verdict is not None:
                return verdict
        return False

    def _in(self, folder: str) -> tuple[Layer, ...]:
        key = _key(folder)
        known = self._layers.get(key)
        if known is None:
            parent = os.path.dirname(key)
            above = self._in(parent) if parent and parent != key else ()
            nested = os.path.lexists(os.path.join(folder, ".git"))  # another repository: its own rules
            own = _folder_layers(folder, folder, nested=nested)
            known = self._layers[key] = (own if nested else above + own) if own or nested else above
        return known


def _key(folder: str) -> str:
    """A folder as the walk writes it, without a final separator ("dir/" and "dir" are one)."""
    return folder.rstrip(os.sep + (os.altsep or "")) or folder


def _folder_layers(folder: str, anchor: str, *, nested: bool) -> tuple[Layer, ...]:
    layers = list(_repository_layers(os.path.abspath(folder), anchor, "")) if nested else []
    patterns = _read(os.path.join(folder, ".gitignore"))
    if patterns:
        layers.append(Layer(patterns, anchor))
    return tuple(layers)


def _repository_layers(root: str, anchor: str, lead: str) -> tuple[Layer, ...]:
    """The global excludes file, then ``.git/info/exclude`` (lowest precedence first)."""
    found = []
    for source in (_global_excludes(root), _git_dir_file(root, "info", "exclude")):
        patterns = _read(source) if source else ()
        if patterns:
            found.append(Layer(patterns, anchor, lead))
    return tuple(found)


def _lead(base: str, absolute: str) -> str:
    """The path from ``base`` to the walked folder, ``/``-separated, ending in ``/`` (or empty)."""
    relative = os.path.relpath(absolute, base)
    return "" if relative == os.curdir else globs.posix(relative) + "/"


def _repository(folder: str) -> str | None:
    """The top of the git working tree holding ``folder``: the closest folder with ``.git``
    (a folder, or a file as in a linked work tree or a submodule)."""
    while True:
        if os.path.lexists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _git_dir_file(root: str, *parts: str) -> str | None:
    """A file inside the repository's git folder; ``.git`` may be a file naming it elsewhere
    (``gitdir: …``, in a linked work tree or a submodule)."""
    dot_git = os.path.join(root, ".git")
    if os.path.isdir(dot_git):
        return os.path.join(dot_git, *parts)
    try:
        text = files.read_regular_file(dot_git, 4096).decode("utf-8", "surrogateescape")
    except (OSError, files.TooLarge):
        return None
    if not text.startswith("gitdir:"):
        return None
    target = os.path.join(root, text[len("gitdir:") :].strip())
    # A linked work tree's own folder shares info/ with the main one (its "commondir").
    try:
        common = files.read_regular_file(os.path.join(target, "commondir"), 4096).decode("utf-8", "surrogateescape")
        target = os.path.join(target, common.strip())
    except (OSError, files.TooLarge):
        pass
    return os.path.join(target, *parts)


@functools.lru_cache(maxsize=64)
def _global_excludes(root: str) -> str | None:
    """``core.excludesFile`` as git reads it (any configuration level, ``~`` expanded), else
    git's default, ``$XDG_CONFIG_HOME/git/ignore`` or ``~/.config/git/ignore``. Asking git is
    one short process per repository and run; without git, the default file is used."""
    import subprocess  # (only for a walk inside a repository)

    try:
        done = subprocess.run(
            ["git", "config", "--path", "--get", "core.excludesFile"],
            cwd=root,
            capture_output=True,
            text=True,
            errors="surrogateescape",
            timeout=10,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        if done.returncode == 0 and done.stdout.strip():
            return os.path.join(root, done.stdout.strip())  # (a relative path is relative to the work tree)
    except (OSError, subprocess.SubprocessError):
        pass
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(config_home, "git", "ignore")


def _read(path: str) -> tuple[Pattern, ...]:
    """An ignore file's patterns; none when it is missing, unreadable, too large, or a
    symbolic link (git does not follow those either)."""
    try:
        if os.path.islink(path):
            return ()
        raw = files.read_regular_file(path, MAX_IGNORE_BYTES)
    except (OSError, files.TooLarge):
        return ()
    return parse(raw.decode("utf-8", "surrogateescape"))
