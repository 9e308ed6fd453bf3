"""Small readers of CloudFormation template values: intrinsic functions, references, typed fields.

A synthesised template holds literals where CDK knew them and intrinsic functions (``Ref``,
``Fn::GetAtt``, ``Fn::Join``, ``Fn::Sub``) where it did not. The plan reads literals and follows
references between resources of the same template; anything else is reported as unknown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

Resource = Mapping[str, Any]
Resources = Mapping[str, Resource]


class PlanError(Exception):
    """A problem that stops the plan: each line names what could not be read or priced, and where."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def of_type(resources: Resources, *types: str) -> dict[str, Resource]:
    """The resources of the given types, by logical ID, in template order."""
    return {logical_id: r for logical_id, r in resources.items() if r.get("Type") in types}


def props(resource: Resource) -> Mapping[str, Any]:
    """A resource's ``Properties`` (empty when it has none)."""
    value = resource.get("Properties", {})
    return value if isinstance(value, Mapping) else {}


def referenced_ids(value: Any) -> Iterator[str]:
    """Every logical ID ``value`` refers to with ``Ref`` or ``Fn::GetAtt``, at any depth."""
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                yield inner
            elif key == "Fn::GetAtt" and isinstance(inner, list) and inner and isinstance(inner[0], str):
                yield inner[0]
            elif key == "Fn::GetAtt" and isinstance(inner, str):
                yield inner.split(".", 1)[0]
            else:
                yield from referenced_ids(inner)
    elif isinstance(value, list):
        for item in value:
            yield from referenced_ids(item)


def refers_to(value: Any, logical_id: str) -> bool:
    """True when ``value`` refers to ``logical_id``."""
    return logical_id in set(referenced_ids(value))


def joined_text(value: Any) -> str | None:
    """The text of a literal or of an ``Fn::Join`` whose parts are literals or references (each
    reference becomes ``{ref}``); ``None`` for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        texts = [p if isinstance(p, str) else "{ref}" for p in parts]
        return str(separator).join(texts)
    if isinstance(value, Mapping) and "Fn::Sub" in value:
        template = value["Fn::Sub"]
        return template if isinstance(template, str) else None
    return None


def number(value: Any) -> float | None:
    """A literal number (or numeric string, as CloudFormation accepts); ``None`` otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def integer(value: Any) -> int | None:
    """A literal whole number; ``None`` otherwise."""
    found = number(value)
    return int(found) if found is not None and found == int(found) else None
