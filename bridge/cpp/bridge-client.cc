#include "bridge-client.h"

namespace pamrl
{

BridgeClient::BridgeClient(const std::string& endpoint, std::chrono::milliseconds timeout)
    : m_endpoint(endpoint),
      m_timeout(timeout),
      m_context(1),
      m_socket(m_context, zmq::socket_type::req)
{
    // Linger 0: a dead agent must not keep the simulator alive at exit with unsent frames.
    m_socket.set(zmq::sockopt::linger, 0);
    m_socket.set(zmq::sockopt::rcvtimeo, static_cast<int>(timeout.count()));
    m_socket.set(zmq::sockopt::sndtimeo, static_cast<int>(timeout.count()));
    m_socket.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(ProtocolSchema::Get().maxFrameBytes));
    // REQ_RELAXED lets SendError go out even while an answer is still owed (the peer may be gone).
    m_socket.set(zmq::sockopt::req_relaxed, 1);
    m_socket.set(zmq::sockopt::req_correlate, 1);
    try
    {
        m_socket.connect(endpoint);
    }
    catch (const zmq::error_t& e)
    {
        throw BridgeError("cannot connect to agent endpoint \"" + endpoint + "\": " + e.what() +
                          " (expected ipc://PATH or tcp://HOST:PORT)");
    }
}

Json
BridgeClient::Request(const std::string& type, Json fields)
{
    std::string frame = EncodeFrame(type, std::move(fields));
    auto sent = m_socket.send(zmq::buffer(frame), zmq::send_flags::none);
    if (!sent)
    {
        throw PeerTimeout("agent at " + m_endpoint + " did not take a \"" + type + "\" message within " +
                          std::to_string(m_timeout.count()) + " ms");
    }
    m_awaitingReply = true;
    zmq::message_t reply;
    auto received = m_socket.recv(reply, zmq::recv_flags::none);
    if (!received)
    {
        throw PeerTimeout("agent at " + m_endpoint + " did not answer \"" + type + "\" within " +
                          std::to_string(m_timeout.count()) + " ms: it stopped or is stalled");
    }
    m_awaitingReply = false;
    Json message = DecodeFrame(std::string_view(static_cast<const char*>(reply.data()), reply.size()));
    if (message.at("type") == "error")
    {
        throw PeerError("agent reported an error: " + message.at("message").get<std::string>());
    }
    return message;
}

void
BridgeClient::SendError(const std::string& message) noexcept
{
    try
    {
        std::string frame = EncodeFrame("error", Json{{"message", message}});
        (void)m_socket.send(zmq::buffer(frame), zmq::send_flags::dontwait);
    }
    catch (...)
    {
        // Best effort only: the agent may be the reason we are failing.
    }
}

} // namespace pamrl
