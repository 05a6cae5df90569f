"""Hostile JSON for the property tests: mutate any node of a real reply, check what comes out.

A mutation replaces one node with any JSON value (null, a bool, a string, a number, a huge
number, a list, an object, a lone surrogate, ``NaN``), drops a key or empties a list or an
object; the document itself may be replaced too. :func:`check_model` states what every
model built from whatever a miner sent must satisfy.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import math
from typing import Any, Final

from hypothesis import strategies as st

type Json = dict[str, Any]
type Path = tuple[object, ...]

SIGNED_FIELDS: Final = frozenset(
    {
        "temperature",
        "environment_temperature",
        "chip_temp_min",
        "chip_temp_avg",
        "chip_temp_max",
        "temp_offset",
        "target_freq",
    }
)
"""The model fields that may hold a negative number; no other may."""

huge_integers = st.integers(min_value=2**1024, max_value=10**400).flatmap(
    lambda n: st.sampled_from([n, -n])
)  # too large for a float; JSON has no limit
awkward_texts = st.sampled_from(
    [
        "",
        " ",
        "-1",
        "'-1'",
        "NaN",
        "inf",
        "-Infinity",
        "1e308",
        "1e999",
        "\x00",
        "\ud800",
        "a\udfffb",
        "\udc80",
        "true",
        "enable",
        "auto",
        "S",
        "E",
        "invalid cmd",
    ]
)
json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | huge_integers
    | st.floats()
    | st.sampled_from([1e308, -1e308, -1, -1.0, 0, 2**31 - 1])
    | st.text(max_size=12)
    | awkward_texts
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8) | awkward_texts, children, max_size=4)
    ),
    max_leaves=10,
)
hostile_values = st.sampled_from(
    [
        None,
        True,
        -1,
        -1.0,
        "-1",
        -5,
        1e308,
        -1e308,
        10**400,
        math.nan,
        math.inf,
        "\ud800",
        "junk",
        [],
        {},
    ]
)
"""The few values most likely to break a reader, drawn often: a plain ``replace`` draws
from all of JSON and so rarely hits the one that matters."""
MUTATIONS: Final = ("hostile", "replace", "rename", "drop", "empty")


def paths(node: object, path: Path = ()) -> list[Path]:
    """Every place in a JSON document where a value sits, innermost first.

    The document itself comes last: Hypothesis leans towards the first choices, and a
    reply replaced as a whole rarely reaches a model.
    """
    children: list[tuple[object, object]] = []
    if isinstance(node, dict):
        children = list(node.items())
    elif isinstance(node, list):
        children = list(enumerate(node))
    found: list[Path] = []
    for key, child in children:
        found.extend(paths(child, (*path, key)))
    found.append(path)
    return found


def _at(document: object, path: Path) -> Any:
    """Return the node at ``path``."""
    node: Any = document
    for key in path:
        node = node[key]
    return node


def _mutate_once(document: object, data: st.DataObject) -> object:
    """Apply one mutation to ``document`` in place; return the document (it may be new).

    ``hostile`` puts a :data:`hostile_values` value in place of a plain value, ``replace``
    any JSON value in place of any node, ``rename`` gives a key an awkward name (error
    codes are keys), ``drop`` deletes a key and ``empty`` clears a list or an object.
    Where a kind finds nothing to act on, the mutation is a ``replace``.
    """
    every = paths(document)
    kind = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    keyed = [path for path in every if path and isinstance(_at(document, path[:-1]), dict)]
    containers = [path for path in every if isinstance(_at(document, path), dict | list)]
    leaves = [path for path in every if path and path not in containers]
    if kind == "hostile" and leaves:
        *parents, key = data.draw(st.sampled_from(leaves), label="made hostile")
        _at(document, tuple(parents))[key] = data.draw(hostile_values, label="value")
    elif kind in {"rename", "drop"} and keyed:
        *parents, key = data.draw(st.sampled_from(keyed), label=kind)
        parent = _at(document, tuple(parents))
        value = parent.pop(key)
        if kind == "rename":
            parent[data.draw(awkward_texts, label="name")] = value
    elif kind == "empty" and containers:
        _at(document, data.draw(st.sampled_from(containers), label="emptied")).clear()
    else:
        path = data.draw(st.sampled_from(every), label="replaced")
        value = data.draw(json_values, label="value")
        if not path:
            return value
        _at(document, path[:-1])[path[-1]] = value
    return document


def mutate(document: object, data: st.DataObject, *, times: int = 1) -> object:
    """Return a deep copy of ``document`` with ``times`` mutations applied."""
    mutated = copy.deepcopy(document)
    for _ in range(times):
        mutated = _mutate_once(mutated, data)
    return mutated


class Mutator:
    """Mutates the replies a peer serves, so mutations land on what the client reads.

    One example makes one to ``most`` mutations, spread over the replies the client asks
    for; ``mutated`` counts the mutated replies served.
    """

    def __init__(self, data: st.DataObject, *, most: int = 3) -> None:
        """Draw how many mutations this example makes."""
        self._data = data
        self._left = data.draw(st.integers(1, most), label="mutations")
        self.mutated = 0

    def __call__(self, reply: object) -> object:
        """Return ``reply``, or a mutated copy of it."""
        if not self._left or not self._data.draw(st.booleans(), label="mutate this reply"):
            return reply
        times = self._data.draw(st.integers(1, self._left), label="mutations of this reply")
        self._left -= times
        self.mutated += 1
        return mutate(reply, self._data, times=times)


def check_model(value: object, field: str = "") -> None:
    """Assert what every model must be, whatever the miner sent.

    Every string encodes as UTF-8, every number is finite, and only the fields in
    :data:`SIGNED_FIELDS` may be negative.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            check_model(getattr(value, item.name), item.name)
    elif isinstance(value, tuple):
        for item in value:
            check_model(item, field)
    elif isinstance(value, str):
        value.encode("utf-8")
    elif isinstance(value, int | float) and not isinstance(value, bool | enum.Enum):
        assert math.isfinite(value), (field, value)
        assert field in SIGNED_FIELDS or value >= 0, (field, value)
