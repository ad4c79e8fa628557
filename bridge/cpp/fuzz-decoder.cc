// Fuzz harness for the simulator's frame decoder. Reads frames from stdin, each prefixed by its length as a
// 4-byte little-endian integer, decodes each and prints one summary line: "ok=N protocol_error=N version_mismatch=N".
// Any other exception, a crash or a hang is a failure of the decoder (the test runs this under a timeout).
#include "frame-codec.h"

#include <cstdint>
#include <iostream>
#include <string>

int
main()
{
    std::ios::sync_with_stdio(false);
    uint64_t ok = 0;
    uint64_t protocolErrors = 0;
    uint64_t versionMismatches = 0;
    while (true)
    {
        unsigned char len[4];
        if (!std::cin.read(reinterpret_cast<char*>(len), 4))
        {
            break;
        }
        uint32_t n = len[0] | (len[1] << 8) | (len[2] << 16) | (static_cast<uint32_t>(len[3]) << 24);
        std::string frame(n, '\0');
        if (!std::cin.read(frame.data(), n))
        {
            std::cerr << "truncated input\n";
            return 2;
        }
        try
        {
            pamrl::DecodeFrame(frame);
            ++ok;
        }
        catch (const pamrl::VersionMismatch&)
        {
            ++versionMismatches;
        }
        catch (const pamrl::ProtocolError&)
        {
            ++protocolErrors;
        }
    }
    std::cout << "ok=" << ok << " protocol_error=" << protocolErrors << " version_mismatch=" << versionMismatches
              << "\n";
    return 0;
}
