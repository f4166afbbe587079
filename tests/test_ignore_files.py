"""A folder walk leaves out what git ignores (.gitignore files, .git/info/exclude, the global
excludes file), as ruff's does; files named on the command line are checked anyway. The rules
are held to real git's answers on random trees, and to linear time on hostile patterns."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from civitai_schema import checker, ignore_files, sources
from civitai_schema.api import resolver as make_resolver

from .conftest import FIXTURES, invoke

WORKFLOW = (FIXTURES / "valid" / "submission-chain.yaml").read_text("utf-8")

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture(autouse=True)
def _no_user_git_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The machine's own ~/.gitconfig and ~/.config/git/ignore must not decide these tests."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    ignore_files._global_excludes.cache_clear()


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return root


def _found(top: Path | str, **options: object) -> list[str]:
    """What a walk of ``top`` yields, relative to ``top``, with '/' separators."""
    opts = checker.Options(resolver=make_resolver(**options))  # type: ignore[arg-type]
    return sorted(Path(os.path.relpath(p, top)).as_posix() for p in sources.discover([str(top)], opts.settings_for))


def _repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)
    return root


@needs_git
def test_gitignore_files_at_every_level_as_git_reads_them(tmp_path: Path) -> None:
    repo = _tree(
        _repo(tmp_path / "repo"),
        {
            ".gitignore": "# generated output\nlogs/\n*.yaml\n!keep*.yaml\nbuild\n\\#odd.json\ntrailing.json   \n",
            "a.yaml": WORKFLOW,
            "keep-me.yaml": WORKFLOW,
            "logs/run.json": "{}",
            "logs.json": "{}",  # (logs/ names folders only)
            "#odd.json": "{}",
            "trailing.json": "{}",
            "sub/.gitignore": "!b.yaml\nlocal.json\n",
            "sub/b.yaml": WORKFLOW,
            "sub/c.yaml": WORKFLOW,
            "sub/local.json": "{}",
            "sub/build/x.json": "{}",
            "sub/deep/local.json": "{}",  # (a name without '/' matches at any depth below)
            "other/local.json": "{}",  # (sub/.gitignore says nothing here)
        },
    )
    assert _found(repo) == ["keep-me.yaml", "logs.json", "other/local.json", "sub/b.yaml"]
    assert len(_found(repo, overrides=_no_gitignore())) == 12


@needs_git
def test_info_exclude_and_the_global_file_have_lower_precedence(tmp_path: Path) -> None:
    repo = _tree(_repo(tmp_path / "repo"), {"a.json": "{}", "b.json": "{}", "c.json": "{}", "d.json": "{}"})
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("a.json\nb.json\n")
    (tmp_path / "xdg" / "git").mkdir(parents=True)
    (tmp_path / "xdg" / "git" / "ignore").write_text("c.json\nd.json\n")  # git's default core.excludesFile
    (repo / ".gitignore").write_text("!b.json\n")
    assert _found(repo) == ["b.json"]
    # core.excludesFile set in the repository's configuration replaces the default file.
    (tmp_path / "mine").write_text("d.json\n")
    subprocess.run(["git", "config", "core.excludesFile", str(tmp_path / "mine")], cwd=repo, check=True)
    ignore_files._global_excludes.cache_clear()
    assert _found(repo) == ["b.json", "c.json"]


@needs_git
def test_a_walk_below_the_top_uses_the_ignore_files_above_it(tmp_path: Path) -> None:
    repo = _tree(
        _repo(tmp_path / "repo"),
        {
            ".gitignore": "/templates/drafts/\nsecret.json\n",
            "templates/drafts/x.json": "{}",
            "templates/a/secret.json": "{}",
        },
    )
    _tree(repo, {"templates/a/ok.json": "{}", "templates/a/.gitignore": "!secret.json\n"})
    assert _found(repo / "templates") == ["a/ok.json", "a/secret.json"]
    assert _found(repo / "templates" / "a") == ["ok.json", "secret.json"]
    (repo / "templates" / "a" / ".gitignore").unlink()
    assert _found(repo / "templates" / "a") == ["ok.json"]


@needs_git
def test_named_files_are_checked_even_when_ignored(tmp_path: Path) -> None:
    repo = _tree(_repo(tmp_path / "repo"), {".gitignore": "*.yaml\n", "w.yaml": WORKFLOW, "x.yml": WORKFLOW})
    named = str(repo / "w.yaml")
    assert "(1 file)" in invoke("check", named).output
    assert named not in invoke("check", "--format", "concise", str(repo)).output
    assert "(2 files)" in invoke("check", "--no-respect-gitignore", str(repo)).output
    (repo / "civitai-schema.toml").write_text("respect-gitignore = false\n")
    assert "(2 files)" in invoke("check", str(repo)).output
    assert "(1 file)" in invoke("check", "--respect-gitignore", str(repo)).output
    assert "(2 files)" in invoke("check", "--config", "respect-gitignore = false", str(repo)).output


@needs_git
def test_outside_a_repository_gitignore_files_mean_nothing(tmp_path: Path) -> None:
    """As with git and ruff: a .gitignore is a repository's file."""
    if any((parent / ".git").exists() for parent in tmp_path.parents):
        pytest.skip("the temporary folder is inside a git repository")
    folder = _tree(tmp_path / "plain", {".gitignore": "*.json\n", "a.json": "{}"})
    assert _found(folder) == ["a.json"]


