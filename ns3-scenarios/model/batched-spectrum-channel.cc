#include "batched-spectrum-channel.h"

#include "correlated-rayleigh-fading.h"
#include "same-side-transmit-filter.h"

#include "ns3/angles.h"
#include "ns3/antenna-model.h"
#include "ns3/boolean.h"
#include "ns3/isotropic-antenna-model.h"
#include "ns3/log.h"
#include "ns3/lte-control-messages.h"
#include "ns3/lte-enb-net-device.h"
#include "ns3/lte-spectrum-signal-parameters.h"
#include "ns3/lte-ue-net-device.h"
#include "ns3/lte-spectrum-phy.h"
#include "ns3/lte-ue-phy.h"
#include "ns3/lte-ue-rrc.h"
#include "ns3/mobility-model.h"
#include "ns3/net-device.h"
#include "ns3/node-list.h"
#include "ns3/node.h"
#include "ns3/nr-control-messages.h"
#include "ns3/nr-spectrum-phy.h"
#include "ns3/nr-spectrum-signal-parameters.h"
#include "ns3/packet-burst.h"
#include "ns3/propagation-delay-model.h"
#include "ns3/propagation-loss-model.h"
#include "ns3/simulator.h"
#include "ns3/spectrum-phy.h"
#include "ns3/spectrum-propagation-loss-model.h"
#include "ns3/spectrum-transmit-filter.h"

#include <algorithm>
#include <deque>
#include <cmath>
#include <iterator>
#include <optional>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("BatchedSpectrumChannel");
NS_OBJECT_ENSURE_REGISTERED(BatchedSpectrumChannel);

TypeId
BatchedSpectrumChannel::GetTypeId()
{
    static TypeId tid = TypeId("ns3::BatchedSpectrumChannel")
                            .SetParent<SpectrumChannel>()
                            .SetGroupName("Spectrum")
                            .AddConstructor<BatchedSpectrumChannel>()
                            .AddAttribute("NeighbourCtrlFrames",
                                          "Deliver other cells' DL control frames to UEs in subframes without "
                                          "PSS (false: only the control error model, PDCCH-based CQI and RLF "
                                          "detection could tell)",
                                          BooleanValue(true),
                                          MakeBooleanAccessor(&BatchedSpectrumChannel::m_neighbourCtrlFrames),
                                          MakeBooleanChecker())
                            .AddAttribute("SumOtherCells",
                                          "NR and LTE: the signals a receiver does not decode that reach it in the "
                                          "same instant with the same kind and duration arrive as one, their psds "
                                          "summed (a shortcut: the same interference up to floating-point rounding)",
                                          BooleanValue(false),
                                          MakeBooleanAccessor(&BatchedSpectrumChannel::m_sumOtherCells),
                                          MakeBooleanChecker())
                            .AddAttribute("SkipUnreadDlData",
                                          "Deliver the DL data signals a UE does not decode only in the slots "
                                          "(NR) or subframes (LTE) in which it reads its data interference (a "
                                          "shortcut: the same KPIs up to floating-point rounding; see the class)",
                                          BooleanValue(false),
                                          MakeBooleanAccessor(&BatchedSpectrumChannel::m_skipUnreadDlData),
                                          MakeBooleanChecker())
                            .AddAttribute("PathLossRefresh",
                                          "Reuse a link's propagation loss for this long: computed at its first "
                                          "signal, then for every cached link at each multiple of this interval "
                                          "(zero: at every signal, exact; a shortcut: positions move by "
                                          "centimetres per millisecond)",
                                          TimeValue(Time(0)),
                                          MakeTimeAccessor(&BatchedSpectrumChannel::m_pathLossRefresh),
                                          MakeTimeChecker(Time(0)))
                            .AddAttribute("NrNeighbourCtrlFrames",
                                          "NR: deliver other cells' DL control frames without a PSS to attached "
                                          "UEs (false: a shortcut, see the class)",
                                          BooleanValue(true),
                                          MakeBooleanAccessor(&BatchedSpectrumChannel::m_nrNeighbourCtrlFrames),
                                          MakeBooleanChecker())
                            .AddAttribute("NrSkipUnreadCtrlPsd",
                                          "NR: UEs get DL control frames without a PSS with the transmitted psd, "
                                          "no path loss or fading applied; only for UEs that read nothing of it "
                                          "(nr's UeDataInterferenceOmitsDlCtrl and UeSkipsCtrlInterference on; "
                                          "exact then, see the class)",
                                          BooleanValue(false),
                                          MakeBooleanAccessor(&BatchedSpectrumChannel::m_nrSkipUnreadCtrlPsd),
                                          MakeBooleanChecker())
                            .AddAttribute("IndexReceivers",
                                          "With a SameSideTransmitFilter, visit only the receivers on the other "
                                          "side of a transmission (and, NR with SkipUnreadDlData, a DL data "
                                          "signal's readers) instead of every receiver; a speed-up only (false: "
                                          "every receiver, to check that)",
                                          BooleanValue(true),
                                          MakeBooleanAccessor(&BatchedSpectrumChannel::m_indexReceivers),
                                          MakeBooleanChecker())
                            .AddAttribute("LteSkipUnreadCtrlPsd",
                                          "LTE: a UE gets its cell's DL control frame with the transmitted psd, no "
                                          "path loss or fading applied, when its PHY leaves the frame out of its "
                                          "control interference (ns-3 with our patch 0030; exact, see the class)",
                                          BooleanValue(false),
                                          MakeBooleanAccessor(&BatchedSpectrumChannel::m_lteSkipUnreadCtrlPsd),
                                          MakeBooleanChecker())
                            .AddAttribute("NrPssPeriod",
                                          "NR: keep the PSS of a cell's first DL control frame in each such "
                                          "period and deliver its others as frames without one (zero: every "
                                          "frame keeps the PSS that nr gives it; a shortcut, see the class)",
                                          TimeValue(Time(0)),
                                          MakeTimeAccessor(&BatchedSpectrumChannel::m_nrPssPeriod),
                                          MakeTimeChecker(Time(0)));
    return tid;
}

void
BatchedSpectrumChannel::DoDispose()
{
    m_receivers.clear();
    m_converters.clear();
    m_slotSums.clear();
    m_slotOf.clear();
    m_sums.clear();
    m_fadingChecked = nullptr;
    m_inPlaceFading = nullptr;
    m_links.clear();
    m_refreshEvent.Cancel();
    m_spareSums.clear();
    m_pssWindows.clear();
    m_antennas.clear();
    m_filterChecked = nullptr;
    m_sameSide = nullptr;
    SpectrumChannel::DoDispose();
}

void
BatchedSpectrumChannel::RemoveRx(Ptr<SpectrumPhy> phy)
{
    for (auto& [uid, group] : m_receivers)
    {
        auto it = std::find(group.phys.begin(), group.phys.end(), phy);
        if (it != group.phys.end())
        {
            group.nrPhys.erase(group.nrPhys.begin() + (it - group.phys.begin()));
            group.lteDevices.erase(group.lteDevices.begin() + (it - group.phys.begin()));
            group.nodeIds.erase(group.nodeIds.begin() + (it - group.phys.begin()));
            group.sides.erase(group.sides.begin() + (it - group.phys.begin()));
            group.slots.erase(group.slots.begin() + (it - group.phys.begin()));
            group.phys.erase(it);
            group.sidesChanged = true;
            --m_numDevices;
            return;
        }
    }
}

void
BatchedSpectrumChannel::AddRx(Ptr<SpectrumPhy> phy)
{
    // A PHY that changes its spectrum model (an LTE UE learning the cell's bandwidth) is added again: it moves
    // to the end of its new model's list, as in the stock channel.
    RemoveRx(phy);
    Ptr<const SpectrumModel> model = phy->GetRxSpectrumModel();
    ModelReceivers& group = m_receivers[model->GetUid()];
    group.model = model;
    group.phys.push_back(phy);
    group.nrPhys.push_back(dynamic_cast<NrSpectrumPhy*>(PeekPointer(phy)));
    group.lteDevices.emplace_back();
    group.nodeIds.push_back(kUnknownNode);
    group.sides.push_back(kSideUnknown);
    group.slots.push_back(m_slotOf.try_emplace(PeekPointer(phy), uint32_t(m_slotOf.size())).first->second);
    group.sidesChanged = true;
    ++m_numDevices;
}

