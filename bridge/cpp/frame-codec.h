// Encoding and validation of bridge frames against agent/pamrl/bridge/schema.json (embedded at build time).
// The decoder never trusts the peer: any frame that is not exactly a message of the schema is a ProtocolError
// (or VersionMismatch), never a crash.
#ifndef PAMRL_FRAME_CODEC_H
#define PAMRL_FRAME_CODEC_H

#include "bridge-errors.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace pamrl
{

using Json = nlohmann::json;

/// The schema's constants, read once from the embedded copy of agent/pamrl/bridge/schema.json.
struct ProtocolSchema
{
    std::string protocol;
    int64_t version;
    size_t maxFrameBytes;
    Json messages;
    Json kpis; ///< [{name, unit, definition}] in the order of each [du][slice] KPI vector

    static const ProtocolSchema& Get();
};

/// Builds a frame: the schema header (protocol, version, type) plus the given fields.
std::string EncodeFrame(const std::string& type, Json fields = Json::object());

/// Parses and validates one frame. Returns the message object; its "type" is one of the schema's types and
/// every field the schema lists is present with the listed JSON type.
Json DecodeFrame(std::string_view frame);

} // namespace pamrl

#endif
