#ifndef PAMRL_BATCHED_SPECTRUM_CHANNEL_H
#define PAMRL_BATCHED_SPECTRUM_CHANNEL_H

#include "correlated-rayleigh-fading.h"

#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "ns3/spectrum-channel.h"
#include "ns3/spectrum-converter.h"

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ns3
{

class AntennaModel;
class NetDevice;
class SameSideTransmitFilter;
class NrSpectrumPhy;
struct NrSpectrumSignalParametersDlCtrlFrame;
class LteEnbNetDevice;
class LteUeNetDevice;
class LteUeRrc;
class LteUePhy;
class LteSpectrumPhy;

/**
 * A spectrum channel for cells with many receivers: the same physics as ns-3's MultiModelSpectrumChannel
 * (same receivers, in the same order, with the same gains, at the same times), delivered more cheaply.
 *
 * At paper scale every eNB's control and data signals reach ~200 UEs each TTI, and the stock channel pays,
 * per receiver, a deep copy of the signal's packets, a scheduled event carrying a copy of a std::map, and
 * antenna angles even for isotropic antennas. This channel
 *  - makes one copy of an LTE or NR signal's packets per transmission and shares it among the receivers (only a
 *    UE of the sending cell reads them, and only the UE the packet is addressed to passes it up; NR: only the UE
 *    of the signal's RNTI, or the cell's gNB), and does not copy the psd that each receiver's own replaces;
 *  - without a propagation delay model, delivers a transmission to all receivers in one event; this keeps
 *    the order of events: the stock channel's per-receiver events have consecutive ids at the same time,
 *    so nothing can run between them;
 *  - evaluates an isotropic antenna's gain without computing angles;
 *  - does not deliver a signal of zero power (a UE's PUCCH-only frame: ns-3 sends it with no resource
 *    blocks) to the eNBs of other cells, for which it would only add zero to their interference;
 *  - with a SameSideTransmitFilter (NR without cross-link interference), visits only the receivers on the other
 *    side of a transmission (a UE's uplink signal: the gNBs, not ~200 receivers), and, with SkipUnreadDlData, a
 *    DL data signal only the UEs of its RNTI and those that read data in the slot: indexes kept per receiver
 *    group and rebuilt when a receiver, a side, an RNTI, a cell (nr with our patch 0033) or the slot's DCIs change.
 *    Every receiver visited passes the same tests as before; every one left out would have failed them
 *    (IndexReceivers false visits all; tests/test_channel.py compares).
 * tests/test_channel.py checks that KPIs are bit-identical to those with the stock channel.
 *
 * One setting changes what is modelled: with NeighbourCtrlFrames false, a UE hears other cells' control
 * frames (PDCCH) only in subframes that carry the PSS (its cell measurements), not in the other 8 of 10.
 * Those frames only raise the control-channel interference, which decides PDCCH decoding errors (the control
 * error model), the CQI when it is taken from the PDCCH alone, and radio-link-failure detection; the scenario
 * allows the setting only with the first two off (agent/pamrl/bridge/scenario.py), which leaves RLF detection
 * seeing the control channel without inter-cell interference.
 *
 * Another (SumOtherCells, off by default): the NR or LTE signals that reach a receiver in the same instant, with
 * the same kind and duration, that it does not decode (another cell's; NR, in its own cell: another UE's data and,
 * at a UE, any uplink control) arrive as one signal whose psd is the sum of theirs, each link with its own path loss
 * and fading. Such a receiver only adds that signal's psd to its interference for its duration, so the SINR it
 * computes is the same sum taken in another order: KPIs move only by floating-point rounding
 * (tests/test_sum_other_cells.py: within 1e-9 over whole episodes). Per slot at paper scale it turns each UE's five foreign
 * downlink signals into one and each gNB's ~165 foreign uplink signals into one (NR); LTE: each UE's five other
 * cells' data frames per TTI, and each eNB's other cells' uplink data. PSS frames (cell measurements), LTE SRS and
 * signals with a MIMO channel matrix are always delivered one by one.
 *
 * A third (PathLossRefresh, zero by default: off): a link's propagation loss is computed from the two positions
 * once per that interval and reused in between, instead of at every signal: at its first signal, then for every
 * link used so far at each multiple of the interval (one event), whether or not a signal crosses it then. So the
 * instants a loss is taken at do not depend on which signals a link carries (a rule that recomputed a link at its
 * first signal after the interval did: leaving frames out then moved every later loss). Positions move by
 * centimetres per millisecond (a UE at 30 m/s: 3 cm), so the loss moves by hundredths of a dB; the fast fading is
 * not touched (it follows time, not the path-loss cache). A propagation model with random draws would have them
 * reused too; ours (log-distance) has none. tests/test_lean.py bounds its effect on KPIs.
 *
 * A fourth (NrPssPeriod, zero by default: off): nr marks every gNB DL control frame as carrying the PSS, so every
 * UE takes an RSRP sample of every cell in every slot (NrUePhy::ReceivePss), and no other cell's control frame can
 * join a sum. With a period, a cell's first DL control frame in each period window keeps its PSS and the others go
 * out as frames without one, as a 3GPP SS burst repeats every 5-160 ms (20 ms is what a UE assumes at initial
 * access). Those RSRP samples feed only the UE's measurement reports to its RRC (averaged over 200 ms; no handover
 * or other measurement event is configured here), so the KPIs move by the rounding of the sums alone
 * (tests/test_sum_other_cells.py).
 *
 * A sixth (NrNeighbourCtrlFrames, on by default), NR's counterpart of NeighbourCtrlFrames: false, an attached
 * UE does not get other cells' DL control frames without a PSS (see NrPssPeriod). With nr's
 * UeDataInterferenceOmitsDlCtrl (our patch 0026) such a frame reaches only the UE's control interference, which
 * nothing reads here (nr has no PDCCH error model; only the DlCtrlSinr trace, not connected), so KPIs move by
 * rounding only (tests/test_sum_other_cells.py). The path-loss cache's refresh instants do not depend on which
 * links a slot uses (PathLossRefresh), or leaving these frames out would move every later loss.
 *
 * A seventh (NrSkipUnreadCtrlPsd, off by default): a UE gets a DL control frame without a PSS with the transmitted
 * psd, not the received one: no copy, path loss or fading per UE and slot. Only for UEs set to read nothing of such a
 * frame but its messages: nr's UeDataInterferenceOmitsDlCtrl and UeSkipsCtrlInterference (our patches 0026, 0027)
 * keep it out of both interference sums, the PSS callback takes only PSS frames, and NrSpectrumPhy::StartRx's test
 * for an all-zero psd gives the same answer for the transmitted psd (a received one is the transmitted one times
 * positive gains). The link's loss is still computed (its range test, the channel's traces, the path-loss cache) and
 * its fading entry looked up (the order links draw theirs in), so KPIs are bit-identical
 * (tests/test_sum_other_cells.py). The scenario sets it only where those UE settings are on (NrRan::MakeChannel).
 *
 * An eighth (LteSkipUnreadCtrlPsd, off by default), LTE's counterpart: a UE gets its cell's DL control frame with
 * the transmitted psd when its PHY will leave the frame out of its control interference (our patch 0030 to ns-3's
 * lte: LteSpectrumPhy::SkipsCtrlInterferenceOf, asked right before the frame is handed over, so the channel and
 * the PHY decide alike; the PHY then reads only the frame's messages). The UE's copy of the frame is made at
 * delivery, once that is known, and only for a frame the PHY reads. The link's loss and fading entry are looked up
 * as for the other frames. Built against ns-3 without patch 0030, every frame is copied and scaled as before.
 *
 * A fifth (SkipUnreadDlData, off by default): a UE gets the DL data signals it does not decode only in the
 * subframes or slots in which it reads its data interference. NR: in the slots in which its cell's DL control
 * frame carried a DL DCI for it (nr assumes K0 = 0: the data follows in the same slot). Its own data signal, and
 * every signal in those slots, is delivered as before; in the others it would only add their psds to its data
 * interference and subtract them as they end within the slot, and nothing reads that interference outside the
 * UE's own reception (its CQI is taken from its PDSCH). LTE: an LTE UE gets its cell's and other cells' DL data
 * frames of a subframe only if it reads them: if the frame carries a transport block for it (the DCIs of the subframe's
 * control frame, which it has decoded by then, announced one), or if its next subframe's CQI report or RSRP/SINR
 * sample reads the data interference it measures in this one (LteUePhy::BuildsMixedSinrAt). In every other
 * subframe a UE adds the frames' psds to its data interference and subtracts them again when they end, and reads
 * nothing: the data frames start after the control frame and end with the subframe, so nothing of them is left for
 * a later subframe but the rounding of that add and subtract. KPIs move by rounding only
 * (tests/test_sum_other_cells.py). Needs ns-3 with our patch 0018, which lets the UE's PHYs tell; without it,
 * every frame is delivered.
 */
class BatchedSpectrumChannel : public SpectrumChannel
{
  public:
    static TypeId GetTypeId();

    void AddRx(Ptr<SpectrumPhy> phy) override;
    void RemoveRx(Ptr<SpectrumPhy> phy) override;
    void StartTx(Ptr<SpectrumSignalParameters> params) override;
    std::size_t GetNDevices() const override;
    Ptr<NetDevice> GetDevice(std::size_t i) const override;

  protected:
    void DoDispose() override;

  private:
    enum class SignalKind
    {
        LteData,
        LteDlCtrl,
        LteOther,
        NrData,
        NrDlCtrl,
        NrUlCtrl,
        NrCsiRs,
        Other
    };

    /// With SumOtherCells: which sum a received signal joins, if the receiver only counts it as interference.
    enum class SumGroup
    {
        None,      ///< delivered alone
        OtherCells,
        OwnCell, ///< the receiver's own cell's signals it does not decode (another UE's data or uplink control)
    };

    static constexpr uint32_t kUnknownNode = UINT32_MAX;

    /// One receiver of a transmission.
    /// A receiver's device as an LTE UE or eNB, cast once (at its first signal: a PHY may get its device after
    /// it joins the channel) instead of at every signal.
    struct LteDevice
    {
        const LteUeNetDevice* ue{nullptr};
        const LteEnbNetDevice* enb{nullptr};
        const LteUeRrc* rrc{nullptr}; ///< ue's RRC (a device keeps its RRC for life), read for its cell and state
        const LteUePhy* uePhy{nullptr};        ///< ue's PHY (SkipUnreadDlData)
        const LteSpectrumPhy* uePhyRx{nullptr}; ///< the receiving PHY as ue's LTE downlink PHY (SkipUnreadDlData)
    };

    struct Delivery
    {
        Ptr<SpectrumPhy> receiver;
        /// Its own copy, psd already in the receiver's model; for a link into a sum, the shared copy (read only).
        Ptr<SpectrumSignalParameters> params;
        double txAntennaGainDb;
        SignalKind kind{SignalKind::Other};
        SumGroup sumGroup{SumGroup::None};
        /// An LTE data or DL control frame delivered alone: its shared copy, whose control messages the receiver
        /// gets at delivery if it reads them then (GiveCtrlMessages), and the receiver's device.
        Ptr<const SpectrumSignalParameters> ctrlSource;
        LteDevice lte;
        uint32_t txNode{kUnknownNode}; ///< the two nodes' ids (kUnknownNode: no device yet), keying m_links
        uint32_t rxNode{kUnknownNode};
        uint32_t rxSlot{0}; ///< the receiver's slot in m_slotSums
        /// params is the shared copy; the receiver's own is made at delivery (SkipUnreadDlData: an LTE UE's own cell's
        /// data frame, which most UEs are then not given; LteSkipUnreadCtrlPsd: its cell's DL control frame, which
        /// most UEs then get as the shared copy).
        bool copyAtDelivery{false};
        /// params carries the transmitted psd, which the receiver does not read: none made for it (NrSkipUnreadCtrlPsd).
        bool psdUnread{false};
    };

    /// Receivers, grouped by the spectrum model they listen with (in model-id order, then in AddRx order).
    struct ModelReceivers
    {
        Ptr<const SpectrumModel> model;
        std::vector<Ptr<SpectrumPhy>> phys;
        std::vector<NrSpectrumPhy*> nrPhys;   ///< phys[i] as an NR PHY, or nullptr
        std::vector<LteDevice> lteDevices;    ///< phys[i]'s device as an LTE device
        /// phys[i]'s node id, kUnknownNode until it has a device (read at every transmission to skip a node's own
        /// antennas; a PHY's device and a device's node do not change).
        std::vector<uint32_t> nodeIds;
        /// phys[i]'s side for a SameSideTransmitFilter (see SameSideOf), kSideUnknown until asked.
        std::vector<int8_t> sides;
        std::vector<uint32_t> slots; ///< phys[i]'s slot in m_slotSums
        /// With a SameSideTransmitFilter (SameSideFilter): the receivers that a signal from side s (0 UE, 1 base
        /// station) may reach, those on the other side or of no known side yet, in list order. A transmission
        /// visits these instead of every receiver (an NR UE's uplink signal: 6 gNBs instead of ~200 receivers).
        /// Built again after any change to phys or sides (sidesChanged).
        std::array<std::vector<uint32_t>, 2> otherSide;
        bool sidesChanged{true};
        /// SkipUnreadDlData, NR: what decides, per receiver facing the gNBs (otherSide[1]), whether it takes a DL
        /// data signal (StartTx's test with NrUeReadsDlData), read from the PHYs once instead of at every signal:
        /// built again after a change to otherSide or to any NR PHY's RNTI, cell or role (nr counts those for us:
        /// NrSpectrumPhy::GetIdentityChanges, our patch 0033).
        struct DlDataReceiver
        {
            uint32_t index;    ///< in phys
            uint16_t cellId;   ///< the UE's cell
            uint16_t rnti;     ///< the UE's RNTI
            bool always;       ///< takes every DL data signal: not an NR UE with an RNTI, or of no known side
        };
        std::vector<DlDataReceiver> dlDataReceivers;
        std::vector<std::vector<uint32_t>> dlDataByRnti; ///< per RNTI, the receivers with it (any cell), in order
        uint64_t dlDataIdentity{UINT64_MAX};             ///< nr's identity count they were read under
        bool dlDataStale{true};
        /// The receivers that read this slot's DL data (NrUeReadsDlData), in order, as of m_nrDlDcisVersion.
        std::vector<uint32_t> dlDataReaders;
        uint64_t dlDataReadersVersion{UINT64_MAX};
    };
    /// The receivers of `group` that a signal from side `txSide` may reach, in list order, as StartTx visits them:
    /// `group.otherSide[txSide]`, or for an NR DL data signal with SkipUnreadDlData its RNTI's receivers and the
    /// slot's readers among those. Every receiver left out would be dropped by StartTx's own tests.
    const std::vector<uint32_t>& ReceiversFacing(ModelReceivers& group, int8_t txSide, const SpectrumSignalParameters& sent,
                                                 SignalKind kind);
    /// The DL data readers of `group` for this slot, or nullptr when nr cannot say whether its PHYs changed RNTI or
    /// cell (a build without our patch 0033): then every receiver facing the gNBs is visited.
    const std::vector<uint32_t>* NrDlDataReaders(ModelReceivers& group);
    std::vector<uint32_t> m_facingScratch; ///< ReceiversFacing's answer for one DL data signal
    bool m_indexReceivers{true};           ///< the IndexReceivers attribute

    /// A transmission's deliveries of one instant. Handed to its event by shared pointer: ns-3's MakeEvent binds
    /// its arguments by value, which copied the whole vector (thousands of deliveries per TTI at paper scale).
    struct Batch
    {
        Ptr<SpectrumValue> txPsd;
        std::vector<Delivery> deliveries;
    };

    void DeliverAll(std::shared_ptr<const Batch> batch);
    /// Asks the CPU to start loading what delivering `ahead` will read first: its link's entry in m_links (a
    /// random pair of a table of several MB) and, once that entry is loaded, the link's row of fading gains (a
    /// random row of another). Deliver then finds them in cache instead of waiting for each in turn; at paper
    /// scale the fading reads alone were ~13 % of LTE's time for ~1 % of its instructions. Reads nothing that
    /// it could change, so the simulation is the same with or without it.
    void Prefetch(const Delivery& entryAhead, const Delivery& gainsAhead, const CorrelatedRayleighFading* fading,
                  SpectrumModelUid_t model) const;
    /// How many deliveries ahead the entry and the gains are prefetched (the entry first: the gains' address is in it).
    static constexpr std::size_t kEntryAhead = 8;
    static constexpr std::size_t kGainsAhead = 4;
    static SumGroup SummableAt(SignalKind kind, const SpectrumSignalParameters& params, const NrSpectrumPhy& receiver);
    /// The same for an LTE receiver, by its device (LteSpectrumPhy does not tell its cell).
    static SumGroup SummableAtLte(SignalKind kind, const SpectrumSignalParameters& params, const LteDevice& rx);
    /// NrNeighbourCtrlFrames: whether `ctrl` is another cell's DL control frame without a PSS at an attached UE.
    static bool OtherCellCtrlWithoutPss(const NrSpectrumSignalParametersDlCtrlFrame& ctrl, const NrSpectrumPhy& receiver);
    /// Whether an LTE data or DL control frame reaches a PHY of another cell, known from its device: such a PHY
    /// adds the frame's psd to its interference and reads nothing else of it (see SummableAtLte).
    static bool OtherCellAtLte(SignalKind kind, const SpectrumSignalParameters& params, const LteDevice& rx);
    /// The sum pending for a link's receiver, kind, group and duration, to add its received psd to (the first link
    /// of the instant starts it, at zero, in `model`; the sums are delivered once the instant's other
    /// transmissions are in).
    SpectrumValue& SumFor(const Delivery& delivery, const Ptr<const SpectrumModel>& model);
    /// A zeroed psd for a new sum: a buffer of an earlier sum that nobody holds any more (its signal ended), or a
    /// new one. Sums are made and released by the thousand per TTI, in about the order they end; a new
    /// SpectrumValue zeroes its values too, so a reused buffer holds what a new one would.
    Ptr<SpectrumValue> ZeroSum(const Ptr<const SpectrumModel>& model);
    /// The buffers handed out, per spectrum model, oldest first (about kMaxSpareSums kept per model: one held
    /// for long by a receiver is then dropped from the rotation instead of holding it up).
    std::map<SpectrumModelUid_t, std::deque<Ptr<SpectrumValue>>> m_spareSums;
    static constexpr std::size_t kMaxSpareSums = 1 << 14;
    /// Delivers the pending sums, in the order they were started.
    void DeliverSums();
    void Deliver(const Ptr<SpectrumValue>& txPsd, const Delivery& delivery);
    /// A link into a sum: its received psd added to the sum in one pass, nothing allocated.
    void DeliverIntoSum(const Delivery& delivery);
    /// A link whose receiver reads nothing of the psd (Delivery::psdUnread): handed over with the transmitted psd.
    void DeliverUnreadPsd(const Delivery& delivery);
    struct CachedLink;
    /// A link's loss (antennas and propagation) in dB and as the linear factor a psd is multiplied by, the channel's
    /// traces fired; false when beyond range. `entry`: the link's LinkEntry, or nullptr.
    bool LinkLoss(const SpectrumSignalParameters& params,
                  const Delivery& d,
                  const Ptr<MobilityModel>& txMobility,
                  const Ptr<MobilityModel>& rxMobility,
                  CachedLink* entry,
                  double& pathLossDb,
                  double& linearGain);
    /// A link's propagation gain in dB (positions differ) or 0 (same position): from the path-loss cache entry
    /// `link` when it is given (PathLossRefresh set) and holds one; computed, and stored there, otherwise.
    double PropagationGainDb(const Ptr<MobilityModel>& txMobility, const Ptr<MobilityModel>& rxMobility, CachedLink* link);
    /// PathLossRefresh: every cached link's propagation gain from the positions now; runs at each multiple of the
    /// interval once a link is cached, and schedules the next.
    void RefreshPathLosses();
    EventId m_refreshEvent;
    /// The entry of a link's transmitting and receiving nodes in m_links; nullptr while either node is unknown.
    CachedLink* LinkEntry(const Delivery& d);
    /// The fading model's entry for a link, kept in the link's CachedLink (when there is one) after the first
    /// look-up: the model's hash look-up per link and signal was ~4 % of NR's wall time at paper scale.
    const CorrelatedRayleighFading::Link& FadingLink(const CorrelatedRayleighFading& fading,
                                                     CachedLink* link,
                                                     const Ptr<const SpectrumModel>& model,
                                                     const Ptr<MobilityModel>& txMobility,
                                                     const Ptr<MobilityModel>& rxMobility);
    /// The receiving antenna's gain, its resolution (Resolve) kept in the link's CachedLink with the antenna
    /// object it was made for, so that a link's later signals skip Resolve's hash look-up.
    double RxAntennaGainDb(const Delivery& d,
                           CachedLink* link,
                           const Ptr<MobilityModel>& txMobility,
                           const Ptr<MobilityModel>& rxMobility);

    static SignalKind KindOf(const Ptr<SpectrumSignalParameters>& params);
    /// Whether a receiver on the LTE device `rx` (or no LTE device) must get this transmission (see the class
    /// comment).
    bool MustDeliver(SignalKind kind, const SpectrumSignalParameters& tx, bool zeroPower, const LteDevice& rx) const;
    /// A receiver's own parameters: a new object around the shared packets, with the given psd. An LTE frame's
    /// control messages are left out: GiveCtrlMessages adds them at delivery for a receiver that reads them (a
    /// list copied per receiver is one allocation per message, and receivers of other cells never read it).
    /// An NR frame's are copied unless `withNrCtrlMessages` is false: a sum's (SumFor), which its receiver only
    /// counts as interference.
    static Ptr<SpectrumSignalParameters> ReceiverCopy(SignalKind kind,
                                                      const Ptr<SpectrumSignalParameters>& shared,
                                                      Ptr<SpectrumValue> psd,
                                                      bool withNrCtrlMessages = true);
    /// Copies an unsummed LTE frame's control messages into the receiver's parameters unless the receiver is of
    /// another cell now, when it would ignore them (decided at delivery, when the receiving PHY decides).
    static void GiveCtrlMessages(const Delivery& delivery, SpectrumSignalParameters& rx);
    /// The converter from one model to another; nullptr when the two are orthogonal.
    const SpectrumConverter* Converter(Ptr<const SpectrumModel> from, Ptr<const SpectrumModel> to);
    double AntennaGainDb(const Ptr<Object>& antenna, const Ptr<MobilityModel>& from, const Ptr<MobilityModel>& to);
    struct ResolvedAntenna;
    /// A resolved antenna's gain from `from` towards `to`.
    static double GainDb(const ResolvedAntenna& resolved, const Ptr<MobilityModel>& from, const Ptr<MobilityModel>& to);

    /// An antenna object as the channel reads its gain: as an AntennaModel (an isotropic one needs no angles) or
    /// not at all (an object that is no AntennaModel, e.g. nr's phased arrays, adds 0 dB here, as in the stock
    /// channel). Resolved once per object: the dynamic_cast per link and signal it replaces was ~5 % of NR's
    /// instructions at paper scale. `held` keeps the object alive, so its address cannot name another one.
    struct ResolvedAntenna
    {
        Ptr<Object> held;
        AntennaModel* model{nullptr};
        bool isotropic{false};
    };
    const ResolvedAntenna& Resolve(const Ptr<Object>& antenna);
    std::unordered_map<const Object*, ResolvedAntenna> m_antennas;

    /// With the channel's transmit filter a SameSideTransmitFilter alone (nothing chained after it), its rule
    /// applied here from sides cached per receiver instead of through SpectrumTransmitFilter::Filter per link
    /// (~6 % of NR's instructions at paper scale with cross-link links skipped). The filter, or nullptr.
    const SameSideTransmitFilter* SameSideFilter();
    /// A device's side for that filter: 1 base station, 0 UE, kSideNone without a device (never filtered).
    int8_t SameSideOf(const SameSideTransmitFilter& filter, const Ptr<NetDevice>& device) const;
    static constexpr int8_t kSideUnknown = -1;
    static constexpr int8_t kSideNone = 2;
    Ptr<const SpectrumTransmitFilter> m_filterChecked; ///< the filter last checked (held, as m_fadingChecked)
    const SameSideTransmitFilter* m_sameSide{nullptr};
    uint64_t m_sameSideVersion{0}; ///< the filter's base-station list version the cached sides were read under

    /// The spectrum propagation loss model when it is our fading alone (nothing chained after it), which can
    /// work on the receiver's own psd in place; nullptr otherwise. Found once per model set on the channel.
    const CorrelatedRayleighFading* InPlaceFading();
    /// The model last checked, held so that its address cannot be reused by another model while it is cached.
    Ptr<const SpectrumPropagationLossModel> m_fadingChecked;
    const CorrelatedRayleighFading* m_inPlaceFading{nullptr};

    std::map<SpectrumModelUid_t, ModelReceivers> m_receivers;
    std::map<std::pair<SpectrumModelUid_t, SpectrumModelUid_t>, std::pair<bool, SpectrumConverter>> m_converters;
    std::size_t m_numDevices{0};
    bool m_neighbourCtrlFrames{true}; ///< deliver other cells' control frames outside PSS subframes
    bool m_nrNeighbourCtrlFrames{true}; ///< NR: deliver other cells' DL control frames without PSS to UEs
    bool m_sumOtherCells{false};      ///< sum the signals a receiver does not decode (see the class comment)
    bool m_skipUnreadDlData{false}; ///< no DL data signal to a UE that will not read it (see the class comment)
    bool m_nrSkipUnreadCtrlPsd{false}; ///< NR: no received psd for a UE's DL control frames without PSS (see the class)
    bool m_lteSkipUnreadCtrlPsd{false}; ///< LTE: no received psd for a DL control frame its UE leaves out (see the class)
    /// SkipUnreadDlData, NR: per cell id, what its latest DL control frame (that of the current slot while its data
    /// signals are sent) said: which RNTIs got a DL DCI, as flags indexed by RNTI (asked per UE and data signal:
    /// thousands of times per slot), and the list of them (to clear the flags at the next frame).
    struct NrDlDcis
    {
        bool seen{false};             ///< a control frame of the cell went out
        bool everyUe{false};          ///< a DCI with RNTI 0: for every UE of the cell
        std::vector<uint8_t> byRnti;  ///< 1 at the RNTIs with a DL DCI
        std::vector<uint16_t> rntis;  ///< those RNTIs
    };
    std::vector<NrDlDcis> m_nrDlDcis;
    uint64_t m_nrDlDcisVersion{0}; ///< counts RecordNrDlDcis calls (the readers of each group kept per version)
    /// Records a DL control frame's DL DCIs in m_nrDlDcis.
    void RecordNrDlDcis(const NrSpectrumSignalParametersDlCtrlFrame& ctrl);
    /// SkipUnreadDlData, NR: whether the UE PHY `rx` reads another's data signal of this slot.
    bool NrUeReadsDlData(const NrSpectrumPhy& rx) const;
    /// SkipUnreadDlData, NR: whether the cell's latest DL control frame gave the RNTI a DL DCI (or every UE one), or
    /// no frame of the cell was seen yet: what NrUeReadsDlData asks of a UE with an RNTI.
    bool CellGaveDlDci(uint16_t cellId, uint16_t rnti) const;
    /// SkipUnreadDlData: whether the UE `rx` reads the DL data frames of this instant (a TB announced to it, or
    /// its data interference read at its next subframe's CQI report or RSRP/SINR sample). True when the ns-3
    /// build cannot tell (without our patch 0018).
    bool LteUeReadsDlData(const LteDevice& rx) const;
    /// LteSkipUnreadCtrlPsd: whether the UE of `d` will leave this DL control frame out of its control interference.
    bool LteUeSkipsCtrlFrame(const Delivery& d) const;
    /// SkipUnreadDlData, LTE: when the latest DL control frame ends (cells send theirs in step): a UE's CQI report
    /// and RSRP/SINR sample are made at the end of its subframe's control frame.
    Time m_lteDlCtrlEnd{0};
    Time m_pathLossRefresh{0};        ///< reuse a link's propagation loss for this long (zero: never)
    Time m_nrPssPeriod{0};            ///< NR: a cell's PSS at most once per this period (zero: as nr sends them)
    /// NrPssPeriod: per cell, the period window (time / period) of its last frame that kept its PSS.
    std::map<uint16_t, int64_t> m_pssWindows;
    /// Whether an NR DL control frame goes out with its PSS (see NrPssPeriod); records the ones that do.
    bool KeepsPss(const NrSpectrumSignalParametersDlCtrlFrame& ctrl);

    /// What is kept per (transmitting node, receiving node), row-major with m_linkStride columns: the path-loss
    /// cache (PathLossRefresh; the last loss in dB and its linear factor too, so that an unchanged loss skips the
    /// pow()), the fading model's entry for the link and the receiving antenna's resolution (both exact: looked
    /// up once instead of per signal).
    struct CachedLink
    {
        int64_t computedAt{-1}; ///< time steps; -1: empty
        double propagationGainDb{0.0};
        const MobilityModel* lossTx{nullptr}; ///< the mobility models propagationGainDb is computed for
        const MobilityModel* lossRx{nullptr};
        double pathLossDb{0.0};
        double linearGain{1.0};
        /// The fading model's entry for the link, copied (8 bytes) so that reading it, or prefetching the gains it
        /// points to, does not first miss on the model's hash node. Valid while fadingKnown.
        CorrelatedRayleighFading::Link fading{};
        bool fadingKnown{false};
        const MobilityModel* fadingTx{nullptr}; ///< the mobility models `fading` was looked up for
        const MobilityModel* fadingRx{nullptr};
        const Object* rxAntenna{nullptr}; ///< the antenna object `rxResolved` was made for
        const ResolvedAntenna* rxResolved{nullptr};
    };
    std::vector<CachedLink> m_links;
    uint32_t m_linkStride{0};
    /// m_links covers at most this many nodes (88 bytes per pair: 92 MB); beyond it links are looked up per signal
    /// and PathLossRefresh has no effect (the path loss is computed at every signal, as with it off).
    static constexpr uint32_t kMaxLinkTableNodes = 1024;

    /// A sum in progress: receiver, signal kind, group, duration (time steps), spectrum model -> index in m_sums.
    /// (The model: a receiver that changes its model within an instant gets one sum per model, each the right size.)
    using SumKey = std::tuple<const SpectrumPhy*, SignalKind, SumGroup, int64_t, SpectrumModelUid_t>;
    /// The sums of one receiver in the batch being gathered, found through the receiver's slot (ReceiverSlot)
    /// by a short scan instead of a hash look-up per summed link (thousands per TTI; a receiver has one to a few
    /// sums per instant). Entries of an older batch are dropped when the slot is next used.
    struct SlotSums
    {
        uint64_t batch{0};
        std::vector<std::pair<SumKey, std::size_t>> sums;
    };
    std::vector<SlotSums> m_slotSums;
    uint64_t m_sumBatch{1}; ///< advanced when DeliverSums takes the batch
    /// A receiver's slot in m_slotSums, fixed for the PHY's life (kept when it is added again after a model change).
    std::unordered_map<const SpectrumPhy*, uint32_t> m_slotOf;
    std::vector<std::pair<Ptr<SpectrumPhy>, Ptr<SpectrumSignalParameters>>> m_sums;
};

} // namespace ns3

#endif