std::size_t
BatchedSpectrumChannel::GetNDevices() const
{
    return m_numDevices;
}

Ptr<NetDevice>
BatchedSpectrumChannel::GetDevice(std::size_t i) const
{
    for (const auto& [uid, group] : m_receivers)
    {
        if (i < group.phys.size())
        {
            return group.phys[i]->GetDevice();
        }
        i -= group.phys.size();
    }
    NS_FATAL_ERROR("device index out of range");
}

const SpectrumConverter*
BatchedSpectrumChannel::Converter(Ptr<const SpectrumModel> from, Ptr<const SpectrumModel> to)
{
    auto key = std::make_pair(from->GetUid(), to->GetUid());
    auto found = m_converters.find(key);
    if (found == m_converters.end())
    {
        bool orthogonal = from->IsOrthogonal(*to);
        found = m_converters
                    .emplace(key, std::make_pair(orthogonal,
                                                 orthogonal ? SpectrumConverter() : SpectrumConverter(from, to)))
                    .first;
    }
    return found->second.first ? nullptr : &found->second.second;
}

BatchedSpectrumChannel::SignalKind
BatchedSpectrumChannel::KindOf(const Ptr<SpectrumSignalParameters>& params)
{
    if (DynamicCast<LteSpectrumSignalParametersDataFrame>(params))
    {
        return SignalKind::LteData;
    }
    if (DynamicCast<LteSpectrumSignalParametersDlCtrlFrame>(params))
    {
        return SignalKind::LteDlCtrl;
    }
    if (DynamicCast<LteSpectrumSignalParameters>(params))
    {
        return SignalKind::LteOther;
    }
    if (DynamicCast<NrSpectrumSignalParametersDataFrame>(params))
    {
        return SignalKind::NrData;
    }
    if (DynamicCast<NrSpectrumSignalParametersDlCtrlFrame>(params))
    {
        return SignalKind::NrDlCtrl;
    }
    if (DynamicCast<NrSpectrumSignalParametersUlCtrlFrame>(params))
    {
        return SignalKind::NrUlCtrl;
    }
    if (DynamicCast<NrSpectrumSignalParametersCsiRs>(params))
    {
        return SignalKind::NrCsiRs;
    }
    return SignalKind::Other;
}

bool
BatchedSpectrumChannel::MustDeliver(SignalKind kind,
                                     const SpectrumSignalParameters& tx,
                                     bool zeroPower,
                                     const LteDevice& rx) const
{
    if (kind == SignalKind::LteData && zeroPower)
    {
        // An eNB of another cell would only add this signal's zero power to its interference.
        const LteEnbNetDevice* enb = rx.enb;
        return !enb || enb->GetCellId() == static_cast<const LteSpectrumSignalParametersDataFrame&>(tx).cellId;
    }
    if (kind == SignalKind::LteDlCtrl && !m_neighbourCtrlFrames)
    {
        const auto& ctrl = static_cast<const LteSpectrumSignalParametersDlCtrlFrame&>(tx);
        const LteUeNetDevice* ue = rx.ue;
        if (ctrl.pss || !ue)
        {
            return true; // PSS: the UE measures every cell
        }
        uint16_t serving = rx.rrc ? rx.rrc->GetCellId() : ue->GetRrc()->GetCellId();
        return serving == 0 || serving == ctrl.cellId; // a UE without a cell is searching: it hears all
    }
    return true;
}

Ptr<SpectrumSignalParameters>
BatchedSpectrumChannel::ReceiverCopy(SignalKind kind,
                                     const Ptr<SpectrumSignalParameters>& shared,
                                     Ptr<SpectrumValue> psd,
                                     bool withNrCtrlMessages)
{
    // Known LTE and NR signals: a new object that points to the shared packets (their copy constructors would copy
    // every packet again, and the psd, which is replaced at once). Sharing is exact: a data signal's packets are
    // read by its one intended receiver only (the UE of its RNTI, or its cell's gNB), and the shared copy is not
    // the transmitter's, which may keep its packets for a HARQ retransmission. The kind was found once per
    // transmission: no casts here.
    Ptr<SpectrumSignalParameters> rx;
    switch (kind)
    {
    case SignalKind::LteData: {
        const auto* data = static_cast<const LteSpectrumSignalParametersDataFrame*>(PeekPointer(shared));
        auto own = Create<LteSpectrumSignalParametersDataFrame>();
        own->packetBurst = data->packetBurst; // control messages: GiveCtrlMessages
        own->cellId = data->cellId;
        rx = own;
        break;
    }
    case SignalKind::LteDlCtrl: {
        const auto* ctrl = static_cast<const LteSpectrumSignalParametersDlCtrlFrame*>(PeekPointer(shared));
        auto own = Create<LteSpectrumSignalParametersDlCtrlFrame>(); // control messages: GiveCtrlMessages
        own->cellId = ctrl->cellId;
        own->pss = ctrl->pss;
        rx = own;
        break;
    }
    case SignalKind::LteOther: {
        const auto* lte = static_cast<const LteSpectrumSignalParameters*>(PeekPointer(shared));
        auto own = Create<LteSpectrumSignalParameters>();
        own->packetBurst = lte->packetBurst;
        rx = own;
        break;
    }
    case SignalKind::NrData: {
        const auto* data = static_cast<const NrSpectrumSignalParametersDataFrame*>(PeekPointer(shared));
        auto own = Create<NrSpectrumSignalParametersDataFrame>();
        own->packetBurst = data->packetBurst;
        if (withNrCtrlMessages)
        {
            own->ctrlMsgList = data->ctrlMsgList;
        }
        own->cellId = data->cellId;
        own->rnti = data->rnti;
        rx = own;
        break;
    }
    case SignalKind::NrDlCtrl: {
        const auto* ctrl = static_cast<const NrSpectrumSignalParametersDlCtrlFrame*>(PeekPointer(shared));
        auto own = Create<NrSpectrumSignalParametersDlCtrlFrame>();
        if (withNrCtrlMessages)
        {
            own->ctrlMsgList = ctrl->ctrlMsgList;
        }
        own->pss = ctrl->pss;
        own->cellId = ctrl->cellId;
        rx = own;
        break;
    }
    case SignalKind::NrUlCtrl: {
        const auto* ctrl = static_cast<const NrSpectrumSignalParametersUlCtrlFrame*>(PeekPointer(shared));
        auto own = Create<NrSpectrumSignalParametersUlCtrlFrame>();
        if (withNrCtrlMessages)
        {
            own->ctrlMsgList = ctrl->ctrlMsgList;
        }
        own->cellId = ctrl->cellId;
        rx = own;
        break;
    }
    case SignalKind::NrCsiRs: {
        const auto* csiRs = static_cast<const NrSpectrumSignalParametersCsiRs*>(PeekPointer(shared));
        auto own = Create<NrSpectrumSignalParametersCsiRs>();
        own->cellId = csiRs->cellId;
        own->rnti = csiRs->rnti;
        own->beamId = csiRs->beamId;
        rx = own;
        break;
    }
    case SignalKind::Other:
        rx = shared->Copy(); // any other signal: a full copy, as the stock channel makes (psd replaced below)
        rx->psd = psd;
        return rx;
    }
    rx->duration = shared->duration;
    rx->txPhy = shared->txPhy;
    rx->txAntenna = shared->txAntenna;
    rx->spectrumChannelMatrix = shared->spectrumChannelMatrix;
    rx->precodingMatrix = shared->precodingMatrix;
    rx->psd = psd;
    return rx;
}

