"""The JSON schema of the report, derived from the report types (never written by hand).

``python -m media_check.schema > docs/report.schema.json`` regenerates the committed copy; a test keeps the two equal.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from enum import Enum

from media_check.report import Evidence, Report

_SCALARS = {str: {"type": "string"}, int: {"type": "integer"}, float: {"type": "number"},
            bool: {"type": "boolean"}, type(None): {"type": "null"}}


def _schema(tp, defs: dict) -> dict:
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        return {"anyOf": [_schema(a, defs) for a in typing.get_args(tp)]}
    if tp in _SCALARS:
        return dict(_SCALARS[tp])
    if isinstance(tp, type) and issubclass(tp, Enum):
        return {"type": "string", "enum": [m.value for m in tp]}
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": _schema(args[0], defs)}
        return {"type": "array", "prefixItems": [_schema(a, defs) for a in args],
                "minItems": len(args), "maxItems": len(args)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema(typing.get_args(tp)[1], defs)}
    if dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}
            hints = typing.get_type_hints(tp)
            fields = dataclasses.fields(tp)
            optional = tp is Evidence  # Evidence omits its empty keys
            defs[name] = {
                "type": "object",
                "properties": {f.name: _schema(hints[f.name], defs) for f in fields},
                "required": [] if optional else [f.name for f in fields],
                "additionalProperties": False,
            }
            if tp.__doc__ and not tp.__doc__.startswith(f"{name}("):
                defs[name]["description"] = " ".join(tp.__doc__.split())
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON schema for {tp!r}")


def report_schema() -> dict:
    defs: dict = {}
    root = _schema(Report, defs)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "urn:media-check:report", "title": "media-check report",
            **root, "$defs": defs}


if __name__ == "__main__":
    print(json.dumps(report_schema(), indent=2))
