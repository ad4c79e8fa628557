// The RAN on 5G-LENA's nr module (`ran.backend: nr`, the default).
//
// num_dus gNBs on one carrier (full inter-cell interference), placed by ran-topology, each serving its own UEs;
// no EPC: traffic enters at the gNB's PDCP, bearers are RLC UM. One bandwidth part of `bandwidth_rbs` PRBs at
// numerology `ran.numerology` (slot = 1 ms / 2^numerology), sized so that nr's PHY counts exactly that many
// PRBs after its 10 % guard overhead (NrGnbPhy::RbOverhead); TDD with nr's default all-flexible slot pattern
// (every slot carries DL control, DL data and UL control: for our DL-only traffic this behaves like an FDD DL
// carrier). Isotropic single-element antennas, no beamforming helper.
//
// Channel (`ran.nr_channel`): "ours" is the same as the LTE backend's: log-distance path loss and our
// time-correlated, frequency-selective Rayleigh fading on a spectrum channel we build for the BWP; "3gpp-umi" /
// "3gpp-uma" is nr's TR 38.901 channel through its channel helper. Scheduling: model/nr-slice-scheduler (PF inside
// per-slice RBG blocks of `ran.rbg_size` PRBs).
#ifndef PAMRL_NR_RAN_H
#define PAMRL_NR_RAN_H

#include "nr-slice-scheduler.h"
#include "ran-topology.h"
#include "ran.h"

#include "ns3/net-device-container.h"
#include "ns3/node-container.h"
#include "ns3/nr-epc-helper.h" // nr-helper.h holds a Ptr to it
#include "ns3/nr-helper.h"
#include "ns3/spectrum-channel.h"

#include <map>
#include <vector>

namespace pamrl
{

class NrRan : public Ran
{
  public:
    explicit NrRan(const ScenarioConfig& config);

    void ApplyShares(uint32_t du, const std::vector<double>& shares) override;

    ns3::Ptr<ns3::SliceKpiCollector> Collector() const override
    {
        return m_collector;
    }

    uint32_t RbgsPerDu() const override;
    uint32_t RbgSize() const override;

    ns3::Ptr<ns3::NrSliceScheduler> Scheduler(uint32_t du) const
    {
        return m_schedulers.at(du);
    }

    /// Carrier bandwidth (Hz) that gives `rbs` PRBs at `numerology` after nr's 10 % overhead.
    static double BandwidthHz(uint32_t rbs, uint32_t numerology);

  private:
    void InstallDevices();
    /// A spectrum channel for one band: ours (path loss + correlated fading from `fadingStream`) or nr's 3GPP one.
    ns3::Ptr<ns3::SpectrumChannel> MakeChannel(int64_t fadingStream) const;
    /// Whether gNB-to-gNB and UE-to-UE signals are left out (exact on FDD; a shortcut on TDD).
    bool SkipsSameSideLinks() const;
    void InstallTraffic();
    void ConnectTraces();

    static void OnConnectionEstablished(NrRan* ran, uint32_t du, uint64_t imsi, uint16_t cellId, uint16_t rnti);

    const ScenarioConfig& m_config;
    UeLayout m_layout;
    ns3::Ptr<ns3::NrHelper> m_nr;
    ns3::NodeContainer m_gnbNodes;
    ns3::NodeContainer m_ueNodes;
    ns3::NetDeviceContainer m_gnbDevs;
    ns3::NetDeviceContainer m_ueDevs;
    std::vector<ns3::Ptr<ns3::NrSliceScheduler>> m_schedulers;
    ns3::Ptr<ns3::SliceKpiCollector> m_collector;
    std::map<uint64_t, uint32_t> m_imsiToUe;
};

} // namespace pamrl

#endif