const BatchedSpectrumChannel::ResolvedAntenna&
BatchedSpectrumChannel::Resolve(const Ptr<Object>& antenna)
{
    auto [it, first] = m_antennas.try_emplace(PeekPointer(antenna));
    if (first)
    {
        static const TypeId isotropic = IsotropicAntennaModel::GetTypeId();
        it->second.held = antenna;
        it->second.model = dynamic_cast<AntennaModel*>(PeekPointer(antenna));
        // The exact type, as before: a subclass of the isotropic model may have a gain that depends on direction.
        it->second.isotropic = it->second.model && antenna->GetInstanceTypeId() == isotropic;
    }
    return it->second;
}

double
BatchedSpectrumChannel::AntennaGainDb(const Ptr<Object>& antenna,
                                      const Ptr<MobilityModel>& from,
                                      const Ptr<MobilityModel>& to)
{
    if (!antenna)
    {
        return 0.0;
    }
    return GainDb(Resolve(antenna), from, to);
}

double
BatchedSpectrumChannel::GainDb(const ResolvedAntenna& resolved,
                               const Ptr<MobilityModel>& from,
                               const Ptr<MobilityModel>& to)
{
    if (!resolved.model)
    {
        return 0.0;
    }
    if (resolved.isotropic)
    {
        // The same gain in every direction: no angles needed.
        static const Angles anyDirection(0.0, 0.0);
        return resolved.model->GetGainDb(anyDirection);
    }
    return resolved.model->GetGainDb(Angles(from->GetPosition(), to->GetPosition()));
}

const SameSideTransmitFilter*
BatchedSpectrumChannel::SameSideFilter()
{
    if (PeekPointer(m_filter) != PeekPointer(m_filterChecked))
    {
        m_filterChecked = m_filter;
        // The exact type, as for antennas: a subclass may filter by a rule of its own.
        static const TypeId sameSideType = SameSideTransmitFilter::GetTypeId();
        m_sameSide = m_filter && m_filter->GetInstanceTypeId() == sameSideType
                         ? static_cast<const SameSideTransmitFilter*>(PeekPointer(m_filter))
                         : nullptr;
        m_sameSideVersion = UINT64_MAX; // the sides cached so far are read again
    }
    if (m_sameSide && m_sameSide->GetNext())
    {
        return nullptr; // another filter chained after it since (SetNext): every link through Filter
    }
    if (m_sameSide && m_sameSide->GetVersion() != m_sameSideVersion)
    {
        for (auto& [uid, group] : m_receivers)
        {
            std::fill(group.sides.begin(), group.sides.end(), kSideUnknown);
            group.sidesChanged = true;
        }
        m_sameSideVersion = m_sameSide->GetVersion();
    }
    return m_sameSide;
}

int8_t
BatchedSpectrumChannel::SameSideOf(const SameSideTransmitFilter& filter, const Ptr<NetDevice>& device) const
{
    return device ? int8_t(filter.IsBaseStation(PeekPointer(device))) : kSideNone;
}

