"""One JSON object per finding per line (the ``findings`` items of the JSON format), for streams."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..findings import Report
from . import Traits, json_text
from .json import finding

if TYPE_CHECKING:
    from . import View


TRAITS = Traits(streams=True)


def render(report: Report, view: View) -> str:
    return "".join(json_text(json.dumps(finding(f), ensure_ascii=False)) + "\n" for f in report.findings)
