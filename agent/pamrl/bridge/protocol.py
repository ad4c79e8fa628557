"""Frames of the bridge, as agent/pamrl/bridge/schema.json defines them: one UTF-8 JSON object per ZeroMQ frame.

The decoder never trusts the peer: anything that is not exactly a message of the schema raises ProtocolError
(or VersionMismatch). No pickle, and frames are capped at the schema's max_frame_bytes.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import orjson

from pamrl.bridge.errors import ProtocolError, VersionMismatch

# The one wire schema, package data of pamrl.bridge; the simulator's end embeds the same file at build time.
SCHEMA_FILE = resources.files("pamrl.bridge") / "schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_FILE.read_text())
PROTOCOL: str = SCHEMA["protocol"]
VERSION: int = SCHEMA["version"]
MAX_FRAME_BYTES: int = SCHEMA["max_frame_bytes"]
# The names every [du, slice, kpi] table is indexed by, in order; read by everything else (one place).
SLICE_NAMES: tuple[str, ...] = tuple(SCHEMA["slices"])
KPI_NAMES: tuple[str, ...] = tuple(k["name"] for k in SCHEMA["kpis"])
KPI_UNITS: tuple[str, ...] = tuple(k["unit"] for k in SCHEMA["kpis"])
NUM_SLICES, NUM_KPIS = len(SLICE_NAMES), len(KPI_NAMES)
KPI_INDEX: dict[str, int] = {name: k for k, name in enumerate(KPI_NAMES)}  # name -> position in a [.., kpi] table

_JSON_TYPES = {
    "string": lambda v: isinstance(v, str),
    # 64-bit signed, as the simulator's decoder reads integers
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool) and -(2**63) <= v < 2**63,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def encode(message_type: str, **fields: Any) -> bytes:
    if message_type not in SCHEMA["messages"]:
        raise ValueError(f"unknown message type {message_type!r}")
    # Callers send finite numbers only (shares are projected onto the simplex, scenarios are validated).
    frame = orjson.dumps({"protocol": PROTOCOL, "version": VERSION, "type": message_type, **fields})
    if len(frame) > MAX_FRAME_BYTES:
        raise ProtocolError(f"{message_type!r} frame of {len(frame)} bytes exceeds {MAX_FRAME_BYTES}")
    return frame


def decode(frame: bytes) -> dict[str, Any]:
    """Parses and validates one frame; returns the message with a known "type" and all its schema fields."""
    if len(frame) > MAX_FRAME_BYTES:
        raise ProtocolError(f"frame of {len(frame)} bytes exceeds the limit of {MAX_FRAME_BYTES}")
    try:
        # orjson, like the simulator's decoder, rejects invalid UTF-8, lone surrogates, NaN/Infinity and numbers
        # that overflow a double; integers beyond 64 bits become floats (so they fail "integer"), as there.
        message = orjson.loads(frame)
    except orjson.JSONDecodeError as e:
        raise ProtocolError(f"frame is not valid JSON: {e}") from None
    if not isinstance(message, dict):
        raise ProtocolError("frame is not a JSON object")
    if message.get("protocol") != PROTOCOL:
        raise ProtocolError(f"frame does not declare protocol {PROTOCOL!r}")
    version = message.get("version")
    if not _JSON_TYPES["integer"](version):
        raise ProtocolError('frame has no integer "version"')
    if version != VERSION:
        raise VersionMismatch(
            f"simulator speaks protocol version {version}, this agent speaks {VERSION}: "
            "rebuild the simulator from the same checkout (scripts/setup.sh)"
        )
    message_type = message.get("type")
    if not isinstance(message_type, str) or message_type not in SCHEMA["messages"]:
        raise ProtocolError(f"frame has no known type (got {message_type!r})")
    for name, json_type in SCHEMA["messages"][message_type]["fields"].items():
        if name not in message:
            raise ProtocolError(f"{message_type!r} message lacks field {name!r}")
        if not _JSON_TYPES[json_type](message[name]):
            raise ProtocolError(f"field {name!r} of {message_type!r} must be {json_type}")
    return message
