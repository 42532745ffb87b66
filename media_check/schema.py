"""JSON schemas derived from the dataclasses they describe (never written by hand).

One generator serves every file format media-check reads or writes: the report (``report_schema``) and the
listing file (``media_check.listing.listing_schema``). ``make schema`` regenerates the committed copies in
``docs/``; tests keep them equal to what the types say.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable
from enum import Enum
from typing import Any, Literal

_SCALARS = {str: {"type": "string"}, int: {"type": "integer"}, float: {"type": "number"},
            bool: {"type": "boolean"}, type(None): {"type": "null"}}

RequiredPolicy = Callable[[type, dataclasses.Field], bool]


def every_field(tp: type, field: dataclasses.Field) -> bool:
    """Every key is always written (the report: absent means a different schema version)."""
    return True


def fields_without_default(tp: type, field: dataclasses.Field) -> bool:
    """Only keys without a default must be given (files people write, such as the listing file)."""
    return field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


def json_schema(root: type, *, title: str, schema_id: str, required: RequiredPolicy = every_field) -> dict:
    defs: dict[str, Any] = {}
    top = _schema(root, defs, required)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, "title": title,
            **top, "$defs": defs}


def _schema(tp: Any, defs: dict[str, Any], required: RequiredPolicy) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        return {"anyOf": [_schema(a, defs, required) for a in typing.get_args(tp)]}
    if origin is Literal:
        return {"type": "string", "enum": list(typing.get_args(tp))}
    if tp in _SCALARS:
        return dict(_SCALARS[tp])
    if isinstance(tp, type) and issubclass(tp, Enum):
        return {"type": "string", "enum": [m.value for m in tp]}
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": _schema(args[0], defs, required)}
        return {"type": "array", "prefixItems": [_schema(a, defs, required) for a in args],
                "minItems": len(args), "maxItems": len(args)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema(typing.get_args(tp)[1], defs, required)}
    if dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}
            hints = typing.get_type_hints(tp)
            fields = dataclasses.fields(tp)
            properties = {}
            for f in fields:
                properties[f.name] = _schema(hints[f.name], defs, required)
                if f.metadata.get("doc"):
                    properties[f.name]["description"] = f.metadata["doc"]
            defs[name] = {"type": "object", "properties": properties,
                          "required": [f.name for f in fields if required(tp, f)],
                          "additionalProperties": False}
            if tp.__doc__ and not tp.__doc__.startswith(f"{name}("):
                defs[name]["description"] = " ".join(tp.__doc__.split())
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON schema for {tp!r}")


def report_schema() -> dict:
    from media_check.report import Evidence, Report

    def report_required(tp: type, field: dataclasses.Field) -> bool:
        return tp is not Evidence  # Evidence omits its empty keys

    return json_schema(Report, title="media-check report", schema_id="urn:media-check:report",
                       required=report_required)


if __name__ == "__main__":
    print(json.dumps(report_schema(), indent=2))
