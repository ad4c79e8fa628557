// The scenario as the simulator receives it: the resolved scenario file (validated on the agent side by
// agent/pamrl/bridge/scenario.py) in JSON. Reading a field that is missing or of the wrong type throws, and
// BridgeEnvironment reports it as a ProtocolError.
#ifndef PAMRL_SCENARIO_CONFIG_H
#define PAMRL_SCENARIO_CONFIG_H

#include "ns3/nstime.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace pamrl
{

/// Milliseconds from the scenario file as an ns-3 Time. (ns3::MilliSeconds(double) would pick the integer
/// overload and silently drop fractions: 12.5 ms would become 12 ms.)
inline ns3::Time
Ms(double ms)
{
    return ns3::Time::FromDouble(ms, ns3::Time::MS);
}

struct TrafficConfig
{
    std::string model;     ///< cbr | poisson | onoff
    double rateMbpsPerUe;  ///< mean offered rate per UE
    uint32_t packetBytes;
    double onMs;
    double offMs;
    /// (start time in s, factor on the mean rate) steps; the factor holds until the next step. Empty: constant.
    std::vector<std::pair<double, double>> loadProfile;
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
    std::string ranBackend; ///< nr | lte
    uint32_t numerology;    ///< nr: subcarrier spacing 15 kHz x 2^numerology, slot 1 ms / 2^numerology
    uint32_t rbgSize;       ///< nr: PRBs per RBG (LTE derives it from the bandwidth, TS 36.213)
    std::string nrChannel;  ///< nr: ours | 3gpp-umi | 3gpp-uma
    uint32_t nrStartingMcs; ///< nr: a UE's DL MCS until its first CQI
    std::string nrDuplex;   ///< nr: tdd (one carrier, flexible slots) | fdd (DL and UL carriers, 190 MHz apart)
    std::string nrFddSameSideLinks; ///< nr fdd: skip (gNB-gNB and UE-UE signals not delivered: exact) | deliver
    std::string nrTddCrossLink;     ///< nr tdd: deliver | skip (gNB-gNB and UE-UE signals not delivered: a shortcut)
    bool nrSumOtherCells;           ///< nr, batched channel: undecoded signals of one instant arrive summed (a shortcut)
    bool lteSumOtherCells;          ///< lte, batched channel: the same for LTE
    bool nrSkipUnreadDlData;        ///< nr, our channel: no DL data signal to a UE that will not read it
    bool lteSkipUnreadDlData;       ///< lte, batched channel: the same for LTE
    bool nrUeDataInterferenceOmitsDlCtrl; ///< nr (our patch 0026): a UE's data interference without DL control
    bool nrNeighbourCtrlFrames;     ///< nr, batched channel: other cells' DL control frames without PSS to UEs
    bool nrUeSkipsCtrlInterference; ///< nr (our patch 0027): a UE keeps no control-channel interference
    bool nrSkipUnreadCtrlPsd;       ///< nr, batched channel: UEs get DL control frames without PSS unscaled
    bool lteUeSkipsUnreadCtrl;      ///< lte (our patch 0030): a UE's unread DL control frames out of its interference
    bool nrUeSkipsUnchangedMib;     ///< nr (our patch 0032): a MIB that changes nothing leaves the UE's PHY alone
    bool nrCheckAllocations;        ///< nr (our patch 0035): the scheduler checks each slot's allocations (an assert)
    double pathLossRefreshMs;       ///< batched channel: a link's propagation loss reused this long (0: exact)
    double nrPssPeriodMs;           ///< nr, batched channel: a cell's PSS at most once per this period (0: every slot)
    uint32_t numDus;
    uint32_t bandwidthRbs;
    double interSiteDistanceM;
    double cellRadiusM;
    double enbTxPowerDbm;
    double ueTxPowerDbm;
    double pathlossExponent;
    bool idealRrc;
    bool cqiFromPdsch;
    bool uplinkPowerControl;
    std::string eventScheduler; ///< map | heap | priority-queue | calendar (ns-3's) | buckets (ours)
    std::string spectrumChannel; ///< batched | multi-model
    bool neighbourCtrlFrames;    ///< other cells' DL control frames in subframes without PSS (batched only)
    int32_t hotspotDu;     ///< DU with more UEs (-1: none)
    double hotspotFactor;  ///< UE-count multiplier of that DU
    bool dataErrorModel;
    bool ctrlErrorModel;
    uint32_t srsPeriodicityMs; ///< 0: the smallest standard value that fits the UEs
    uint32_t ulSinrSamplePeriod;
    uint32_t rlcBufferBytes;
    uint32_t cqiPeriodMs; ///< DL CQI report period of each UE (1: every TTI, ns-3's default)
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

    /// UEs of a slice at a DU (the hotspot DU has hotspotFactor times more, rounded).
    uint32_t UesAt(uint32_t du, uint32_t slice) const;

    static ScenarioConfig FromJson(const nlohmann::json& j);
};

} // namespace pamrl

#endif
