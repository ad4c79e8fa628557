#include "nr-ran.h"

#include "batched-spectrum-channel.h"
#include "correlated-rayleigh-fading.h"
#include "same-side-transmit-filter.h"
#include "slice-rbg-split.h"

#include "ns3/bwp-manager-gnb.h"
#include "ns3/bwp-manager-ue.h"
#include "ns3/cc-bwp-helper.h"
#include "ns3/config.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/boolean.h"
#include "ns3/propagation-loss-model.h"
#include "ns3/multi-model-spectrum-channel.h"
#include "ns3/nr-channel-helper.h"
#include "ns3/nr-eps-bearer-tag.h"
#include "ns3/nr-gnb-mac.h"
#include "ns3/nr-gnb-net-device.h"
#include "ns3/nr-gnb-phy.h"
#include "ns3/nr-gnb-rrc.h"
#include "ns3/nr-mac-scheduler-ns3.h"
#include "ns3/nr-ue-net-device.h"
#include "ns3/nr-ue-phy.h"
#include "ns3/nr-ue-power-control.h"
#include "ns3/nr-ue-rrc.h"
#include "ns3/pointer.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

#include <cmath>
#include <functional>

using namespace ns3;

namespace pamrl
{

namespace
{
/// nr's default guard overhead; the carrier is sized around it.
constexpr double kRbOverhead = 0.1;
// FDD: the UL carrier sits this far below the DL carrier (LTE/NR band 1: DL 2110-2170, UL 1920-1980 MHz).
constexpr double kFddDuplexHz = 190e6;
} // namespace

double
NrRan::BandwidthHz(uint32_t rbs, uint32_t numerology)
{
    // nr counts floor(BW (1 - overhead) / (12 SCS)) PRBs; half a PRB of margin keeps the floor on `rbs`.
    double scs = 15e3 * std::pow(2.0, numerology);
    return (rbs + 0.5) * 12 * scs / (1 - kRbOverhead);
}

NrRan::NrRan(const ScenarioConfig& config)
    : m_config(config),
      m_layout(config)
{
    Config::SetDefault("ns3::NrGnbRrc::EpsBearerToRlcMapping", EnumValue(NrGnbRrc::RLC_UM_ALWAYS));
    Config::SetDefault("ns3::NrRlcUm::MaxTxBufferSize", UintegerValue(config.rlcBufferBytes));
    Config::SetDefault("ns3::NrHelper::UseIdealRrc", BooleanValue(config.idealRrc));
    // nr's HARQ scheduler, by default, places several OFDMA retransmissions of one slot on the same symbols but
    // counts their symbols one after the other, so its slot bookkeeping disagrees with the PHY's and nr's own
    // assert (NrGnbPhy::GenerateAllocationStatistics) stops the run at the first slot with two retransmissions;
    // our build keeps asserts on. Consolidation reshapes each retransmission into the slot's free resources and
    // keeps the two in step.
    Config::SetDefault("ns3::NrMacSchedulerHarqRr::ConsolidateHarqRetx", BooleanValue(true));
    // A UE's MCS before its first CQI (nr's default 0 can starve a UE for good: ran.nr_starting_mcs in
    // agent/pamrl/bridge/scenario.py says why).
    Config::SetDefault("ns3::NrMacSchedulerNs3::StartingMcsDl", UintegerValue(config.nrStartingMcs));
    // ran.nr_ue_data_interference_omits_dl_ctrl: an attribute of our nr patch 0026; nr without it (built without
    // our patch series) has none to set, and runs as with the setting off.
    TypeId::AttributeInformation omitsDlCtrl;
    if (NrSpectrumPhy::GetTypeId().LookupAttributeByName("UeDataInterferenceOmitsDlCtrl", &omitsDlCtrl))
    {
        Config::SetDefault("ns3::NrSpectrumPhy::UeDataInterferenceOmitsDlCtrl",
                           BooleanValue(config.nrUeDataInterferenceOmitsDlCtrl));
    }
    // ran.nr_ue_skips_ctrl_interference: likewise, patch 0027.
    TypeId::AttributeInformation skipsCtrl;
    if (NrSpectrumPhy::GetTypeId().LookupAttributeByName("UeSkipsCtrlInterference", &skipsCtrl))
    {
        Config::SetDefault("ns3::NrSpectrumPhy::UeSkipsCtrlInterference",
                           BooleanValue(config.nrUeSkipsCtrlInterference));
    }
    // ran.nr_ue_skips_unchanged_mib: likewise, patch 0032 (the attribute says the opposite: reconfigure always).
    TypeId::AttributeInformation everyMib;
    if (NrUeRrc::GetTypeId().LookupAttributeByName("ReconfigurePhyOnEveryMib", &everyMib))
    {
        Config::SetDefault("ns3::NrUeRrc::ReconfigurePhyOnEveryMib", BooleanValue(!config.nrUeSkipsUnchangedMib));
    }
    // ran.nr_check_allocations: likewise, patch 0035.
    TypeId::AttributeInformation checkAllocations;
    if (NrMacSchedulerNs3::GetTypeId().LookupAttributeByName("CheckAllocations", &checkAllocations))
    {
        Config::SetDefault("ns3::NrMacSchedulerNs3::CheckAllocations", BooleanValue(config.nrCheckAllocations));
    }

    m_collector = Create<SliceKpiCollector>(config.numDus,
                                            config.slices.size(),
                                            config.bandwidthRbs,
                                            1.0 / std::pow(2.0, config.numerology));
    m_gnbNodes.Create(config.numDus);
    m_ueNodes.Create(m_layout.Size());
    InstallDuMobility(m_gnbNodes, config);
    InstallUeMobility(m_ueNodes, m_layout, config);
    InstallDevices();
    InstallTraffic();
    ConnectTraces();
    for (uint32_t du = 0; du < config.numDus; ++du)
    {
        ApplyShares(du, config.initialShares);
    }
}

Ptr<SpectrumChannel>
NrRan::MakeChannel(int64_t fadingStream) const
{
    if (m_config.nrChannel != "ours")
    {
        // nr's TR 38.901 channel: path loss, LOS/NLOS condition and fast fading of the 3GPP model.
        Ptr<NrChannelHelper> channelHelper = CreateObject<NrChannelHelper>();
        channelHelper->ConfigureFactories(m_config.nrChannel == "3gpp-umi" ? "UMi" : "UMa", "Default", "ThreeGpp");
        return channelHelper->CreateChannel();
    }
    Ptr<SpectrumChannel> channel =
        m_config.spectrumChannel == "batched" ? Ptr<SpectrumChannel>(CreateObject<BatchedSpectrumChannel>())
                                              : Ptr<SpectrumChannel>(CreateObject<MultiModelSpectrumChannel>());
    if (m_config.spectrumChannel == "batched")
    {
        channel->SetAttribute("SumOtherCells", BooleanValue(m_config.nrSumOtherCells));
        channel->SetAttribute("SkipUnreadDlData", BooleanValue(m_config.nrSkipUnreadDlData));
        channel->SetAttribute("PathLossRefresh", TimeValue(MilliSeconds(m_config.pathLossRefreshMs)));
        channel->SetAttribute("NrPssPeriod", TimeValue(MilliSeconds(m_config.nrPssPeriodMs)));
        channel->SetAttribute("NrNeighbourCtrlFrames", BooleanValue(m_config.nrNeighbourCtrlFrames));
        // ran.nr_skip_unread_ctrl_psd is exact only where UEs read nothing of such a frame's psd: with both UE
        // settings on (the scenario requires them; checked again here, as a config may come unvalidated) and nr's
        // attributes of our patches 0026 and 0027 to carry them. Otherwise a UE would read the transmitted psd (a
        // data interference with control frames in it then added and subtracted a power ~100 dB too high, which
        // moved KPIs by 1e-4), and the setting is ignored.
        TypeId::AttributeInformation info;
        const TypeId nrPhy = NrSpectrumPhy::GetTypeId();
        const bool uesReadNoCtrlPsd = m_config.nrUeDataInterferenceOmitsDlCtrl && m_config.nrUeSkipsCtrlInterference &&
                                      nrPhy.LookupAttributeByName("UeDataInterferenceOmitsDlCtrl", &info) &&
                                      nrPhy.LookupAttributeByName("UeSkipsCtrlInterference", &info);
        channel->SetAttribute("NrSkipUnreadCtrlPsd", BooleanValue(m_config.nrSkipUnreadCtrlPsd && uesReadNoCtrlPsd));
    }
    Ptr<LogDistancePropagationLossModel> pathloss = CreateObject<LogDistancePropagationLossModel>();
    pathloss->SetAttribute("Exponent", DoubleValue(m_config.pathlossExponent));
    pathloss->SetAttribute("ReferenceLoss", DoubleValue(ReferenceLossDb()));
    channel->AddPropagationLossModel(pathloss);
    if (m_config.fadingModel == "correlated-rayleigh")
    {
        Ptr<CorrelatedRayleighFading> fading = CreateObject<CorrelatedRayleighFading>();
        fading->SetAttribute("DopplerHz", DoubleValue(m_config.dopplerHz));
        fading->SetAttribute("DelayProfile", StringValue(m_config.fadingProfile));
        // Where the same-side filter may skip links, a link's fading must not depend on which links it skipped (see
        // the filter): always on FDD, so that `deliver` there sees the same fading as `skip`; on TDD with the shortcut.
        fading->SetAttribute("HashedLinks",
                             BooleanValue(m_config.nrDuplex == "fdd" || m_config.nrTddCrossLink == "skip"));
        fading->AssignStreams(fadingStream);
        channel->AddSpectrumPropagationLossModel(fading);
    }
    return channel;
}

bool
NrRan::SkipsSameSideLinks() const
{
    return m_config.nrDuplex == "fdd" ? m_config.nrFddSameSideLinks == "skip" : m_config.nrTddCrossLink == "skip";
}

void
NrRan::InstallDevices()
{
    m_nr = CreateObject<NrHelper>();

    const bool fdd = m_config.nrDuplex == "fdd";
    CcBwpCreator ccBwpCreator;
    const double bandwidthHz = BandwidthHz(m_config.bandwidthRbs, m_config.numerology);
    // TDD: one band, one BWP. FDD: a DL band and an UL band (kFddDuplexHz below it), one BWP each, on channels of
    // their own: no uplink signal reaches a DL receiver, as on a real paired spectrum.
    std::vector<OperationBandInfo> bands;
    bands.push_back(ccBwpCreator.CreateOperationBandContiguousCc({kCarrierHz, bandwidthHz, 1}));
    if (fdd)
    {
        bands.push_back(ccBwpCreator.CreateOperationBandContiguousCc({kCarrierHz - kFddDuplexHz, bandwidthHz, 1}));
    }
    // FDD carriers carry one direction each: a signal need not reach receivers on its sender's side. On TDD the
    // same filter is a modelling shortcut (nr_tdd_cross_link: skip): it drops cross-link interference.
    Ptr<SameSideTransmitFilter> sameSide = SkipsSameSideLinks() ? CreateObject<SameSideTransmitFilter>() : nullptr;
    for (size_t b = 0; b < bands.size(); ++b)
    {
        Ptr<SpectrumChannel> channel = MakeChannel(kStreamFading + 100 * static_cast<int64_t>(b));
        if (sameSide)
        {
            channel->AddSpectrumTransmitFilter(sameSide);
        }
        bands[b].GetBwpAt(0, 0)->SetChannel(channel);
    }
    std::vector<std::reference_wrapper<OperationBandInfo>> bandRefs(bands.begin(), bands.end());
    BandwidthPartInfoPtrVector bwps = CcBwpCreator::GetAllBwps(bandRefs);
    if (fdd)
    {
        // The UE's uplink (PUCCH, SRS, UL data) goes on BWP 1, its downlink stays on BWP 0.
        Config::SetDefault("ns3::NrUeNetDevice::PrimaryUlIndex", UintegerValue(1));
    }

    m_nr->SetSchedulerTypeId(NrSliceScheduler::GetTypeId());
    m_nr->SetGnbPhyAttribute("Numerology", UintegerValue(m_config.numerology));
    m_nr->SetGnbPhyAttribute("TxPower", DoubleValue(m_config.enbTxPowerDbm));
    m_nr->SetGnbPhyAttribute("RbOverhead", DoubleValue(kRbOverhead));
    m_nr->SetUePhyAttribute("TxPower", DoubleValue(m_config.ueTxPowerDbm));
    // LTE's UE noise figure, so that both backends see the same SNR for the same path.
    m_nr->SetUePhyAttribute("NoiseFigure", DoubleValue(9.0));
    m_nr->SetUePhyAttribute("EnableUplinkPowerControl", BooleanValue(m_config.uplinkPowerControl));
    m_nr->SetGnbMacAttribute("NumRbPerRbg", UintegerValue(m_config.rbgSize));
    // Antennas: nr's default, a 1x1 array of one isotropic element, on gNBs and UEs; no beamforming helper.

    m_gnbDevs = m_nr->InstallGnbDevice(m_gnbNodes, bwps);
    for (uint32_t du = 0; sameSide && du < m_gnbDevs.GetN(); ++du)
    {
        sameSide->AddBaseStation(m_gnbDevs.Get(du));
    }
    m_ueDevs = m_nr->InstallUeDevice(m_ueNodes, bwps);
    m_nr->AssignStreams(m_gnbDevs, kStreamRan);
    m_nr->AssignStreams(m_ueDevs, kStreamRan + 500);
    if (fdd)
    {
        // Both BWPs keep nr's all-flexible pattern (as nr's own FDD example does): the gNB's DL MAC computes HARQ
        // feedback timing from its own BWP's pattern, which an all-DL pattern would leave without UL slots.
        // The gNB's DL MAC hears its UEs' feedback through BWP 1, and a UE's uplink is routed there.
        for (uint32_t du = 0; du < m_gnbDevs.GetN(); ++du)
        {
            NrHelper::GetBwpManagerGnb(m_gnbDevs.Get(du))->SetOutputLink(1, 0);
            // No sounding on the DL carrier: the UL carrier's scheduler asks for SRS, and an SRS on BWP 0
            // would be the one uplink signal on the DL carrier.
            NrHelper::GetScheduler(m_gnbDevs.Get(du), 0)->SetAttribute("EnableSrsInFSlots", BooleanValue(false));
        }
        for (uint32_t ue = 0; ue < m_ueDevs.GetN(); ++ue)
        {
            NrHelper::GetBwpManagerUe(m_ueDevs.Get(ue))->SetOutputLink(0, 1);
            // One power-control state per UE, as nr's FDD example keeps it: the closed-loop commands arrive in
            // DCIs on the DL BWP, the power they set is used on the UL BWP.
            NrHelper::GetUePhy(m_ueDevs.Get(ue), 1)
                ->SetUplinkPowerControl(NrHelper::GetUePhy(m_ueDevs.Get(ue), 0)->GetUplinkPowerControl());
        }
    }

    for (uint32_t du = 0; du < m_config.numDus; ++du)
    {
        Ptr<NrGnbNetDevice> gnb = DynamicCast<NrGnbNetDevice>(m_gnbDevs.Get(du));
        m_schedulers.push_back(DynamicCast<NrSliceScheduler>(gnb->GetScheduler(0)));
        NS_ABORT_MSG_IF(!m_schedulers.back(), "the scheduler of a DU is not an NrSliceScheduler");
    }
    for (uint32_t ue = 0; ue < m_ueDevs.GetN(); ++ue)
    {
        // Without an EPC nr leaves UEs in RLC saturation mode, whose dummy uplink PDUs carry no PDCP header and
        // break the gNB's RLC UM bearer; our bearers are RLC UM on both ends (as on LTE).
        DynamicCast<NrUeNetDevice>(m_ueDevs.Get(ue))->GetRrc()->SetUseRlcSm(false);
        m_nr->AttachToGnb(m_ueDevs.Get(ue), m_gnbDevs.Get(m_layout.du[ue]));
        m_imsiToUe[DynamicCast<NrUeNetDevice>(m_ueDevs.Get(ue))->GetImsi()] = ue;
        m_collector->AddUe(ue, m_layout.du[ue], m_layout.slice[ue]);
    }
    for (uint32_t du = 0; du < m_config.numDus; ++du)
    {
        // The PHY knows its PRBs once the cell is configured (the first attach does it).
        uint32_t rbs = DynamicCast<NrGnbNetDevice>(m_gnbDevs.Get(du))->GetPhy(0)->GetRbNum();
        NS_ABORT_MSG_IF(rbs != m_config.bandwidthRbs,
                        "nr made " << rbs << " PRBs of the carrier, the scenario asks for " << m_config.bandwidthRbs);
    }
    // One DL data bearer per UE, RLC UM; without an EPC it is set up when the UE connects.
    m_nr->ActivateDataRadioBearer(m_ueDevs, NrEpsBearer(NrEpsBearer::NGBR_VIDEO_TCP_DEFAULT));
}

void
NrRan::InstallTraffic()
{
    for (uint32_t ue = 0; ue < m_ueDevs.GetN(); ++ue)
    {
        Ptr<NrGnbNetDevice> gnb = DynamicCast<NrGnbNetDevice>(m_gnbDevs.Get(m_layout.du[ue]));
        Ptr<NrUeRrc> rrc = DynamicCast<NrUeNetDevice>(m_ueDevs.Get(ue))->GetRrc();
        InstallUeTraffic(
            ue, m_config, m_layout, m_gnbNodes.Get(m_layout.du[ue]), m_collector,
            [rrc] { return rrc->GetState() == NrUeRrc::CONNECTED_NORMALLY; },
            [gnb, rrc](Ptr<Packet> packet) {
                packet->AddPacketTag(NrEpsBearerTag(rrc->GetRnti(), 1));
                gnb->Send(packet, Address(), Ipv4L3Protocol::PROT_NUMBER);
            });
    }
}

void
NrRan::ConnectTraces()
{
    for (uint32_t du = 0; du < m_config.numDus; ++du)
    {
        Ptr<NrGnbNetDevice> gnb = DynamicCast<NrGnbNetDevice>(m_gnbDevs.Get(du));
        gnb->GetRrc()->TraceConnectWithoutContext("ConnectionEstablished",
                                                  MakeBoundCallback(&NrRan::OnConnectionEstablished, this, du));
        const uint32_t rbgSize = RbgSize();
        const uint32_t rbs = m_config.bandwidthRbs;
        SliceKpiCollector* collector = PeekPointer(m_collector);
        m_schedulers[du]->SetAllocationCallback([collector, du, rbgSize, rbs](uint16_t rnti, const std::vector<bool>& rbgs) {
            uint32_t prbs = 0;
            for (uint32_t r = 0; r < rbgs.size(); ++r)
            {
                if (rbgs[r])
                {
                    // The last RBG of the carrier may be shorter than the others.
                    prbs += std::min(rbgSize, rbs - std::min(rbs, r * rbgSize));
                }
            }
            collector->OnDlAllocation(du, rnti, prbs);
        });
    }
    for (uint32_t ue = 0; ue < m_ueDevs.GetN(); ++ue)
    {
        Ptr<NrUeNetDevice> dev = DynamicCast<NrUeNetDevice>(m_ueDevs.Get(ue));
        EndUeTrafficAt(dev, ue, m_collector);
        // nr reports the DL SINR of each data reception (linear, averaged over the allocated PRBs); a UE that
        // receives nothing in a period adds no sample (LTE reports from the reference signals every period).
        dev->GetPhy(0)->TraceConnectWithoutContext(
            "DlDataSinr",
            MakeBoundCallback(+[](SliceKpiCollector* c, uint32_t ue, uint16_t, uint16_t, double sinr, uint16_t) {
                c->OnSinr(ue, sinr);
            }, PeekPointer(m_collector), ue));
    }
}

void
NrRan::OnConnectionEstablished(NrRan* ran, uint32_t du, uint64_t imsi, uint16_t, uint16_t rnti)
{
    uint32_t ue = ran->m_imsiToUe.at(imsi);
    ran->m_schedulers[du]->SetUeSlice(rnti, static_cast<uint8_t>(ran->m_layout.slice[ue]));
    ran->m_collector->BindRnti(du, rnti, ue);
}

uint32_t
NrRan::RbgsPerDu() const
{
    // nr schedules whole RBGs only: PRBs past the last whole RBG stay unused (LTE makes a shorter last RBG).
    return m_config.bandwidthRbs / RbgSize();
}

uint32_t
NrRan::RbgSize() const
{
    return m_config.rbgSize;
}

void
NrRan::ApplyShares(uint32_t du, const std::vector<double>& shares)
{
    std::vector<uint32_t> counts = SharesToRbgCounts(shares, RbgsPerDu());
    m_schedulers[du]->SetSliceRbgs(counts);
    m_collector->SetAvailablePrbs(du, PrbsPerSlice(counts, RbgSize(), m_config.bandwidthRbs));
}

} // namespace pamrl
