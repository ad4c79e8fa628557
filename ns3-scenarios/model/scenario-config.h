// The scenario as the simulator receives it: the resolved scenario file (validated on the agent side by
// bridge/python/scenario.py) in JSON. Reading a field that is missing or of the wrong type throws, and
// BridgeEnvironment reports it as a ProtocolError.
#ifndef PAMRL_SCENARIO_CONFIG_H
#define PAMRL_SCENARIO_CONFIG_H

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace pamrl
{

struct TrafficConfig
{
    std::string model;     ///< cbr | poisson | onoff
    double rateMbpsPerUe;  ///< mean offered rate per UE
    uint32_t packetBytes;
    double onMs;
    double offMs;
};

struct SliceConfig
{
    std::string name;
    uint32_t uesPerDu;
    TrafficConfig traffic;
};

struct ScenarioConfig
{
    std::string name;
    // RAN
    uint32_t numDus;
    uint32_t bandwidthRbs;
    double interSiteDistanceM;
    double cellRadiusM;
    double enbTxPowerDbm;
    double ueTxPowerDbm;
    double pathlossExponent;
    bool idealRrc;
    bool phyErrorModel;
    uint32_t rlcBufferBytes;
    // control loop
    double periodMs;
    uint32_t episodeSteps;
    double warmupMs;
    std::vector<double> initialShares;
    // slices, in the order eMBB, URLLC, mMTC
    std::vector<SliceConfig> slices;
    // mobility
    std::string mobilityModel; ///< static | random-walk | random-waypoint | gauss-markov
    double speedMinMps;
    double speedMaxMps;
    double pauseS;
    // fading
    std::string fadingModel; ///< correlated-rayleigh | none
    std::string fadingProfile;
    double dopplerHz;

    static ScenarioConfig FromJson(const nlohmann::json& j);
};

} // namespace pamrl

#endif
