// Typed errors of the simulator end of the bridge. Each says what was wrong and what to do.
#ifndef PAMRL_BRIDGE_ERRORS_H
#define PAMRL_BRIDGE_ERRORS_H

#include <stdexcept>
#include <string>

namespace pamrl
{

/// Base of every bridge error; the scenario's main() catches it, prints it and exits non-zero.
class BridgeError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/// A frame that is not a valid message of the schema (bad JSON, missing field, wrong type, too large).
class ProtocolError : public BridgeError
{
  public:
    using BridgeError::BridgeError;
};

/// The peer speaks another protocol version.
class VersionMismatch : public BridgeError
{
  public:
    using BridgeError::BridgeError;
};

/// No answer from the peer within the receive timeout: the agent is gone or stalled.
class PeerTimeout : public BridgeError
{
  public:
    using BridgeError::BridgeError;
};

/// The peer reported an error or asked for something the scenario cannot do.
class PeerError : public BridgeError
{
  public:
    using BridgeError::BridgeError;
};

/// Not a failure: the agent answered "hello" with "stop" because it needs no more episodes.
class AgentFinished : public BridgeError
{
  public:
    using BridgeError::BridgeError;
};

} // namespace pamrl

#endif
