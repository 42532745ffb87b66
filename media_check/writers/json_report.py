"""The canonical JSON report: the contract pipelines read (schema in ``docs/report.schema.json``)."""

from __future__ import annotations

import json

from media_check.report import Report


def render(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