void
BatchedSpectrumChannel::StartTx(Ptr<SpectrumSignalParameters> txParams)
{
    NS_ASSERT(txParams->txPhy);
    NS_ASSERT(txParams->psd);
    if (!m_txSigParamsTrace.IsEmpty())
    {
        m_txSigParamsTrace(txParams->Copy());
    }
    Ptr<MobilityModel> txMobility = txParams->txPhy->GetMobility();
    Ptr<NetDevice> txDevice = txParams->txPhy->GetDevice();
    const uint32_t txNode = txDevice ? txDevice->GetNode()->GetId() : kUnknownNode;
    Ptr<const SpectrumModel> txModel = txParams->psd->GetSpectrumModel();
    Ptr<SpectrumSignalParameters> shared; // the signal's packets, copied once for all receivers
    const SignalKind kind = KindOf(txParams);
    // NrPssPeriod: a DL control frame between two of its cell's PSS goes out as a frame without one. The receivers'
    // copies say so (their PHYs then take no RSRP sample of it), and other cells' receivers may get it summed.
    if (kind == SignalKind::NrDlCtrl && !KeepsPss(static_cast<const NrSpectrumSignalParametersDlCtrlFrame&>(*txParams)))
    {
        shared = txParams->Copy();
        static_cast<NrSpectrumSignalParametersDlCtrlFrame&>(*shared).pss = false;
    }
    if (kind == SignalKind::NrDlCtrl && m_skipUnreadDlData)
    {
        RecordNrDlDcis(static_cast<const NrSpectrumSignalParametersDlCtrlFrame&>(*txParams));
    }
    if (kind == SignalKind::LteDlCtrl)
    {
        m_lteDlCtrlEnd = Simulator::Now() + txParams->duration;
    }
    // What the receivers get: the transmission as sent, or as changed just above.
    const SpectrumSignalParameters& sent = shared ? *shared : *txParams;
    const bool zeroPower = std::all_of(txParams->psd->ConstValuesBegin(),
                                       txParams->psd->ConstValuesEnd(),
                                       [](double v) { return v == 0.0; });
    // SameSideTransmitFilter::DoFilter's rule: a signal without a transmitting PHY, or a link with a device
    // missing at either end, is never filtered; otherwise both ends on one side are.
    const SameSideTransmitFilter* sameSide = SameSideFilter();
    const int8_t txSide = sameSide && txParams->txPhy ? SameSideOf(*sameSide, txDevice) : kSideNone;

    // NrSkipUnreadCtrlPsd: the receivers that get this frame with the transmitted psd get one copy between them
    // (made at the first). Their copies would hold the same psd object already, and the same messages; a UE's PHY
    // reads only the frame's messages then and changes nothing in it (only a phased-array loss model, not used
    // with this channel's sums, would add a channel matrix to it: then each gets its own, as before).
    Ptr<SpectrumSignalParameters> unreadCopy;
    const bool unreadCopyShared = !GetPhasedArraySpectrumPropagationLossModel();

    // Room for every receiver a group's loop visits, before it: ns-3's Ptr has no move constructor, so each
    // regrowth copied the deliveries so far, a reference-count round trip per pointer. (Room for every receiver of
    // the channel, 24 kB at paper scale, was a large allocation for each signal that reaches six.)
    std::vector<Delivery> batch;
    for (auto& [rxUid, group] : m_receivers)
    {
        const SpectrumConverter* converter = nullptr;
        if (rxUid != txModel->GetUid())
        {
            converter = Converter(txModel, group.model);
            if (!converter)
            {
                continue; // orthogonal spectra: the signal cannot reach these receivers
            }
        }
        // With the same-side filter, only the receivers it would not drop (and, for an NR DL data signal, those
        // that StartTx's test below would not drop either); every test below still runs on each.
        const std::vector<uint32_t>* facing =
            m_indexReceivers && sameSide && txSide != kSideNone ? &ReceiversFacing(group, txSide, sent, kind) : nullptr;
        const std::size_t visits = facing ? facing->size() : group.phys.size();
        if (!m_propagationDelay)
        {
            batch.reserve(batch.size() + visits);
        }
        for (std::size_t visit = 0; visit < visits; ++visit)
        {
            const std::size_t i = facing ? (*facing)[visit] : visit;
            const Ptr<SpectrumPhy>& receiver = group.phys[i];
            if (receiver == txParams->txPhy)
            {
                continue;
            }
            if (sameSide)
            {
                // First of the filters (each only drops receivers, so their order changes nothing else): with
                // NR's cross-link interference skipped, an uplink signal is dropped here at each of the ~200 UEs,
                // a flag compare rather than the checks below.
                int8_t& rxSide = group.sides[i];
                if (rxSide == kSideUnknown || rxSide == kSideNone)
                {
                    const int8_t before = rxSide;
                    rxSide = SameSideOf(*sameSide, receiver->GetDevice()); // a PHY without a device yet: asked again
                    group.sidesChanged = group.sidesChanged || rxSide != before;
                }
                if (txSide != kSideNone && rxSide != kSideNone && txSide == rxSide)
                {
                    continue;
                }
            }
            uint32_t& rxNode = group.nodeIds[i];
            LteDevice& lteRx = group.lteDevices[i];
            if (rxNode == kUnknownNode)
            {
                if (Ptr<NetDevice> rxDevice = receiver->GetDevice())
                {
                    rxNode = rxDevice->GetNode()->GetId();
                    if (!group.nrPhys[i])
                    {
                        lteRx.ue = dynamic_cast<const LteUeNetDevice*>(PeekPointer(rxDevice));
                        lteRx.enb = dynamic_cast<const LteEnbNetDevice*>(PeekPointer(rxDevice));
                        lteRx.rrc = lteRx.ue ? PeekPointer(lteRx.ue->GetRrc()) : nullptr;
                        lteRx.uePhy = lteRx.ue ? PeekPointer(lteRx.ue->GetPhy()) : nullptr;
                        lteRx.uePhyRx = lteRx.ue ? dynamic_cast<const LteSpectrumPhy*>(PeekPointer(receiver)) : nullptr;
                    }
                }
            }
            if (rxNode != kUnknownNode && txNode != kUnknownNode && rxNode == txNode)
            {
                continue; // antennas of one node: no path loss model covers that
            }
            if (!MustDeliver(kind, sent, zeroPower, lteRx))
            {
                continue;
            }
            if (m_skipUnreadDlData && kind == SignalKind::NrData && group.nrPhys[i] &&
                static_cast<const NrSpectrumSignalParametersDataFrame&>(sent).rnti != group.nrPhys[i]->GetRnti() &&
                !NrUeReadsDlData(*group.nrPhys[i]))
            {
                continue; // another's data in a slot in which this UE reads no data of its own
            }
            if (!m_nrNeighbourCtrlFrames && kind == SignalKind::NrDlCtrl && group.nrPhys[i] &&
                OtherCellCtrlWithoutPss(static_cast<const NrSpectrumSignalParametersDlCtrlFrame&>(sent),
                                        *group.nrPhys[i]))
            {
                continue; // NrNeighbourCtrlFrames: it would reach only the UE's control interference
            }
            if (!sameSide && m_filter && m_filter->Filter(txParams, receiver))
            {
                continue;
            }
            if (!shared)
            {
                // The copy constructors of LTE and NR signals copy every packet: once here, for all receivers.
                // Other signals get a full copy per receiver (ReceiverCopy), as from the stock channel.
                shared = kind == SignalKind::Other ? txParams : txParams->Copy();
            }
            // A link into a sum (see SumOtherCells) carries the shared copy; its received psd is made at delivery.
            // (Converted to another spectrum model, it takes the long way in Deliver, with a psd of its own.)
            SumGroup sumGroup = SumGroup::None;
            if (m_sumOtherCells && !m_propagationDelay)
            {
                sumGroup = group.nrPhys[i] ? SummableAt(kind, sent, *group.nrPhys[i])
                                           : SummableAtLte(kind, sent, lteRx);
            }
            Delivery delivery{receiver, shared, 0.0, kind, sumGroup};
            delivery.lte = lteRx;
            delivery.txNode = txNode;
            delivery.rxNode = rxNode;
            delivery.rxSlot = group.slots[i];
            const bool lteCtrlMaybeUnread =
                m_lteSkipUnreadCtrlPsd && kind == SignalKind::LteDlCtrl && lteRx.uePhyRx && !converter;
            if (sumGroup == SumGroup::None &&
                ((m_skipUnreadDlData && kind == SignalKind::LteData && lteRx.ue) || lteCtrlMaybeUnread))
            {
                delivery.copyAtDelivery = true;
                delivery.ctrlSource = shared;
            }
            else if (sumGroup == SumGroup::None)
            {
                delivery.psdUnread = m_nrSkipUnreadCtrlPsd && kind == SignalKind::NrDlCtrl && !converter &&
                                     group.nrPhys[i] && !group.nrPhys[i]->IsGnb() &&
                                     !static_cast<const NrSpectrumSignalParametersDlCtrlFrame&>(sent).pss;
                if (delivery.psdUnread && unreadCopyShared)
                {
                    if (!unreadCopy)
                    {
                        unreadCopy = ReceiverCopy(kind, shared, txParams->psd);
                    }
                    delivery.params = unreadCopy;
                }
                else
                {
                    delivery.params = ReceiverCopy(kind,
                                                   shared,
                                                   delivery.psdUnread ? txParams->psd
                                                   : converter        ? converter->Convert(txParams->psd)
                                                                      : txParams->psd->Copy());
                }
                if (kind == SignalKind::LteData || kind == SignalKind::LteDlCtrl)
                {
                    delivery.ctrlSource = shared;
                }
            }
            Ptr<MobilityModel> rxMobility = receiver->GetMobility();
            Time delay(0);
            if (txMobility && rxMobility)
            {
                if (txParams->txAntenna)
                {
                    delivery.txAntennaGainDb = AntennaGainDb(txParams->txAntenna, rxMobility, txMobility);
                }
                if (m_propagationDelay)
                {
                    delay = m_propagationDelay->GetDelay(txMobility, rxMobility);
                }
            }
            if (m_propagationDelay)
            {
                // Receivers hear the signal at different times: one event each, as in the stock channel.
                uint32_t context = rxNode != kUnknownNode ? rxNode : Simulator::GetContext();
                Simulator::ScheduleWithContext(
                    context,
                    delay,
                    &BatchedSpectrumChannel::DeliverAll,
                    this,
                    std::make_shared<const Batch>(Batch{txParams->psd, std::vector<Delivery>{std::move(delivery)}}));
            }
            else
            {
                batch.push_back(std::move(delivery));
            }
        }
    }
    if (!batch.empty())
    {
        Simulator::ScheduleNow(&BatchedSpectrumChannel::DeliverAll,
                               this,
                               std::make_shared<const Batch>(Batch{txParams->psd, std::move(batch)}));
    }
}

void
BatchedSpectrumChannel::RecordNrDlDcis(const NrSpectrumSignalParametersDlCtrlFrame& ctrl)
{
    if (ctrl.cellId >= m_nrDlDcis.size())
    {
        m_nrDlDcis.resize(ctrl.cellId + 1);
    }
    NrDlDcis& cell = m_nrDlDcis[ctrl.cellId];
    ++m_nrDlDcisVersion;
    for (uint16_t rnti : cell.rntis)
    {
        cell.byRnti[rnti] = 0;
    }
    cell.rntis.clear();
    cell.seen = true;
    cell.everyUe = false;
    for (const Ptr<NrControlMessage>& msg : ctrl.ctrlMsgList)
    {
        if (msg->GetMessageType() == NrControlMessage::DL_DCI)
        {
            const uint16_t rnti = static_cast<NrDlDciMessage&>(*msg).GetDciInfoElement()->m_rnti;
            cell.everyUe = cell.everyUe || rnti == 0;
            if (rnti >= cell.byRnti.size())
            {
                cell.byRnti.resize(rnti + 1, 0);
            }
            cell.byRnti[rnti] = 1;
            cell.rntis.push_back(rnti);
        }
    }
}

bool
BatchedSpectrumChannel::NrUeReadsDlData(const NrSpectrumPhy& rx) const
{
    if (rx.IsGnb() || rx.GetRnti() == 0)
    {
        return true; // a gNB decodes every UE's uplink; a UE without an RNTI yet takes every data signal of its cell
    }
    return CellGaveDlDci(rx.GetCellId(), rx.GetRnti());
}

bool
BatchedSpectrumChannel::CellGaveDlDci(uint16_t cellId, uint16_t rnti) const
{
    if (cellId >= m_nrDlDcis.size() || !m_nrDlDcis[cellId].seen)
    {
        return true; // no control frame of its cell seen yet
    }
    const NrDlDcis& cell = m_nrDlDcis[cellId];
    return cell.everyUe || (rnti < cell.byRnti.size() && cell.byRnti[rnti]);
}

namespace
{
/// nr's count of changes to its PHYs' RNTIs, cells and roles (our patch 0033), or nothing without it; a template,
/// so that a build against nr without the patch compiles the other branch.
template <typename PhyT>
std::optional<uint64_t>
IdentityChanges()
{
    if constexpr (requires { PhyT::GetIdentityChanges(); })
    {
        return PhyT::GetIdentityChanges();
    }
    else
    {
        return std::nullopt;
    }
}
} // namespace

