// The simulator's ZeroMQ socket: a REQ socket that connects to the agent's REP socket.
// Every receive has a timeout; a silent agent is a PeerTimeout, never a hang.
#ifndef PAMRL_BRIDGE_CLIENT_H
#define PAMRL_BRIDGE_CLIENT_H

#include "frame-codec.h"

#include <zmq.hpp>

#include <chrono>
#include <string>

namespace pamrl
{

class BridgeClient
{
  public:
    /// Connects to the agent at endpoint (ipc://PATH or tcp://HOST:PORT; no default host).
    BridgeClient(const std::string& endpoint, std::chrono::milliseconds timeout);

    /// Sends one message and returns the agent's validated answer. An "error" answer is thrown as PeerError.
    Json Request(const std::string& type, Json fields = Json::object());

    /// Tells the agent why the simulator gives up; does not wait for an answer.
    void SendError(const std::string& message) noexcept;

    const std::string& Endpoint() const
    {
        return m_endpoint;
    }

  private:
    std::string m_endpoint;
    std::chrono::milliseconds m_timeout;
    zmq::context_t m_context;
    zmq::socket_t m_socket;
    bool m_awaitingReply{false};
};

} // namespace pamrl

#endif
