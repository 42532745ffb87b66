"""The canonical JSON report: the contract pipelines read (schema in ``docs/report.schema.json``).

:func:`chunks` streams it one asset at a time, so writing the report of a scan of many thousand assets never
holds a second, plain copy of the whole report (nor the whole text) in memory; :func:`render` is the same text
in one string.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

from media_check.report import Report, to_plain

STREAMED = ("assets", "listings")  # the fields that grow with the scan, written item by item


def render(report: Report) -> str:
    return "".join(chunks(report))


def chunks(report: Report) -> Iterator[str]:
    """The text of ``json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\\n"``, in pieces."""
    yield "{"
    for number, field in enumerate(dataclasses.fields(report)):
        yield ("," if number else "") + f"\n  {_dump(field.name)}: "
        value = getattr(report, field.name)
        if field.name in STREAMED and value:
            yield "["
            for index, item in enumerate(value):
                yield ("," if index else "") + "\n" + _indented(_dump(to_plain(item)), "    ")
            yield "\n  ]"
        else:
            yield _indented(_dump(to_plain(value)), "  ", first=False)
    yield "\n}\n"


def _dump(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _indented(text: str, prefix: str, first: bool = True) -> str:
    """``text`` with ``prefix`` before each line (JSON text has no raw line breaks inside strings)."""
    lines = text.split("\n")
    return "\n".join(prefix + line if number or first else line for number, line in enumerate(lines))
