"""The agent's ZeroMQ socket: a REP socket that binds and answers the simulator's requests.

Every receive has a deadline; while waiting it polls in short slices and asks `liveness` (if given) whether the
simulator process is still there, so a killed simulator is reported at once rather than at the timeout.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import zmq

from pamrl.bridge import protocol
from pamrl.bridge.errors import PeerTimeout, ProtocolError

_POLL_SLICE_MS = 50


class AgentEndpoint:
    def __init__(self, endpoint: str, timeout_s: float) -> None:
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        self._context = zmq.Context.instance()
        self._socket = self._context.socket(zmq.REP)
        self._socket.setsockopt(zmq.LINGER, 0)
        self._socket.setsockopt(zmq.MAXMSGSIZE, protocol.MAX_FRAME_BYTES)
        try:
            self._socket.bind(endpoint)
        except zmq.ZMQError as e:
            self._socket.close()
            raise ValueError(f"cannot bind {endpoint!r}: {e} (expected ipc://PATH or tcp://ADDR:PORT)") from None
        self.owes_reply = False

    def receive(
        self,
        expected: tuple[str, ...],
        timeout_s: float | None = None,
        liveness: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        """Waits for the next request; returns it if its type is one of `expected`.

        A malformed or unexpected frame is answered with an "error" frame (the simulator then exits) and raised.
        """
        deadline = time.monotonic() + (self.timeout_s if timeout_s is None else timeout_s)
        while not self._socket.poll(_POLL_SLICE_MS, zmq.POLLIN):
            if liveness is not None:
                liveness()
            if time.monotonic() > deadline:
                raise PeerTimeout(
                    f"no message from the simulator on {self.endpoint} within "
                    f"{self.timeout_s if timeout_s is None else timeout_s:.1f} s (expected {'/'.join(expected)})"
                )
        frame = self._socket.recv(copy=True)
        self.owes_reply = True
        try:
            message = protocol.decode(frame)
        except ProtocolError as e:
            self.reply("error", message=str(e))
            raise
        if message["type"] == "error":
            self.reply("stop", reason="simulator reported an error")
            raise ProtocolError(f"simulator reported an error: {message['message']}")
        if message["type"] not in expected:
            error = f"expected {'/'.join(expected)} from the simulator, got {message['type']!r}"
            self.reply("error", message=error)
            raise ProtocolError(error)
        return message

    def poll(self) -> bool:
        """True if a request is waiting (receive() would not block)."""
        return bool(self._socket.poll(0, zmq.POLLIN))

    def reply(self, message_type: str, **fields: Any) -> None:
        if not self.owes_reply:
            raise ProtocolError(f"cannot send {message_type!r}: no request is waiting for an answer")
        self._socket.send(protocol.encode(message_type, **fields), copy=True)
        self.owes_reply = False

    def send_raw(self, frame: bytes) -> None:
        """Answers with an arbitrary frame (tests inject malformed frames into the simulator's decoder)."""
        self._socket.send(frame)
        self.owes_reply = False

    def close(self) -> None:
        self._socket.close(linger=0)
        if self.endpoint.startswith("ipc://"):
            try:
                os.unlink(self.endpoint[len("ipc://") :])
            except FileNotFoundError:
                pass
