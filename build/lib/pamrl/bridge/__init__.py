"""The agent end of the pamrl bridge: wire protocol, scenario files, and the PettingZoo environment.

Nothing here imports the agent (`pamrl` proper); the agent imports this.
"""

from pamrl.bridge.errors import (
    BridgeError,
    PeerTimeout,
    ProtocolError,
    ScenarioError,
    SimulatorDied,
    VersionMismatch,
)

__all__ = ["BridgeError", "PeerTimeout", "ProtocolError", "ScenarioError", "SimulatorDied", "VersionMismatch"]
