"""JUnit XML, for Jenkins, GitLab and other CI test reports: a test case per checked file,
failing with one <failure> per finding. Every text from a document or a file name goes through
:func:`xml_text`, so the report is well-formed XML whatever they hold."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from ..findings import Finding, Report
from . import Traits, xml_text

if TYPE_CHECKING:
    from . import View


TRAITS = Traits()


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
        case = ET.SubElement(suite, "testcase", classname="civitai-schema", name=xml_text(file))
        for f in items:
            message = xml_text(f.message)
            failure = ET.SubElement(case, "failure", message=f"{f.code} {message}", type=f"{f.code} {xml_text(f.name)}")
            where = f"{xml_text(f.file or '')}:{f.line}:{f.column}"
            failure.text = f"{where}: {f.code} [{f.severity}] {message}\npath: {xml_text(f.path or '/')}"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
