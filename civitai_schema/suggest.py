""" "Did you mean": the closest known value to a wrong one."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from . import limits

# Spelling distance is worked out only against at most FUZZY_LIMIT candidates (the catalog's
# longest list has under 100), and for at most FUZZY_QUERIES different wrong values per list.
# Past that (the step names of a document with thousands of steps, or thousands of different
# wrong names) only case and punctuation differences are suggested: a document full of wrong
# names cannot make a check quadratic.
FUZZY_LIMIT = 200
FUZZY_QUERIES = 500
# Nor for a wrong value longer than this: difflib indexes every character of it (about 50 bytes
# each: a 12 MB key took 580 MB), and no catalog name is a tenth as long.
FUZZY_MAX_CHARS = 256


class Suggestions:
    """The candidates, indexed once, for any number of wrong values."""

    def __init__(self, candidates: Iterable[str]) -> None:
        options = tuple(c for c in candidates if isinstance(c, str))
        # Short lists (the catalog's, asked about again and again) are indexed once per process.
        self._by_lower, self._by_squashed = _indexed(options) if len(options) <= FUZZY_LIMIT else _index(options)
        self._fuzzy: dict[str, str | None] = {}

    def closest(self, value: str) -> str | None:
        """The candidate ``value`` most likely meant: a case-insensitive match first, then the
        nearest spelling, ignoring case, punctuation and spaces (``DPM++ 2M`` ~ ``dpmpp_2m``)."""
        if len(value) > 4 * FUZZY_MAX_CHARS:  # (not even lowered or squashed: no name is this long)
            return None
        found = self._by_lower.get(value.lower())
        if found is not None:
            return found
        meant = _in_api_words(value)
        if meant != value:  # meaning before spelling: workflow:completed is workflow:succeeded
            found = self._by_lower.get(meant.lower()) or self._spelled(meant)
            if found is not None:
                return found
        return self._spelled(value)

    def _spelled(self, value: str) -> str | None:
        """The nearest spelling, ignoring case, punctuation and spaces."""
        squashed = _squash(value)
        if squashed in self._by_squashed:
            return self._by_squashed[squashed]
        if squashed in self._fuzzy:
            return self._fuzzy[squashed]
        if len(self._by_squashed) > FUZZY_LIMIT or len(self._fuzzy) >= FUZZY_QUERIES or len(squashed) > FUZZY_MAX_CHARS:
            return None
        match = _close_match(squashed, tuple(self._by_squashed))
        self._fuzzy[squashed] = None if match is None else self._by_squashed[match]
        return self._fuzzy[squashed]


# The same wrong name in file after file (a batch written by one old client) is matched once:
# difflib's answer depends on the value and the candidates alone.
@limits.value_cache(1024, max_chars=64 * FUZZY_LIMIT)
def _close_match(value: str, candidates: tuple[str, ...]) -> str | None:
    import difflib  # only when a value is wrong

    match = difflib.get_close_matches(value, candidates, n=1, cutoff=0.7)
    return match[0] if match else None


def _in_api_words(value: str) -> str:
    """``value`` with each ``:``-separated part that is another system's word for a status
    replaced by the API's word (facts/synonyms.json): ``job:done`` → ``job:succeeded``."""
    if len(value) > FUZZY_MAX_CHARS:
        return value
    table = _synonyms()
    return ":".join(table.get(_squash(part), part) for part in value.split(":"))


@functools.lru_cache(maxsize=1)
def _synonyms() -> dict[str, str]:
    """Word → the API's word, read when a wrong value first needs a suggestion."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parent / "facts" / "synonyms.json"
    rows = json.loads(path.read_text("utf-8"))["synonyms"]
    return {_squash(word): row["means"] for row in rows for word in row["words"]}


def did_you_mean(value: str, candidates: Iterable[str]) -> str:
    """``'; did you mean "x"?'`` for the candidate ``value`` most likely meant, or ``""``."""
    guess = closest(value, candidates)
    return f'; did you mean "{guess}"?' if guess is not None and guess != value else ""


def _index(options: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    by_lower = {c.lower(): c for c in reversed(options)}  # (the first one wins)
    return by_lower, {_squash(c): c for c in options}


# (Candidates may be a document's step names: a list of long ones is indexed and not kept.)
_indexed = limits.value_cache(256, max_chars=64 * FUZZY_LIMIT)(_index)


def closest(value: str, candidates: Iterable[str]) -> str | None:
    """:meth:`Suggestions.closest` for one wrong value."""
    return Suggestions(candidates).closest(value)


@limits.value_cache(4096)  # the catalog's names are squashed over and over
def _squash(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum()).replace("plus", "p")


def misspelling_of(value: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``value`` misspells, if it is that close: one edit away (two for names of
    eight letters or more), ignoring case and punctuation. Closer than :func:`closest`'s "did
    you mean", for deciding that two findings are one mistake or that a key is a known field."""
    return _misspelling(value, tuple(candidates))


# The same unknown key beside the same missing ones, file after file: worked out once.
@limits.value_cache(1024, max_chars=64 * FUZZY_LIMIT)
def _misspelling(value: str, candidates: tuple[str, ...]) -> str | None:
    squashed = {_squash(candidate): candidate for candidate in candidates}
    wanted = _squash(value)
    if wanted in squashed:
        return squashed[wanted]
    if not squashed:
        return None
    # The first of the nearest candidates, as min() picks it. Distances past the largest allowed
    # are all "too far" alike, so each is worked out only that far.
    distance = {candidate: _edits(wanted, candidate, _MOST_EDITS) for candidate in squashed}
    best = min(squashed, key=distance.__getitem__)
    return squashed[best] if distance[best] <= (1 if len(best) < 8 else 2) else None


_MOST_EDITS = 2  # what misspelling_of allows at most (names of eight letters or more)


def _edits(a: str, b: str, limit: int) -> int:
    """Edits from ``a`` to ``b`` (optimal string alignment: a swap of neighbours is one edit),
    or ``limit + 1`` when they are more than ``limit`` apart."""
    # A common start or end needs no edit (nor can a swap straddle where they stop matching), and
    # each character of a length difference is one edit: most pairs are decided here.
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end = 0
    while end < len(a) - start and end < len(b) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    a, b = a[start : len(a) - end], b[start : len(b) - end]
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return min(d[-1][-1], limit + 1)