const std::vector<uint32_t>&
BatchedSpectrumChannel::ReceiversFacing(ModelReceivers& group,
                                        int8_t txSide,
                                        const SpectrumSignalParameters& sent,
                                        SignalKind kind)
{
    if (group.sidesChanged)
    {
        for (int8_t side : {int8_t(0), int8_t(1)})
        {
            group.otherSide[side].clear();
            for (uint32_t i = 0; i < group.phys.size(); ++i)
            {
                if (group.sides[i] != side)
                {
                    group.otherSide[side].push_back(i);
                }
            }
        }
        group.sidesChanged = false;
        group.dlDataStale = true;
    }
    if (txSide == 1 && kind == SignalKind::NrData && m_skipUnreadDlData)
    {
        if (const std::vector<uint32_t>* readers = NrDlDataReaders(group))
        {
            // StartTx's test: a UE takes another's DL data signal only if it reads data in this slot.
            const uint16_t rnti = static_cast<const NrSpectrumSignalParametersDataFrame&>(sent).rnti;
            static const std::vector<uint32_t> none;
            const std::vector<uint32_t>& sameRnti =
                rnti < group.dlDataByRnti.size() ? group.dlDataByRnti[rnti] : none;
            m_facingScratch.clear();
            std::set_union(readers->begin(), readers->end(), sameRnti.begin(), sameRnti.end(),
                           std::back_inserter(m_facingScratch));
            return m_facingScratch;
        }
    }
    return group.otherSide[txSide];
}

const std::vector<uint32_t>*
BatchedSpectrumChannel::NrDlDataReaders(ModelReceivers& group)
{
    const std::optional<uint64_t> identity = IdentityChanges<NrSpectrumPhy>();
    if (!identity)
    {
        return nullptr;
    }
    if (group.dlDataStale || group.dlDataIdentity != *identity)
    {
        group.dlDataReceivers.clear();
        for (std::vector<uint32_t>& receivers : group.dlDataByRnti)
        {
            receivers.clear();
        }
        for (uint32_t i : group.otherSide[1])
        {
            const NrSpectrumPhy* nr = group.nrPhys[i];
            const int8_t side = group.sides[i];
            const bool always = !nr || side == kSideUnknown || side == kSideNone || nr->IsGnb() || nr->GetRnti() == 0;
            const uint16_t rnti = nr ? nr->GetRnti() : 0;
            group.dlDataReceivers.push_back({i, always ? uint16_t(0) : nr->GetCellId(), rnti, always});
            if (nr)
            {
                if (rnti >= group.dlDataByRnti.size())
                {
                    group.dlDataByRnti.resize(rnti + 1);
                }
                group.dlDataByRnti[rnti].push_back(i);
            }
        }
        group.dlDataIdentity = *identity;
        group.dlDataStale = false;
        group.dlDataReadersVersion = UINT64_MAX;
    }
    if (group.dlDataReadersVersion != m_nrDlDcisVersion)
    {
        // NrUeReadsDlData on what was read from each PHY.
        group.dlDataReaders.clear();
        for (const ModelReceivers::DlDataReceiver& rx : group.dlDataReceivers)
        {
            if (rx.always || CellGaveDlDci(rx.cellId, rx.rnti))
            {
                group.dlDataReaders.push_back(rx.index);
            }
        }
        group.dlDataReadersVersion = m_nrDlDcisVersion;
    }
    return &group.dlDataReaders;
}

bool
BatchedSpectrumChannel::KeepsPss(const NrSpectrumSignalParametersDlCtrlFrame& ctrl)
{
    if (!ctrl.pss || m_nrPssPeriod.IsZero())
    {
        return true;
    }
    // The first frame of each period window (time / period) keeps it; cells transmit in step, so all cells'
    // PSS fall in the same slots.
    const int64_t window = Simulator::Now().GetTimeStep() / m_nrPssPeriod.GetTimeStep();
    auto [it, first] = m_pssWindows.try_emplace(ctrl.cellId, window);
    if (!first && it->second == window)
    {
        return false;
    }
    it->second = window;
    return true;
}

const CorrelatedRayleighFading*
BatchedSpectrumChannel::InPlaceFading()
{
    const SpectrumPropagationLossModel* model = PeekPointer(m_spectrumPropagationLoss);
    if (model != PeekPointer(m_fadingChecked))
    {
        m_fadingChecked = m_spectrumPropagationLoss;
        m_inPlaceFading = model && !model->GetNext() ? dynamic_cast<const CorrelatedRayleighFading*>(model) : nullptr;
        for (CachedLink& link : m_links)
        {
            link.fadingKnown = false; // the other model's entries
        }
    }
    return m_inPlaceFading;
}

void
BatchedSpectrumChannel::DeliverUnreadPsd(const Delivery& d)
{
    Ptr<MobilityModel> txMobility = d.params->txPhy->GetMobility();
    Ptr<MobilityModel> rxMobility = d.receiver->GetMobility();
    if (txMobility && rxMobility)
    {
        // What Deliver does for the link but the arithmetic on the psd: the range test and traces, the path-loss
        // cache's entry and the fading link's draw happen as they would.
        double pathLossDb;
        double linearGain;
        CachedLink* link = LinkEntry(d);
        if (!LinkLoss(*d.params, d, txMobility, rxMobility, link, pathLossDb, linearGain))
        {
            return; // beyond range
        }
        if (const CorrelatedRayleighFading* fading = InPlaceFading())
        {
            FadingLink(*fading, link, d.params->psd->GetSpectrumModel(), txMobility, rxMobility);
        }
    }
    d.receiver->StartRx(d.params);
}

void
BatchedSpectrumChannel::DeliverAll(std::shared_ptr<const Batch> batch)
{
    const std::vector<Delivery>& deliveries = batch->deliveries;
    const std::size_t n = deliveries.size();
    // (InPlaceFading only looks at which model is set, as Deliver would a moment later.)
    const CorrelatedRayleighFading* fading = InPlaceFading();
    const SpectrumModelUid_t model = batch->txPsd->GetSpectrumModelUid();
    for (std::size_t i = 0; i < n; ++i)
    {
        if (i + kGainsAhead < n)
        {
            Prefetch(deliveries[std::min(i + kEntryAhead, n - 1)], deliveries[i + kGainsAhead], fading, model);
        }
        Deliver(batch->txPsd, deliveries[i]);
    }
}

void
BatchedSpectrumChannel::Prefetch(const Delivery& entryAhead,
                                 const Delivery& gainsAhead,
                                 const CorrelatedRayleighFading* fading,
                                 SpectrumModelUid_t model) const
{
    auto entryOf = [this](const Delivery& d) -> const CachedLink* {
        if (d.txNode >= m_linkStride || d.rxNode >= m_linkStride) // kUnknownNode too: never below the stride
        {
            return nullptr;
        }
        return &m_links[std::size_t(d.txNode) * m_linkStride + d.rxNode];
    };
    if (const CachedLink* entry = entryOf(entryAhead))
    {
        // An entry spans two cache lines at most.
        __builtin_prefetch(entry);
        __builtin_prefetch(reinterpret_cast<const char*>(entry) + sizeof(CachedLink) - 1);
    }
    // (A delivery whose receiver reads no psd uses no gains: DeliverUnreadPsd.)
    const CachedLink* entry = gainsAhead.psdUnread ? nullptr : entryOf(gainsAhead);
    if (!fading || !entry || !entry->fadingKnown)
    {
        return;
    }
    std::size_t bytes = 0;
    const char* row = reinterpret_cast<const char*>(fading->GainsIfGenerated(model, entry->fading, bytes));
    if (!row)
    {
        return;
    }
    constexpr std::size_t kLine = 64;
    for (std::size_t at = 0; at < bytes; at += kLine)
    {
        __builtin_prefetch(row + at);
    }
    __builtin_prefetch(row + bytes - 1); // the row need not start on a line
}

