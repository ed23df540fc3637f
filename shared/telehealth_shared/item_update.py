"""One DynamoDB UpdateItem built from attribute paths and a boto3 condition: the one place update
and condition expressions, their placeholders and their serialized values are made."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping, Sequence, Union

from .aws import AwsClients

# A top-level attribute name, or a nested map path as a tuple (names are never split on dots,
# so a user id in a path is taken as it is).
Path = Union[str, tuple[str, ...]]


@dataclass(frozen=True)
class IfAbsent:
    """SET path = if_not_exists(path, value): the first write wins, later ones keep it."""

    value: Any


@dataclass(frozen=True)
class Increment:
    """SET path = path + by (the attribute must exist; a missing one fails the update)."""

    by: int = 1


@dataclass(frozen=True)
class Update:
    """What one UpdateItem changes: SET, REMOVE, ADD (numbers, sets) and DELETE (from sets)."""

    set: Mapping[Path, Any] = field(default_factory=dict)
    remove: Sequence[Path] = ()
    add: Mapping[Path, Any] = field(default_factory=dict)
    delete: Mapping[Path, Any] = field(default_factory=dict)

    def paths(self) -> list[tuple[str, ...]]:
        """Every attribute path the update writes."""
        return [as_path(p) for p in (*self.set, *self.remove, *self.add, *self.delete)]


def as_path(path: Path) -> tuple[str, ...]:
    return (path,) if isinstance(path, str) else tuple(path)


def attr(name: str) -> Any:
    """boto3's `Attr` (imported on first use, as boto3 always is here) for building a
    condition: `attr("status").is_in([...]) & attr("version").eq(3)`; a dot nests."""
    from boto3.dynamodb.conditions import Attr

    return Attr(name)


def serialize(value: Any) -> dict[str, Any]:
    """A plain Python value in DynamoDB's typed form (floats go through Decimal, as DynamoDB
    numbers must)."""
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer().serialize(Decimal(repr(value)) if isinstance(value, float) else value)


def expression(update: Update, condition: Any = None) -> dict[str, Any]:
    """The UpdateExpression (and ConditionExpression) with their names and values, ready for
    UpdateItem or a TransactWriteItems Update; `condition` is built with `attr`."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    placeholders: dict[str, str] = {}

    def name(path: Path) -> str:
        parts = []
        for part in as_path(path):
            if part not in placeholders:
                placeholders[part] = f"#u{len(placeholders)}"
                names[placeholders[part]] = part
            parts.append(placeholders[part])
        return ".".join(parts)

    def value(plain: Any) -> str:
        placeholder = f":u{len(values)}"
        values[placeholder] = serialize(plain)
        return placeholder

    assignments = []
    for path, new in update.set.items():
        target = name(path)
        if isinstance(new, IfAbsent):
            assignments.append(f"{target} = if_not_exists({target}, {value(new.value)})")
        elif isinstance(new, Increment):
            assignments.append(f"{target} = {target} + {value(new.by)}")
        else:
            assignments.append(f"{target} = {value(new)}")
    clauses = []
    if assignments:
        clauses.append("SET " + ", ".join(assignments))
    if update.remove:
        clauses.append("REMOVE " + ", ".join(name(path) for path in update.remove))
    if update.add:
        clauses.append("ADD " + ", ".join(f"{name(path)} {value(v)}" for path, v in update.add.items()))
    if update.delete:
        clauses.append("DELETE " + ", ".join(f"{name(path)} {value(v)}" for path, v in update.delete.items()))
    if not clauses:
        raise ValueError("an update must change something")
    params: dict[str, Any] = {"UpdateExpression": " ".join(clauses)}
    if condition is not None:
        from boto3.dynamodb.conditions import ConditionExpressionBuilder

        built = ConditionExpressionBuilder().build_expression(condition)
        params["ConditionExpression"] = built.condition_expression
        names.update(built.attribute_name_placeholders)
        values.update({k: serialize(v) for k, v in built.attribute_value_placeholders.items()})
    params["ExpressionAttributeNames"] = names
    if values:
        params["ExpressionAttributeValues"] = values
    return params


def update_item(clients: AwsClients, table: str, key: Mapping[str, Any], update: Update, *, condition: Any = None,
                return_new: bool = False, old_on_failure: bool = False) -> dict[str, Any] | None:
    """One UpdateItem of the item `key` (plain values) in `table`.

    Returns the item after the write in DynamoDB's form when `return_new`, else None. A failed
    condition raises botocore's ConditionalCheckFailedException unchanged; with
    `old_on_failure` it carries the item as it was (`exc.response["Item"]`).
    """
    params = expression(update, condition)
    if return_new:
        params["ReturnValues"] = "ALL_NEW"
    if old_on_failure:
        params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    response = clients.dynamodb.update_item(TableName=table, Key={k: serialize(v) for k, v in key.items()}, **params)
    return response.get("Attributes") if return_new else None

