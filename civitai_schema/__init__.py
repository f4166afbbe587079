"""civitai-schema: validate and lint Civitai Orchestration workflow documents.

>>> import civitai_schema
>>> report = civitai_schema.check({"steps": [{"$type": "imageGen", "input": {"prompt": "a cat"}}]})
>>> report.ok
True
"""

from __future__ import annotations

from .api import FixOutcome, InvalidWorkflowError, check, check_file, check_paths, check_text, fix_text, validate
from .findings import DocumentInfo, Finding, Kind, Report, Severity
from .version import __version__

__all__ = [
    "DocumentInfo",
    "Finding",
    "FixOutcome",
    "InvalidWorkflowError",
    "Kind",
    "Report",
    "Severity",
    "__version__",
    "check",
    "check_file",
    "check_paths",
    "check_text",
    "fix_text",
    "validate",
]