namespace
{
/// Whether the UE's PHYs can tell if they read this subframe's DL data (our patch 0018 to ns-3's lte module); a
/// template, so that a build against ns-3 without it compiles the other branch.
template <typename SpectrumPhyT, typename UePhyT>
bool
UeReadsDlData(const SpectrumPhyT& rx, const UePhyT& phy, Time ctrlEnd)
{
    if constexpr (requires { rx.HasExpectedTbs(); phy.BuildsMixedSinrAt(Time()); })
    {
        // The data frames of this instant end with the subframe; the next CQI report or sample, at the end of the
        // next subframe's control frame (one TTI after this subframe's), is the one that reads their interference.
        return rx.HasExpectedTbs() || phy.BuildsMixedSinrAt(ctrlEnd + Seconds(phy.GetTti()));
    }
    else
    {
        return true;
    }
}
} // namespace

bool
BatchedSpectrumChannel::LteUeReadsDlData(const LteDevice& rx) const
{
    return !rx.uePhy || !rx.uePhyRx || UeReadsDlData(*rx.uePhyRx, *rx.uePhy, m_lteDlCtrlEnd);
}

namespace
{
/// Whether an LTE UE's PHY will leave a DL control frame out of its control interference (our patch 0030); a
/// template, so that a build against ns-3 without it compiles the other branch.
template <typename SpectrumPhyT, typename FrameT>
bool
UeSkipsCtrlFrame(const SpectrumPhyT& rx, const FrameT& frame)
{
    if constexpr (requires { rx.SkipsCtrlInterferenceOf(frame); })
    {
        return rx.SkipsCtrlInterferenceOf(frame);
    }
    else
    {
        return false;
    }
}
} // namespace

bool
BatchedSpectrumChannel::LteUeSkipsCtrlFrame(const Delivery& d) const
{
    return d.lte.uePhyRx &&
           UeSkipsCtrlFrame(*d.lte.uePhyRx, static_cast<const LteSpectrumSignalParametersDlCtrlFrame&>(*d.params));
}

void
BatchedSpectrumChannel::Deliver(const Ptr<SpectrumValue>& txPsd, const Delivery& d)
{
    if (m_skipUnreadDlData && d.kind == SignalKind::LteData && d.lte.ue && !LteUeReadsDlData(d.lte))
    {
        return; // decided here, not at transmission: the UE decodes its subframe's DCIs in between
    }
    const bool sameModel = d.params->psd->GetSpectrumModelUid() == d.receiver->GetRxSpectrumModel()->GetUid();
    if (d.sumGroup != SumGroup::None && sameModel && (InPlaceFading() || !m_spectrumPropagationLoss))
    {
        DeliverIntoSum(d);
        return;
    }
    if ((d.psdUnread || (d.copyAtDelivery && d.kind == SignalKind::LteDlCtrl && LteUeSkipsCtrlFrame(d))) &&
        sameModel && (InPlaceFading() || !m_spectrumPropagationLoss))
    {
        // (An LTE frame's shared copy carries its control messages: the PHY reads them, and nothing else of it.)
        DeliverUnreadPsd(d);
        return;
    }
    // A link into a sum that cannot take the short way gets its own parameters here, as every other link has; so does
    // a link whose copy waited for the receiver to decide whether it reads the signal, and one that was to get the
    // transmitted psd (whose parameters other receivers share, and whose psd is the transmitter's: scaled below).
    Ptr<SpectrumSignalParameters> params =
        d.sumGroup != SumGroup::None || d.copyAtDelivery || d.psdUnread
            ? ReceiverCopy(d.kind, d.params, d.params->psd->Copy())
            : d.params;
    if (!sameModel)
    {
        // The receiver changed its spectrum model between transmission and reception.
        const SpectrumConverter* converter = Converter(txPsd->GetSpectrumModel(), d.receiver->GetRxSpectrumModel());
        // Its own copy either way: path loss and fading below scale it in place.
        params->psd = converter ? converter->Convert(txPsd) : txPsd->Copy();
    }
    Ptr<MobilityModel> txMobility = params->txPhy->GetMobility();
    Ptr<MobilityModel> rxMobility = d.receiver->GetMobility();
    if (txMobility && rxMobility)
    {
        double pathLossDb;
        double linearGain;
        CachedLink* link = LinkEntry(d);
        if (!LinkLoss(*params, d, txMobility, rxMobility, link, pathLossDb, linearGain))
        {
            return; // beyond range
        }
        *(params->psd) *= linearGain;
        if (const CorrelatedRayleighFading* fading = InPlaceFading())
        {
            // params->psd is this receiver's own copy
            fading->ApplyTo(*params->psd, FadingLink(*fading, link, params->psd->GetSpectrumModel(), txMobility, rxMobility));
        }
        else if (m_spectrumPropagationLoss)
        {
            params->psd = m_spectrumPropagationLoss->CalcRxPowerSpectralDensity(params, txMobility, rxMobility);
        }
        NS_ABORT_MSG_IF(m_phasedArraySpectrumPropagationLoss && !m_spectrumPropagationLoss,
                        "BatchedSpectrumChannel does not support phased-array propagation loss models");
    }
    if (d.sumGroup != SumGroup::None)
    {
        SumFor(d, params->psd->GetSpectrumModel()) += *params->psd;
        return;
    }
    if (d.ctrlSource)
    {
        GiveCtrlMessages(d, *params);
    }
    d.receiver->StartRx(params);
}

void
BatchedSpectrumChannel::GiveCtrlMessages(const Delivery& d, SpectrumSignalParameters& rx)
{
    if (OtherCellAtLte(d.kind, *d.ctrlSource, d.lte))
    {
        return; // its PHY synchronises with another cell: StartRxData and StartRxDlCtrl ignore this frame's messages
    }
    if (d.kind == SignalKind::LteData)
    {
        static_cast<LteSpectrumSignalParametersDataFrame&>(rx).ctrlMsgList =
            static_cast<const LteSpectrumSignalParametersDataFrame&>(*d.ctrlSource).ctrlMsgList;
    }
    else
    {
        static_cast<LteSpectrumSignalParametersDlCtrlFrame&>(rx).ctrlMsgList =
            static_cast<const LteSpectrumSignalParametersDlCtrlFrame&>(*d.ctrlSource).ctrlMsgList;
    }
}

BatchedSpectrumChannel::CachedLink*
BatchedSpectrumChannel::LinkEntry(const Delivery& d)
{
    if (d.txNode == kUnknownNode || d.rxNode == kUnknownNode)
    {
        return nullptr;
    }
    const uint32_t needed = std::max(d.txNode, d.rxNode) + 1;
    if (needed > m_linkStride)
    {
        // Nodes are numbered densely from 0: one row and column per node that exists now (cleared: a few
        // look-ups and recomputations when a node joins mid-run).
        const uint32_t stride = std::max<uint32_t>(needed, NodeList::GetNNodes());
        if (stride > kMaxLinkTableNodes)
        {
            return nullptr; // too many pairs to keep: look-ups per signal, path loss computed every time
        }
        m_linkStride = stride;
        m_links.assign(std::size_t(m_linkStride) * m_linkStride, CachedLink{});
    }
    return &m_links[std::size_t(d.txNode) * m_linkStride + d.rxNode];
}

const CorrelatedRayleighFading::Link&
BatchedSpectrumChannel::FadingLink(const CorrelatedRayleighFading& fading,
                                   CachedLink* link,
                                   const Ptr<const SpectrumModel>& model,
                                   const Ptr<MobilityModel>& txMobility,
                                   const Ptr<MobilityModel>& rxMobility)
{
    if (!link)
    {
        return *fading.LinkOf(model, txMobility, rxMobility);
    }
    // Kept with the two mobility models it was looked up for (a node's PHYs share its mobility, but nothing here
    // relies on that); InPlaceFading forgets them all when the fading model changes.
    if (!link->fadingKnown || link->fadingTx != PeekPointer(txMobility) || link->fadingRx != PeekPointer(rxMobility))
    {
        link->fading = *fading.LinkOf(model, txMobility, rxMobility); // drawn once, never changed: a copy is the same
        link->fadingKnown = true;
        link->fadingTx = PeekPointer(txMobility);
        link->fadingRx = PeekPointer(rxMobility);
    }
    return link->fading;
}

