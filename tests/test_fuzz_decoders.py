"""Thousands of random and mutated frames into both ends' decoders: each is a message or a typed error; neither
decoder crashes or hangs."""

import json
import random
import struct
import subprocess

from pamrl.bridge import protocol
from pamrl.bridge.errors import ProtocolError
from pamrl.bridge.simulator import find_simulator_binary

N_FRAMES = 6000


def valid_frames():
    return [
        protocol.encode("hello", simulator="x"),
        protocol.encode("setup", scenario={"a": 1}, seed=3),
        protocol.encode("ack"),
        protocol.encode("act", shares=[[0.2, 0.3, 0.5]]),
        protocol.encode("obs", step=1, time_s=0.1, final=False, kpis=[[[1.0, 2.0]]]),
        protocol.encode("stop", reason="done"),
        protocol.encode("error", message="boom"),
    ]


def mutate(frame: bytes, rng: random.Random) -> bytes:
    b = bytearray(frame)
    for _ in range(rng.randint(1, 6)):
        op = rng.random()
        pos = rng.randrange(len(b) + 1)
        if op < 0.3 and b:
            b[min(pos, len(b) - 1)] = rng.randrange(256)
        elif op < 0.5:
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op < 0.7 and b:
            del b[pos : pos + rng.randint(1, 8)]
        elif op < 0.85:
            b[pos:pos] = rng.choice([b"{", b"[", b'"', b"\\u", b"1e999", b"NaN", b"\x00", b"\xc3\x28", b"[" * 200])
        else:
            b = b[:pos]
    return bytes(b)


def field_swaps(rng: random.Random) -> bytes:
    """Structurally valid JSON with wrong types, versions or protocols."""
    msg = json.loads(rng.choice(valid_frames()))
    key = rng.choice(list(msg))
    msg[key] = rng.choice([None, True, 0, -1, 1.5, "", [], {}, "x" * 50, 2**70])
    return json.dumps(msg).encode()


def fuzz_corpus(seed=1234):
    rng = random.Random(seed)
    frames = []
    for i in range(N_FRAMES):
        kind = i % 4
        if kind == 0:
            frames.append(bytes(rng.randrange(256) for _ in range(rng.randint(0, 300))))
        elif kind == 1:
            frames.append(field_swaps(rng))
        else:
            frames.append(mutate(rng.choice(valid_frames()), rng))
    frames += [b"[" * 100000, b"{" * 50000, b'"' + b"a" * 2_000_000 + b'"']  # deep nesting, over the size cap
    return frames


def test_python_decoder_gives_message_or_typed_error():
    ok = errors = 0
    for frame in fuzz_corpus():
        try:
            message = protocol.decode(frame)
            assert message["type"] in protocol.SCHEMA["messages"]
            ok += 1
        except ProtocolError:
            errors += 1
    assert ok + errors == N_FRAMES + 3
    assert errors > N_FRAMES // 2 and ok > 0


def test_cpp_decoder_gives_message_or_typed_error():
    harness = find_simulator_binary().parent / "pamrl-fuzz-decoder"
    corpus = fuzz_corpus()
    stdin = b"".join(struct.pack("<I", len(f)) + f for f in corpus)
    result = subprocess.run([str(harness)], input=stdin, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    counts = dict(kv.split("=") for kv in result.stdout.decode().split())
    assert sum(int(v) for v in counts.values()) == len(corpus)
    assert int(counts["protocol_error"]) > N_FRAMES // 2
    # Both decoders accept exactly the same frames.
    python_ok = 0
    for frame in corpus:
        try:
            protocol.decode(frame)
            python_ok += 1
        except ProtocolError:
            pass
    assert int(counts["ok"]) == python_ok
