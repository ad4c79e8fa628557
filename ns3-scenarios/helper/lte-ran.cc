#include "lte-ran.h"

#include "batched-spectrum-channel.h"
#include "correlated-rayleigh-fading.h"
#include "slice-rbg-split.h"

#include "ns3/boolean.h"
#include "ns3/component-carrier-enb.h"
#include "ns3/config.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/lte-enb-mac.h"
#include "ns3/lte-enb-net-device.h"
#include "ns3/lte-enb-rrc.h"
#include "ns3/lte-spectrum-phy.h"
#include "ns3/lte-ue-net-device.h"
#include "ns3/lte-ue-phy.h"
#include "ns3/eps-bearer-tag.h"
#include "ns3/lte-ue-rrc.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

#include <cmath>

using namespace ns3;

namespace pamrl
{

namespace
{
/// A UE's control frames evaluated only when its PHY reads the result (our patch 0028 to ns-3's lte module:
/// exact, see the patch); a template, so that a build against ns-3 without it compiles the other branch.
template <typename SpectrumPhyT, typename UePhyT>
void
EvaluateCtrlFramesOnlyWhenRead(SpectrumPhyT& dlPhy, UePhyT& phy)
{
    if constexpr (requires { dlPhy.SetCtrlInterferenceReadCallbacks(Callback<bool>(), Callback<void>()); })
    {
        dlPhy.SetCtrlInterferenceReadCallbacks(MakeCallback(&UePhyT::ReadsCtrlInterference, &phy),
                                               MakeCallback(&UePhyT::CtrlInterferenceUnread, &phy));
    }
}

/// ran.lte_ue_skips_unread_ctrl_interference: a UE leaves its cell's DL control frame out of its control
/// interference when, at the frame's start, nothing will read its evaluation (our patch 0030, on top of 0028);
/// without the patch, nothing changes.
template <typename SpectrumPhyT, typename UePhyT>
void
SkipUnreadCtrlFrames(SpectrumPhyT& dlPhy, UePhyT& phy)
{
    if constexpr (requires { dlPhy.SetCtrlFrameSkipCallback(Callback<bool, Time, bool>()); })
    {
        dlPhy.SetCtrlFrameSkipCallback(MakeCallback(&UePhyT::ReadsCtrlInterferenceOfFrame, &phy));
    }
}
} // namespace

LteRan::LteRan(const ScenarioConfig& config)
    : m_config(config),
      m_layout(config),
      m_amc(CreateObject<LteAmc>())
{
    uint32_t uesPerDu = 0;
    for (uint32_t du = 0; du < config.numDus; ++du)
    {
        uint32_t here = 0;
        for (uint32_t s = 0; s < config.slices.size(); ++s)
        {
            here += config.UesAt(du, s);
        }
        uesPerDu = std::max(uesPerDu, here);
    }
    // SRS periodicity bounds the UEs a cell can hold; take the smallest standard value that fits.
    uint32_t srs = 40;
    for (uint32_t p : {40u, 80u, 160u, 320u})
    {
        srs = p;
        if (uesPerDu + 5 < p)
        {
            break;
        }
    }
    if (config.srsPeriodicityMs > 0)
    {
        srs = std::max(srs, config.srsPeriodicityMs);
    }
    Config::SetDefault("ns3::LteEnbRrc::SrsPeriodicity", UintegerValue(srs));
    Config::SetDefault("ns3::LteEnbRrc::EpsBearerToRlcMapping", EnumValue(LteEnbRrc::RLC_UM_ALWAYS));
    Config::SetDefault("ns3::LteRlcUm::MaxTxBufferSize", UintegerValue(config.rlcBufferBytes));
    Config::SetDefault("ns3::LteEnbPhy::TxPower", DoubleValue(config.enbTxPowerDbm));
    Config::SetDefault("ns3::LteUePhy::TxPower", DoubleValue(config.ueTxPowerDbm));
    Config::SetDefault("ns3::LteUePhy::RsrpSinrSamplePeriod", UintegerValue(10));
    Config::SetDefault("ns3::LteSpectrumPhy::DataErrorModelEnabled", BooleanValue(config.dataErrorModel));
    Config::SetDefault("ns3::LteSpectrumPhy::CtrlErrorModelEnabled", BooleanValue(config.ctrlErrorModel));
    Config::SetDefault("ns3::LteEnbPhy::UeSinrSamplePeriod", UintegerValue(config.ulSinrSamplePeriod));
    Config::SetDefault("ns3::LteEnbPhy::InterferenceSamplePeriod", UintegerValue(config.ulSinrSamplePeriod));
    Config::SetDefault("ns3::LteHelper::UseIdealRrc", BooleanValue(config.idealRrc));
    Config::SetDefault("ns3::LteHelper::UsePdschForCqiGeneration", BooleanValue(config.cqiFromPdsch));
    Config::SetDefault("ns3::LteUePhy::EnableUplinkPowerControl", BooleanValue(config.uplinkPowerControl));
    // Each CQI report runs the MI error model over every MCS and subband: at 1 ms it was a quarter of the run time.
    Config::SetDefault("ns3::LteUePhy::DownlinkCqiPeriodicity", TimeValue(MilliSeconds(config.cqiPeriodMs)));

    m_collector = Create<SliceKpiCollector>(config.numDus, config.slices.size(), config.bandwidthRbs);
    m_enbNodes.Create(config.numDus);
    m_ueNodes.Create(m_layout.Size());
    InstallDuMobility(m_enbNodes, config);
    InstallUeMobility(m_ueNodes, m_layout, config);
    InstallDevices();
    InstallTraffic();
    ConnectTraces();
    for (uint32_t du = 0; du < config.numDus; ++du)
    {
        ApplyShares(du, config.initialShares);
    }
}

void
LteRan::InstallDevices()
{
    m_lte = CreateObject<LteHelper>();
    m_lte->SetSpectrumChannelType(m_config.spectrumChannel == "batched"
                                      ? BatchedSpectrumChannel::GetTypeId().GetName()
                                      : std::string("ns3::MultiModelSpectrumChannel"));
    if (m_config.spectrumChannel == "batched")
    {
        m_lte->SetSpectrumChannelAttribute("NeighbourCtrlFrames", BooleanValue(m_config.neighbourCtrlFrames));
        m_lte->SetSpectrumChannelAttribute("SumOtherCells", BooleanValue(m_config.lteSumOtherCells));
        m_lte->SetSpectrumChannelAttribute("SkipUnreadDlData", BooleanValue(m_config.lteSkipUnreadDlData));
        // (The channel asks each UE's PHY, which says yes only with the setting above on.)
        m_lte->SetSpectrumChannelAttribute("LteSkipUnreadCtrlPsd", BooleanValue(m_config.lteUeSkipsUnreadCtrl));
        m_lte->SetSpectrumChannelAttribute("PathLossRefresh", TimeValue(MilliSeconds(m_config.pathLossRefreshMs)));
    }
    m_lte->SetAttribute("PathlossModel", StringValue("ns3::LogDistancePropagationLossModel"));
    m_lte->SetPathlossModelAttribute("Exponent", DoubleValue(m_config.pathlossExponent));
    m_lte->SetPathlossModelAttribute("ReferenceLoss", DoubleValue(ReferenceLossDb()));
    // PF asks the FFR hook per UE and per RBG, which is what per-slice RBG blocks need (RR does not ask per UE).
    m_lte->SetSchedulerType("ns3::PfFfMacScheduler");
    m_lte->SetFfrAlgorithmType("ns3::SliceRbgAllocator");
    m_lte->SetEnbDeviceAttribute("DlBandwidth", UintegerValue(m_config.bandwidthRbs));
    m_lte->SetEnbDeviceAttribute("UlBandwidth", UintegerValue(m_config.bandwidthRbs));

    m_enbDevs = m_lte->InstallEnbDevice(m_enbNodes);
    m_ueDevs = m_lte->InstallUeDevice(m_ueNodes);
    for (uint32_t ue = 0; ue < m_ueDevs.GetN(); ++ue)
    {
        Ptr<LteUePhy> phy = DynamicCast<LteUeNetDevice>(m_ueDevs.Get(ue))->GetPhy();
        EvaluateCtrlFramesOnlyWhenRead(*phy->GetDownlinkSpectrumPhy(), *phy);
        if (m_config.lteUeSkipsUnreadCtrl)
        {
            SkipUnreadCtrlFrames(*phy->GetDownlinkSpectrumPhy(), *phy);
        }
    }
    m_lte->AssignStreams(m_enbDevs, kStreamRan);
    m_lte->AssignStreams(m_ueDevs, kStreamRan + 500);

    if (m_config.fadingModel == "correlated-rayleigh")
    {
        Ptr<CorrelatedRayleighFading> fading = CreateObject<CorrelatedRayleighFading>();
        fading->SetAttribute("DopplerHz", DoubleValue(m_config.dopplerHz));
        fading->SetAttribute("DelayProfile", StringValue(m_config.fadingProfile));
        fading->AssignStreams(kStreamFading);
        m_lte->GetDownlinkSpectrumChannel()->AddSpectrumPropagationLossModel(fading);
        m_lte->GetUplinkSpectrumChannel()->AddSpectrumPropagationLossModel(fading);
    }

    for (uint32_t du = 0; du < m_config.numDus; ++du)
    {
        Ptr<LteEnbNetDevice> enb = DynamicCast<LteEnbNetDevice>(m_enbDevs.Get(du));
        Ptr<ComponentCarrierEnb> cc = DynamicCast<ComponentCarrierEnb>(enb->GetCcMap().at(0));
        m_allocators.push_back(DynamicCast<SliceRbgAllocator>(cc->GetFfrAlgorithm()));
        NS_ABORT_MSG_IF(!m_allocators.back(), "the FFR algorithm of a DU is not a SliceRbgAllocator");
    }
    for (uint32_t ue = 0; ue < m_ueDevs.GetN(); ++ue)
    {
        // Without an EPC the LTE helper leaves UEs in RLC saturation mode, which floods the uplink with dummy
        // PDUs; our bearers are RLC UM on both ends.
        DynamicCast<LteUeNetDevice>(m_ueDevs.Get(ue))->GetRrc()->SetUseRlcSm(false);
        m_lte->Attach(m_ueDevs.Get(ue), m_enbDevs.Get(m_layout.du[ue]));
        m_imsiToUe[DynamicCast<LteUeNetDevice>(m_ueDevs.Get(ue))->GetImsi()] = ue;
        m_collector->AddUe(ue, m_layout.du[ue], m_layout.slice[ue]);
    }
    // One DL data bearer per UE, RLC UM. Without an EPC the bearer is set up when the UE connects.
    m_lte->ActivateDataRadioBearer(m_ueDevs, EpsBearer(EpsBearer::NGBR_VIDEO_TCP_DEFAULT));
}

void
LteRan::InstallTraffic()
{
    for (uint32_t ue = 0; ue < m_ueDevs.GetN(); ++ue)
    {
        Ptr<LteEnbNetDevice> enb = DynamicCast<LteEnbNetDevice>(m_enbDevs.Get(m_layout.du[ue]));
        Ptr<LteUeRrc> rrc = DynamicCast<LteUeNetDevice>(m_ueDevs.Get(ue))->GetRrc();
        InstallUeTraffic(
            ue, m_config, m_layout, m_enbNodes.Get(m_layout.du[ue]), m_collector,
            [rrc] { return rrc->GetState() == LteUeRrc::CONNECTED_NORMALLY; },
            [enb, rrc](Ptr<Packet> packet) {
                packet->AddPacketTag(EpsBearerTag(rrc->GetRnti(), 1));
                enb->Send(packet, Address(), 0x0800);
            });
    }
}

void
LteRan::ConnectTraces()
{
    for (uint32_t du = 0; du < m_config.numDus; ++du)
    {
        Ptr<LteEnbNetDevice> enb = DynamicCast<LteEnbNetDevice>(m_enbDevs.Get(du));
        enb->GetRrc()->TraceConnectWithoutContext("ConnectionEstablished",
                                                  MakeBoundCallback(&LteRan::OnConnectionEstablished, this, du));
        enb->GetMac()->TraceConnectWithoutContext(
            "DlScheduling",
            MakeBoundCallback(+[](LteRan* ran, uint32_t du, DlSchedulingCallbackInfo info) {
                ran->m_collector->OnDlAllocation(du, info.rnti, ran->PrbsOfTransportBlock(info.mcsTb1, info.sizeTb1));
            }, this, du));
    }
    for (uint32_t ue = 0; ue < m_ueDevs.GetN(); ++ue)
    {
        Ptr<LteUeNetDevice> dev = DynamicCast<LteUeNetDevice>(m_ueDevs.Get(ue));
        EndUeTrafficAt(dev, ue, m_collector);
        dev->GetPhy()->TraceConnectWithoutContext(
            "ReportCurrentCellRsrpSinr",
            MakeBoundCallback(+[](SliceKpiCollector* c, uint32_t ue, uint16_t, uint16_t, double, double sinr, uint8_t) {
                c->OnSinr(ue, sinr);
            }, PeekPointer(m_collector), ue));
    }
}

void
LteRan::OnConnectionEstablished(LteRan* ran, uint32_t du, uint64_t imsi, uint16_t, uint16_t rnti)
{
    uint32_t ue = ran->m_imsiToUe.at(imsi);
    ran->m_allocators[du]->SetUeSlice(rnti, static_cast<uint8_t>(ran->m_layout.slice[ue]));
    ran->m_collector->BindRnti(du, rnti, ue);
}

uint32_t
LteRan::PrbsOfTransportBlock(uint8_t mcs, uint16_t bytes)
{
    auto key = std::make_pair(mcs, bytes);
    auto hit = m_prbCache.find(key);
    if (hit != m_prbCache.end())
    {
        return hit->second;
    }
    uint32_t prbs = m_config.bandwidthRbs;
    for (uint32_t n = 1; n <= m_config.bandwidthRbs; ++n)
    {
        if (m_amc->GetDlTbSizeFromMcs(mcs, n) / 8 >= bytes)
        {
            prbs = n;
            break;
        }
    }
    m_prbCache.emplace(key, prbs);
    return prbs;
}

uint32_t
LteRan::RbgsPerDu() const
{
    return m_allocators.front()->GetNumRbgs();
}

uint32_t
LteRan::RbgSize() const
{
    return (m_config.bandwidthRbs + RbgsPerDu() - 1) / RbgsPerDu();
}

void
LteRan::ApplyShares(uint32_t du, const std::vector<double>& shares)
{
    m_allocators[du]->SetShares(shares);
    m_collector->SetAvailablePrbs(du, PrbsPerSlice(m_allocators[du]->GetRbgCounts(), RbgSize(), m_config.bandwidthRbs));
}

} // namespace pamrl