double
BatchedSpectrumChannel::RxAntennaGainDb(const Delivery& d,
                                        CachedLink* link,
                                        const Ptr<MobilityModel>& txMobility,
                                        const Ptr<MobilityModel>& rxMobility)
{
    Ptr<Object> antenna = d.receiver->GetAntenna();
    if (!link || !antenna)
    {
        return AntennaGainDb(antenna, txMobility, rxMobility);
    }
    if (link->rxAntenna != PeekPointer(antenna))
    {
        link->rxResolved = &Resolve(antenna); // m_antennas' elements stay put until DoDispose
        link->rxAntenna = PeekPointer(antenna);
    }
    return GainDb(*link->rxResolved, txMobility, rxMobility);
}

bool
BatchedSpectrumChannel::LinkLoss(const SpectrumSignalParameters& params,
                                 const Delivery& d,
                                 const Ptr<MobilityModel>& txMobility,
                                 const Ptr<MobilityModel>& rxMobility,
                                 CachedLink* entry,
                                 double& pathLossDb,
                                 double& linearGain)
{
    double rxAntennaGainDb = RxAntennaGainDb(d, entry, txMobility, rxMobility);
    pathLossDb = -d.txAntennaGainDb - rxAntennaGainDb;
    // The path-loss cache, and the pow() it saves, only with PathLossRefresh set: the exact path computes as before.
    CachedLink* link = m_pathLossRefresh.IsZero() ? nullptr : entry;
    const double propagationGainDb = PropagationGainDb(txMobility, rxMobility, link);
    pathLossDb -= propagationGainDb;
    // (Fired only when connected: the call copies its Ptr arguments even into an empty trace, per link and signal.)
    if (!m_gainTrace.IsEmpty())
    {
        m_gainTrace(txMobility, rxMobility, d.txAntennaGainDb, rxAntennaGainDb, propagationGainDb, pathLossDb);
    }
    if (!m_pathLossTrace.IsEmpty())
    {
        m_pathLossTrace(params.txPhy, d.receiver, pathLossDb);
    }
    if (link && link->pathLossDb == pathLossDb)
    {
        linearGain = link->linearGain; // the same loss as last time: the same factor
    }
    else
    {
        linearGain = std::pow(10.0, -pathLossDb / 10.0);
        if (link)
        {
            link->pathLossDb = pathLossDb;
            link->linearGain = linearGain;
        }
    }
    return pathLossDb <= m_maxLossDb;
}

double
BatchedSpectrumChannel::PropagationGainDb(const Ptr<MobilityModel>& txMobility,
                                          const Ptr<MobilityModel>& rxMobility,
                                          CachedLink* link)
{
    if (!m_propagationLoss)
    {
        return 0.0;
    }
    if (link && link->computedAt >= 0)
    {
        return link->propagationGainDb; // kept fresh by RefreshPathLosses
    }
    double gainDb = 0.0;
    if (txMobility->GetPosition() != rxMobility->GetPosition())
    {
        gainDb = m_propagationLoss->CalcRxPower(0, txMobility, rxMobility);
    }
    if (link)
    {
        // (Only with the cache on: the exact path asks nothing more than it did before the cache.)
        const int64_t now = Simulator::Now().GetTimeStep();
        link->computedAt = now;
        link->propagationGainDb = gainDb;
        link->lossTx = PeekPointer(txMobility);
        link->lossRx = PeekPointer(rxMobility);
        if (!m_refreshEvent.IsPending())
        {
            const int64_t period = m_pathLossRefresh.GetTimeStep();
            m_refreshEvent = Simulator::Schedule(TimeStep((now / period + 1) * period - now),
                                                 &BatchedSpectrumChannel::RefreshPathLosses,
                                                 this);
        }
    }
    return gainDb;
}

void
BatchedSpectrumChannel::RefreshPathLosses()
{
    const int64_t now = Simulator::Now().GetTimeStep();
    for (CachedLink& link : m_links)
    {
        if (link.computedAt < 0)
        {
            continue;
        }
        // Mobility models live as long as their nodes, i.e. the simulation (m_links is cleared at DoDispose).
        Ptr<MobilityModel> tx(const_cast<MobilityModel*>(link.lossTx));
        Ptr<MobilityModel> rx(const_cast<MobilityModel*>(link.lossRx));
        link.propagationGainDb =
            tx->GetPosition() != rx->GetPosition() ? m_propagationLoss->CalcRxPower(0, tx, rx) : 0.0;
        link.computedAt = now;
    }
    m_refreshEvent =
        Simulator::Schedule(m_pathLossRefresh, &BatchedSpectrumChannel::RefreshPathLosses, this);
}

namespace
{
// A link's received psd added to a sum: each band times the path loss, times the fading gain, plus the sum. Built
// twice, for AVX2 and for any x86-64, and picked at load time by the CPU (GCC's target_clones): the AVX2 loop does
// four bands per instruction where the baseline SSE2 one does two. Each band is still one multiply, one multiply
// and one add, rounded as such in every lane (no FMA: AVX2 alone does not have it, and CMakeLists.txt keeps the
// compiler from contracting), so both builds give the same bits.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
[[gnu::target_clones("avx2", "default")]]
#endif
void
AddFadedLink(double* __restrict sum,
             const double* __restrict psd,
             double loss,
             const float* __restrict gains,
             std::size_t bands)
{
    for (std::size_t k = 0; k < bands; ++k)
    {
        sum[k] += (psd[k] * loss) * gains[k];
    }
}
} // namespace

void
BatchedSpectrumChannel::DeliverIntoSum(const Delivery& d)
{
    // d.params is the transmission's shared copy: read only. The link's received psd is added to its sum in one
    // pass, each band with the same operations in the same order as on a receiver's own copy in Deliver (times
    // the path loss, times the fading gain; the build contracts no multiply-add, see CMakeLists.txt), so the sum
    // holds what adding that copy would give. A new sum starts from zeros: 0 + x is x for every x >= +0, and every
    // term here is (a psd >= 0, a loss > 0, gains >= 0).
    const SpectrumSignalParameters& tx = *d.params;
    Ptr<MobilityModel> txMobility = tx.txPhy->GetMobility();
    Ptr<MobilityModel> rxMobility = d.receiver->GetMobility();
    // (__restrict: the sum is a buffer of its own, so the loops below can be vectorised; each band is still one
    // multiply, one multiply and one add, rounded as such.)
    const double* __restrict psd = &*tx.psd->ConstValuesBegin();
    const std::size_t bands = tx.psd->GetValuesN();
    if (!txMobility || !rxMobility)
    {
        double* __restrict sum = &*SumFor(d, tx.psd->GetSpectrumModel()).ValuesBegin();
        for (std::size_t k = 0; k < bands; ++k)
        {
            sum[k] += psd[k];
        }
        return;
    }
    double pathLossDb;
    double loss;
    CachedLink* link = LinkEntry(d);
    if (!LinkLoss(tx, d, txMobility, rxMobility, link, pathLossDb, loss))
    {
        return; // beyond range
    }
    const CorrelatedRayleighFading* fading = InPlaceFading();
    const Ptr<const SpectrumModel>& model = tx.psd->GetSpectrumModel();
    const float* __restrict gains =
        fading ? fading->GainsAt(model, FadingLink(*fading, link, model, txMobility, rxMobility)) : nullptr;
    double* __restrict sum = &*SumFor(d, tx.psd->GetSpectrumModel()).ValuesBegin();
    if (gains)
    {
        AddFadedLink(sum, psd, loss, gains, bands);
    }
    else
    {
        for (std::size_t k = 0; k < bands; ++k)
        {
            sum[k] += psd[k] * loss;
        }
    }
}

