"""The spelling distance behind "misspells": bounded, with common starts and ends trimmed, it
must give what the textbook table gives for every pair of short words."""

from __future__ import annotations

import functools
import itertools

from civitai_schema import suggest


def reference(a: str, b: str) -> int:
    """Optimal string alignment distance by its recursive definition (no trimming, no bound)."""

    @functools.cache
    def distance(i: int, j: int) -> int:  # of a[:i] and b[:j]
        if i == 0 or j == 0:
            return i + j
        best = min(distance(i - 1, j) + 1, distance(i, j - 1) + 1, distance(i - 1, j - 1) + (a[i - 1] != b[j - 1]))
        if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
            best = min(best, distance(i - 2, j - 2) + 1)
        return best

    return distance(len(a), len(b))


def words(alphabet: str, longest: int) -> list[str]:
    return ["".join(w) for n in range(longest + 1) for w in itertools.product(alphabet, repeat=n)]


def test_bounded_distance_is_the_tables_up_to_the_bound() -> None:
    # Two letters make every kind of repeat, swap and shared start or end; three add substitutions
    # that are not swaps.
    pairs = [(a, b) for a in words("ab", 6) for b in words("ab", 6)]
    pairs += [(a, b) for a in words("abc", 4) for b in words("abc", 4)]
    for a, b in pairs:
        for limit in (0, 1, 2, 4):
            assert suggest._edits(a, b, limit) == min(reference(a, b), limit + 1), (a, b, limit)


def test_misspelling_of_takes_the_first_nearest_candidate() -> None:
    assert suggest.misspelling_of("promt", ["prompt", "prompts"]) == "prompt"
    assert suggest.misspelling_of("callbackUrl", ["callbacks"]) is None
    assert suggest.misspelling_of("negativePromt", ["negativePrompt"]) == "negativePrompt"
    assert suggest.misspelling_of("widht", ["height", "width"]) == "width"  # a swap is one edit
    assert suggest.misspelling_of("colour", ["color", "colours"]) == "color"  # both one away: the first
