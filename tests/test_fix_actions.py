"""Fix actions are the rule's: fixes.py applies any action through its edits and its change to
the data, so an action it has never heard of is applied, verified and kept whole like its own."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, ClassVar

from civitai_schema import fixes, pointers, readers, text_edits
from civitai_schema.documents import Document
from civitai_schema.findings import Edit, Finding, Fix, Severity
from civitai_schema.fix_actions import VALUE, Copies, FixAction

from .conftest import REPO


@dataclass(frozen=True)
class Swap(FixAction):
    """A test's own action: the values at two paths change places. Both findings carry both
    edits, so the swap is made only with the two of them."""

    first: str
    second: str
    values: tuple[Any, Any]  # what the two paths hold now
    one_edit_per_finding: ClassVar[bool] = True

    def edits(self, document: Document, finding: Finding) -> tuple[Edit, ...]:
        edits = text_edits.value_edits(document, self.first, "value", self.values[1])
        edits += text_edits.value_edits(document, self.second, "value", self.values[0])
        return tuple(sorted(edits)) if len(edits) == 2 else ()

    def stage(self, finding: Finding) -> int:
        return VALUE

    def change(self, data: Copies, finding: Finding) -> None:
        data.replace(pointers.split(self.first), self.values[1])
        data.replace(pointers.split(self.second), self.values[0])


def _findings(text: str, name: str, paths: list[str]) -> list[Finding]:
    (document,) = readers.read_text(name, text).documents
    fix = Fix("swap", "safe", Swap("/a", "/b", (document.data["a"], document.data["b"])))
    found = [Finding("T001", "test", Severity.WARNING, "m", p, file=name, fix=fix) for p in paths]
    return [fixes.with_edits(f, document) for f in found]


def test_an_action_fixes_py_does_not_know_is_edited_verified_and_applied() -> None:
    for name, text in (("w.json", '{"a": 1, "b": [2]}\n'), ("w.yaml", "a: 1  # one\nb: [2]\n")):
        findings = _findings(text, name, ["/a", "/b"])
        assert all(f.fixable for f in findings)
        applied = fixes.apply(text, findings)
        assert applied.fixed == tuple(findings) and not applied.refused
        (after,) = readers.read_text(name, applied.text).documents
        assert after.data == {"a": [2], "b": 1}
        assert name == "w.json" or "# one" in applied.text


def test_an_action_with_one_edit_per_finding_is_made_whole_or_not_at_all() -> None:
    (one,) = _findings('{"a": 1, "b": 2}', "w.json", ["/a"])  # the other finding was suppressed
    applied = fixes.apply('{"a": 1, "b": 2}', [one])
    assert applied.text == '{"a": 1, "b": 2}' and applied.refused == (one,)
    assert not fixes.whole_fixes_only([one])[0].fixable


def test_a_change_that_does_not_read_back_as_the_action_says_is_refused() -> None:
    text = '{"a": 1, "b": 2}'
    findings = _findings(text, "w.json", ["/a", "/b"])
    wrong = [f.with_fix(f.fix._replace(edits=(Edit(6, 7, "3"), Edit(14, 15, "1")))) for f in findings]  # type: ignore[union-attr]
    assert fixes.apply(text, wrong).text == text


def _imports(path: str) -> set[str]:
    tree = ast.parse((REPO / "civitai_schema" / path).read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
            found.update("." * node.level + (node.module + "." if node.module else "") + a.name for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_fixes_and_its_verification_know_no_rule_and_do_not_import_each_other() -> None:
    for module in ("fixes.py", "fix_verification.py", "fix_actions.py", "text_edits.py"):
        imports = _imports(module)
        assert not any("rules" in name for name in imports), (module, imports)
    for module in ("fixes.py", "fix_verification.py", "text_edits.py"):
        source = (REPO / "civitai_schema" / module).read_text("utf-8")
        assert "callbackUrl" not in source and '"callbacks"' not in source, module
    assert not any(name.endswith("fixes") for name in _imports("fix_verification.py"))
    assert not any(name.endswith(("fixes", "fix_verification")) for name in _imports("fix_actions.py"))
