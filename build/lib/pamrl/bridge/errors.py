"""Typed errors of the bridge. Each message says what was wrong and what to do about it."""


class BridgeError(RuntimeError):
    """Base of every error raised by the bridge."""


class ProtocolError(BridgeError):
    """A frame that is not a message of agent/pamrl/bridge/schema.json, or a message out of order."""


class VersionMismatch(ProtocolError):
    """The simulator speaks another protocol version."""


class PeerTimeout(BridgeError):
    """The simulator did not answer within the receive timeout."""


class SimulatorDied(BridgeError):
    """The simulator process exited before the episode ended."""


class ScenarioError(ValueError):
    """A scenario file with a bad field; raised before any process starts."""
