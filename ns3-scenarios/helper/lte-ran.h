// The RAN on ns-3's LTE module (`ran.backend: lte`): helper set-up, scheduler and slicing hook
// (model/lte-slice-rbg-allocator), trace wiring. num_dus eNBs on one carrier (full inter-cell interference),
// placed by ran-topology; PF scheduling inside each slice's RBG block; 1 ms TTIs.
#ifndef PAMRL_LTE_RAN_H
#define PAMRL_LTE_RAN_H

#include "lte-slice-rbg-allocator.h"
#include "ran-topology.h"
#include "ran.h"

#include "ns3/lte-amc.h"
#include "ns3/lte-common.h"
#include "ns3/lte-helper.h"
#include "ns3/net-device-container.h"
#include "ns3/node-container.h"

#include <vector>

namespace pamrl
{

class LteRan : public Ran
{
  public:
    /// Builds the RAN; every random stream derives from ns-3's RngRun (set by the caller).
    explicit LteRan(const ScenarioConfig& config);

    void ApplyShares(uint32_t du, const std::vector<double>& shares) override;

    ns3::Ptr<ns3::SliceKpiCollector> Collector() const override
    {
        return m_collector;
    }

    uint32_t RbgsPerDu() const override;
    uint32_t RbgSize() const override;

  private:
    /// LTE's MAC trace gives MCS and TB size, not PRBs: the smallest PRB count whose TB holds it.
    uint32_t PrbsOfTransportBlock(uint8_t mcs, uint16_t bytes);
    void InstallDevices();
    void InstallTraffic();
    void ConnectTraces();

    static void OnConnectionEstablished(LteRan* ran, uint32_t du, uint64_t imsi, uint16_t cellId, uint16_t rnti);

    const ScenarioConfig& m_config;
    UeLayout m_layout;
    ns3::Ptr<ns3::LteHelper> m_lte;
    ns3::NodeContainer m_enbNodes;
    ns3::NodeContainer m_ueNodes;
    ns3::NetDeviceContainer m_enbDevs;
    ns3::NetDeviceContainer m_ueDevs;
    std::vector<ns3::Ptr<ns3::SliceRbgAllocator>> m_allocators;
    ns3::Ptr<ns3::SliceKpiCollector> m_collector;
    std::map<uint64_t, uint32_t> m_imsiToUe;
    ns3::Ptr<ns3::LteAmc> m_amc;
    std::map<std::pair<uint8_t, uint16_t>, uint32_t> m_prbCache; ///< (mcs, TB bytes) -> PRBs
};

} // namespace pamrl

#endif