@needs_git
def test_a_repository_inside_the_walk_has_its_own_rules(tmp_path: Path) -> None:
    outer = _tree(_repo(tmp_path / "outer"), {".gitignore": "*.yaml\n", "a.yaml": WORKFLOW})
    inner = _tree(_repo(outer / "vendor" / "inner"), {"b.yaml": WORKFLOW, ".gitignore": "c.json\n", "c.json": "{}"})
    assert inner.is_dir()
    assert _found(outer) == ["vendor/inner/b.yaml"]


@needs_git
def test_a_gitignore_that_is_a_link_is_not_followed(tmp_path: Path) -> None:
    """git reads in-tree .gitignore files without following links (a clone cannot point it at
    a file elsewhere on the machine)."""
    repo = _tree(_repo(tmp_path / "repo"), {"a.json": "{}", "sub/b.json": "{}"})
    (tmp_path / "elsewhere").write_text("*.json\n")
    (repo / "sub" / ".gitignore").symlink_to(tmp_path / "elsewhere")
    assert _found(repo) == ["a.json", "sub/b.json"]


@needs_git
def test_a_linked_work_tree_reads_the_main_repository_info_exclude(tmp_path: Path) -> None:
    main = _tree(_repo(tmp_path / "main"), {"a.json": "{}"})
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid"}
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
    subprocess.run(["git", "add", "."], cwd=main, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "a"], cwd=main, check=True, env=env)
    subprocess.run(["git", "worktree", "add", "-q", str(tmp_path / "linked")], cwd=main, check=True, env=env)
    (main / ".git" / "info").mkdir(exist_ok=True)
    (main / ".git" / "info" / "exclude").write_text("b.json\n")
    linked = _tree(tmp_path / "linked", {"b.json": "{}", "c.json": "{}"})
    assert _found(linked) == ["a.json", "c.json"]


# ------------------------------------------------------------------------------------------
# Real git as the oracle.

_PATTERNS = [
    "a", "b", "a/", "b/", "/a", "/b/", "a.json", "*.json", "!a.json", "!b.json", "!*.json", "a/**", "**/b",
    "**/b/*.json", "a/**/a.json", "b/*.json", "[ab].json", "[!a]*.json", "?.json", "a*", "*b", "!a", "!b/",
    "a/b", "/a/b/", "**", "*", "!ab.json", "ab*", "*/a.json", "\\!a.json", "b.json ", "b.json\\ ", "# a.json",
]  # fmt: skip


