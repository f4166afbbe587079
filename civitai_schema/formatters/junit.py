"""JUnit XML, for Jenkins, GitLab and other CI test reports: a test case per checked file,
failing with one <failure> per finding."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from ..findings import Finding, Report

if TYPE_CHECKING:
    from . import View


def render(report: Report, view: View) -> str:
    by_file: dict[str, list[Finding]] = {}
    for document in report.documents:
        by_file.setdefault(document.file, [])
    for finding in report.findings:
        by_file.setdefault(finding.file or "", []).append(finding)
    suites = ET.Element("testsuites", name="civitai-schema", tests=str(len(by_file)))
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="civitai-schema",
        tests=str(len(by_file)),
        failures=str(sum(1 for items in by_file.values() if items)),
        errors="0",
    )
    for file, items in by_file.items():
        case = ET.SubElement(suite, "testcase", classname="civitai-schema", name=file)
        for f in items:
            failure = ET.SubElement(case, "failure", message=f"{f.code} {f.message}", type=f"{f.code} {f.name}")
            failure.text = f"{f.file}:{f.line}:{f.column}: {f.code} [{f.severity}] {f.message}\npath: {f.path or '/'}"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
