// The carrier, where DUs and UEs are and how UEs move: the same for every RAN backend (so that LTE and NR runs
// of one scenario and seed place and move the same UEs on the same path loss).
//
// num_dus DUs on a hexagonal grid with the configured inter-site distance, antennas at 30 m; each DU serves its
// own UEs, which start uniformly in a disc of cell_radius_m around it, at 1.5 m, and stay in that cell's square
// (no handover).
#ifndef PAMRL_RAN_TOPOLOGY_H
#define PAMRL_RAN_TOPOLOGY_H

#include "scenario-config.h"
#include "slice-kpi-collector.h"

#include "ns3/net-device.h"
#include "ns3/node-container.h"
#include "ns3/packet.h"
#include "ns3/vector.h"

#include <functional>

#include <vector>

namespace pamrl
{

/// The DL carrier of both backends (LTE's EARFCN 100, band 1), so that path loss and Doppler are the same on both.
constexpr double kCarrierHz = 2120e6;
/// Free-space loss at 1 m for that carrier: the reference of the log-distance path loss.
double ReferenceLossDb();

/// Fixed stream numbers keep each model's randomness independent of the others' draw counts.
constexpr int64_t kStreamRan = 1000;
constexpr int64_t kStreamMobility = 2000;
constexpr int64_t kStreamFading = 3000;
constexpr int64_t kStreamTraffic = 10000;

ns3::Vector DuPosition(uint32_t du, uint32_t numDus, double isd);

/// The UEs of a scenario in a fixed order (DU by DU, slice by slice): the DU and slice of each.
struct UeLayout
{
    std::vector<uint32_t> du;
    std::vector<uint32_t> slice;

    explicit UeLayout(const ScenarioConfig& config);
    uint32_t Size() const
    {
        return du.size();
    }
};

void InstallDuMobility(const ns3::NodeContainer& duNodes, const ScenarioConfig& config);
void InstallUeMobility(const ns3::NodeContainer& ueNodes, const UeLayout& layout, const ScenarioConfig& config);

/// UE `ue`'s downlink traffic: a SliceTrafficSource on its DU's node with its slice's arrival process and load
/// profile, starting half-way through the warm-up, each packet reported to `collector`. `ready` and `send` are
/// the backend's way into its RAN (SliceTrafficSource::SetIngress).
void InstallUeTraffic(uint32_t ue,
                      const ScenarioConfig& config,
                      const UeLayout& layout,
                      ns3::Ptr<ns3::Node> duNode,
                      ns3::Ptr<ns3::SliceKpiCollector> collector,
                      std::function<bool()> ready,
                      std::function<void(ns3::Ptr<ns3::Packet>)> send);

/// The other end of that traffic: packets arriving at UE `ue`'s device are reported to `collector` (the device's
/// receive callback replaces an IP stack).
void EndUeTrafficAt(ns3::Ptr<ns3::NetDevice> ueDevice, uint32_t ue, ns3::Ptr<ns3::SliceKpiCollector> collector);

} // namespace pamrl

#endif