def _random_tree(rng: random.Random, root: Path) -> None:
    names = ["a", "b", "ab"]
    for _ in range(rng.randint(3, 12)):
        parts = [rng.choice(names) for _ in range(rng.randint(0, 3))]
        name = rng.choice(["a.json", "b.json", "ab.json", "!a.json", "b.json "])
        path = root.joinpath(*parts, name)
        if any(p.is_file() for p in path.parents) or path.is_dir():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        if rng.random() < 0.6:
            lines = rng.sample(_PATTERNS, rng.randint(1, 5))
            (folder / ".gitignore").write_text("\n".join(lines) + "\n")


@needs_git
def test_the_walk_agrees_with_git_on_random_trees(tmp_path: Path) -> None:
    rng = random.Random(15)
    for case in range(40):
        repo = _repo(tmp_path / f"case{case}")
        _random_tree(rng, repo)
        listed = subprocess.run(
            ["git", "ls-files", "--others", "--exclude-standard", "-z"], cwd=repo, capture_output=True, check=True
        ).stdout.decode()
        expected = sorted(p for p in listed.split("\0") if p and not p.endswith(".gitignore"))
        ignores = {p.relative_to(repo).as_posix(): p.read_text() for p in repo.rglob(".gitignore")}
        assert _found(repo, overrides=_include_all()) == expected, ignores


def _no_gitignore() -> object:
    from civitai_schema.api import Overrides

    return Overrides(fragments=({"respect-gitignore": False},))


def _include_all() -> object:
    from civitai_schema.api import Overrides

    return Overrides(fragments=({"include": ["*"]},))


# ------------------------------------------------------------------------------------------
# Bounded time on hostile patterns (a cloned repository's .gitignore is anyone's text).

NEAR_MISSES = ["*a*a*a*a*a*a*b", "**/*a*a*a*a*a*a*b/**", "a/**/a/**/a/**/b", "[!b]*[a]*a?a*b", "\\a*\\a*\\a*\\a*b"]


@pytest.mark.parametrize("line", NEAR_MISSES)
def test_ignore_patterns_take_linear_time_on_long_names(line: str) -> None:
    """pathspec's GitIgnoreSpec took 0.8 s for the first of these on a 60-character name."""
    (pattern,) = ignore_files.parse(line + "\n")
    mib = 1 << 20
    for path in ("a" * mib, "a/" * (mib // 2) + "c", "ab" * (mib // 2) + "a"):
        start = time.perf_counter()
        assert not pattern.matches(path, path.rsplit("/", 1)[-1], False)
        assert time.perf_counter() - start < 2.0, (line, path[:20])


@needs_git
def test_a_walk_under_many_hostile_lines_stays_fast(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    lines = [f"*a*a*a*a*a*a*{chr(98 + i % 20)}{i}" for i in range(2000)]
    (repo / ".gitignore").write_text("\n".join(lines) + "\n")
    for i in range(50):
        (repo / ("a" * 200 + f"{i}.json")).write_text("{}")
    start = time.perf_counter()
    assert len(_found(repo)) == 50
    assert time.perf_counter() - start < 10.0


def test_ignore_file_syntax() -> None:
    parsed = ignore_files.parse("# comment\n\n!keep\n\\!bang\n\\#hash\nspace\\ \nslash/\r\n/root\na/b\n")
    assert [(p.glob.pattern, p.negated, p.folders_only, p.name_only) for p in parsed] == [
        ("keep", True, False, True),
        ("\\!bang", False, False, True),
        ("\\#hash", False, False, True),
        ("space\\ ", False, False, True),
        ("slash", False, True, True),
        ("/root", False, False, False),
        ("a/b", False, False, False),
    ]
    bang, hashed, space = parsed[1:4]
    assert bang.matches("!bang", "!bang", False) and hashed.matches("#hash", "#hash", False)
    assert space.matches("space ", "space ", False) and not space.matches("space", "space", False)


def test_configured_globs_written_with_windows_separators_exclude_in_a_walk(tmp_path: Path) -> None:
    _tree(tmp_path, {"legacy/old/a.json": "{}", "legacy/new/b.json": "{}", "civitai-schema.toml": ""})
    (tmp_path / "civitai-schema.toml").write_text("exclude = ['legacy\\old\\*.json']\n")  # (TOML: literal)
    assert _found(tmp_path) == ["legacy/new/b.json"]
