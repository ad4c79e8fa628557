// Everything specific to ns-3's LTE module lives here and in slice-rbg-allocator.*: helper set-up, scheduler and
// slicing hook, trace wiring. A port to 5G-LENA's NR module replaces these two files; the environment, the KPI
// collector, the traffic sources and the fading model do not change.
//
// Topology: num_dus eNBs on one carrier (full inter-cell interference) on a hexagonal grid with the configured
// inter-site distance; each DU serves its own UEs, which stay within cell_radius_m of it (no handover).
#ifndef PAMRL_LTE_RAN_H
#define PAMRL_LTE_RAN_H

#include "scenario-config.h"
#include "slice-kpi-collector.h"
#include "slice-rbg-allocator.h"
#include "slice-traffic-source.h"

#include "ns3/lte-helper.h"
#include "ns3/net-device-container.h"
#include "ns3/node-container.h"

#include <vector>

namespace pamrl
{

class LteRan
{
  public:
    /// Builds the RAN; every random stream derives from ns-3's RngRun (set by the caller).
    explicit LteRan(const ScenarioConfig& config);

    /// Applies per-slice shares to one DU from now on and records the resulting PRBs per slice.
    void ApplyShares(uint32_t du, const std::vector<double>& shares);

    ns3::Ptr<ns3::SliceKpiCollector> Collector() const
    {
        return m_collector;
    }

    uint32_t RbgsPerDu() const;
    uint32_t RbgSize() const;

  private:
    void BuildNodes();
    void InstallMobility();
    void InstallDevices();
    void InstallTraffic();
    void ConnectTraces();

    static void OnConnectionEstablished(LteRan* ran, uint32_t du, uint64_t imsi, uint16_t cellId, uint16_t rnti);

    const ScenarioConfig& m_config;
    ns3::Ptr<ns3::LteHelper> m_lte;
    ns3::NodeContainer m_enbNodes;
    ns3::NodeContainer m_ueNodes;
    ns3::NetDeviceContainer m_enbDevs;
    ns3::NetDeviceContainer m_ueDevs;
    std::vector<uint32_t> m_ueDu;    ///< DU of each UE
    std::vector<uint32_t> m_ueSlice; ///< slice of each UE
    std::vector<ns3::Ptr<ns3::SliceRbgAllocator>> m_allocators;
    ns3::Ptr<ns3::SliceKpiCollector> m_collector;
    std::map<uint64_t, uint32_t> m_imsiToUe;
};

} // namespace pamrl

#endif