BatchedSpectrumChannel::SumGroup
BatchedSpectrumChannel::SummableAt(SignalKind kind,
                                   const SpectrumSignalParameters& params,
                                   const NrSpectrumPhy& receiver)
{
    if (params.spectrumChannelMatrix)
    {
        return SumGroup::None; // MIMO: the receiver keeps each signal's channel for its interference covariance
    }
    // What NrSpectrumPhy::StartRx does with a signal that it only counts as interference: adds its psd to the
    // interference of its data and SRS, of its control (DL control) and of its CSI-IM (data of other cells), for
    // the signal's duration. Own-cell and other-cell signals are summed apart: only the latter reach the CSI-IM.
    const uint16_t cell = receiver.GetCellId();
    switch (kind)
    {
    case SignalKind::NrData: {
        const auto& data = static_cast<const NrSpectrumSignalParametersDataFrame&>(params);
        if (data.cellId != cell)
        {
            return SumGroup::OtherCells;
        }
        // Another UE's data in the receiver's own cell (a UE without an RNTI yet takes every one of its cell's).
        const bool othersData = !receiver.IsGnb() && receiver.GetRnti() != 0 && data.rnti != receiver.GetRnti();
        return othersData ? SumGroup::OwnCell : SumGroup::None;
    }
    case SignalKind::NrDlCtrl: {
        const auto& ctrl = static_cast<const NrSpectrumSignalParametersDlCtrlFrame&>(params);
        return ctrl.pss || ctrl.cellId == cell ? SumGroup::None : SumGroup::OtherCells; // a PSS: measured per cell
    }
    case SignalKind::NrUlCtrl: {
        // A UE ignores every uplink control frame; a gNB those of other cells.
        const bool other = static_cast<const NrSpectrumSignalParametersUlCtrlFrame&>(params).cellId != cell;
        return other ? SumGroup::OtherCells : (receiver.IsGnb() ? SumGroup::None : SumGroup::OwnCell);
    }
    case SignalKind::NrCsiRs:
        return static_cast<const NrSpectrumSignalParametersCsiRs&>(params).cellId != cell ? SumGroup::OtherCells
                                                                                          : SumGroup::None;
    default:
        return SumGroup::None;
    }
}

bool
BatchedSpectrumChannel::OtherCellCtrlWithoutPss(const NrSpectrumSignalParametersDlCtrlFrame& ctrl,
                                                const NrSpectrumPhy& receiver)
{
    // A UE without an RNTI is still attaching: it gets every frame, as without the setting.
    return !ctrl.pss && !receiver.IsGnb() && receiver.GetRnti() != 0 && ctrl.cellId != receiver.GetCellId();
}

BatchedSpectrumChannel::SumGroup
BatchedSpectrumChannel::SummableAtLte(SignalKind kind,
                                      const SpectrumSignalParameters& params,
                                      const LteDevice& rx)
{
    // What LteSpectrumPhy::StartRx does with a data frame of another cell (StartRxData ignores it) or a DL control
    // frame of another cell without PSS (StartRxDlCtrl ignores it): adds its psd to the receiving PHY's data or
    // control interference for the signal's duration, and nothing else. The PHY keeps its cell to itself; a UE's
    // RRC names the same cells while it is connected (the PHY's and the RRC's are set in one call when it
    // synchronises with a cell or hands over; IsServingCell covers secondary carriers too), so only connected UEs
    // get sums; an eNB's cells are its own.
    if (kind != SignalKind::LteData && kind != SignalKind::LteDlCtrl)
    {
        return SumGroup::None; // SRS (measured per UE by its cell) and other signals: one by one
    }
    if (kind == SignalKind::LteDlCtrl && static_cast<const LteSpectrumSignalParametersDlCtrlFrame&>(params).pss)
    {
        return SumGroup::None; // a PSS: measured per cell
    }
    if (kind == SignalKind::LteDlCtrl && rx.enb)
    {
        return SumGroup::None;
    }
    return OtherCellAtLte(kind, params, rx) ? SumGroup::OtherCells : SumGroup::None;
}

bool
BatchedSpectrumChannel::OtherCellAtLte(SignalKind kind,
                                       const SpectrumSignalParameters& params,
                                       const LteDevice& rx)
{
    const uint16_t cell = kind == SignalKind::LteData
                              ? static_cast<const LteSpectrumSignalParametersDataFrame&>(params).cellId
                              : static_cast<const LteSpectrumSignalParametersDlCtrlFrame&>(params).cellId;
    if (rx.ue)
    {
        const LteUeRrc* rrc = rx.rrc ? rx.rrc : PeekPointer(rx.ue->GetRrc());
        return rrc->GetState() == LteUeRrc::CONNECTED_NORMALLY && !rrc->IsServingCell(cell);
    }
    if (rx.enb)
    {
        return !rx.enb->HasCellId(cell);
    }
    return false;
}

SpectrumValue&
BatchedSpectrumChannel::SumFor(const Delivery& d, const Ptr<const SpectrumModel>& model)
{
    if (d.rxSlot >= m_slotSums.size())
    {
        m_slotSums.resize(std::size_t(d.rxSlot) + 1);
    }
    SlotSums& mine = m_slotSums[d.rxSlot];
    if (mine.batch != m_sumBatch)
    {
        mine.batch = m_sumBatch;
        mine.sums.clear();
    }
    const SumKey key{PeekPointer(d.receiver), d.kind, d.sumGroup, d.params->duration.GetTimeStep(), model->GetUid()};
    for (const auto& [k, index] : mine.sums)
    {
        if (k == key)
        {
            return *m_sums[index].second->psd; // in the receiver's spectrum model, as every term of the sum
        }
    }
    mine.sums.emplace_back(key, m_sums.size());
    if (m_sums.empty())
    {
        // After the events already queued for this instant: the other cells' transmissions of the same slot.
        Simulator::ScheduleNow(&BatchedSpectrumChannel::DeliverSums, this);
    }
    // The sum's own parameters: the first term's signal (d.params is the shared copy), with a psd of its own, zeros.
    // (A sum goes to a PHY that reads no control message of its terms: an LTE sum's are not given, an NR sum's
    // not copied; nr reads an UL or DL control frame's messages only in the receiver's cell, and a data frame's
    // only at the UE it is for or at its cell's gNB, none of which are summed: SummableAt.)
    m_sums.emplace_back(d.receiver, ReceiverCopy(d.kind, d.params, ZeroSum(model), false));
    return *m_sums.back().second->psd;
}

Ptr<SpectrumValue>
BatchedSpectrumChannel::ZeroSum(const Ptr<const SpectrumModel>& model)
{
    std::deque<Ptr<SpectrumValue>>& spares = m_spareSums[model->GetUid()];
    if (!spares.empty())
    {
        Ptr<SpectrumValue> oldest = std::move(spares.front());
        spares.pop_front();
        if (oldest->GetReferenceCount() == 1) // held here alone: its receiver has let go of it
        {
            std::fill(oldest->ValuesBegin(), oldest->ValuesEnd(), 0.0);
            spares.push_back(oldest);
            return oldest;
        }
        if (spares.size() < kMaxSpareSums)
        {
            spares.push_back(oldest); // its signal has not ended: looked at again after the others
        }
    }
    Ptr<SpectrumValue> sum = Create<SpectrumValue>(model);
    spares.push_back(sum);
    return sum;
}

void
BatchedSpectrumChannel::DeliverSums()
{
    // Taken out first: a receiver's StartRx may transmit, and that transmission's sums belong to a new batch.
    auto sums = std::move(m_sums);
    m_sums.clear();
    ++m_sumBatch; // every slot's entries now belong to the batch taken
    for (auto& [receiver, params] : sums)
    {
        Ptr<const SpectrumModel> rxModel = receiver->GetRxSpectrumModel();
        if (params->psd->GetSpectrumModelUid() != rxModel->GetUid())
        {
            // The receiver changed its spectrum model since the instant began (as in Deliver, for one link): the
            // sum is linear, so converting it is converting its terms.
            const SpectrumConverter* converter = Converter(params->psd->GetSpectrumModel(), rxModel);
            if (!converter)
            {
                continue; // orthogonal now: none of it reaches the receiver
            }
            params->psd = converter->Convert(params->psd);
        }
        receiver->StartRx(params);
    }
}

} // namespace ns3
