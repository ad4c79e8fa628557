#ifndef PAMRL_BATCHED_SPECTRUM_CHANNEL_H
#define PAMRL_BATCHED_SPECTRUM_CHANNEL_H

#include "ns3/spectrum-channel.h"
#include "ns3/spectrum-converter.h"

#include <map>
#include <utility>
#include <vector>

namespace ns3
{

class CorrelatedRayleighFading;

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
 *    blocks) to the eNBs of other cells, for which it would only add zero to their interference.
 * tests/test_channel.py checks that KPIs are bit-identical to those with the stock channel.
 *
 * One setting changes what is modelled: with NeighbourCtrlFrames false, a UE hears other cells' control
 * frames (PDCCH) only in subframes that carry the PSS (its cell measurements), not in the other 8 of 10.
 * Those frames only raise the control-channel interference, which decides PDCCH decoding errors (the control
 * error model), the CQI when it is taken from the PDCCH alone, and radio-link-failure detection; the scenario
 * allows the setting only with the first two off (agent/pamrl/bridge/scenario.py), which leaves RLF detection
 * seeing the control channel without inter-cell interference.
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
    /// One receiver of a transmission.
    struct Delivery
    {
        Ptr<SpectrumPhy> receiver;
        Ptr<SpectrumSignalParameters> params; ///< its own copy, psd already in the receiver's model
        double txAntennaGainDb;
    };

    /// Receivers, grouped by the spectrum model they listen with (in model-id order, then in AddRx order).
    struct ModelReceivers
    {
        Ptr<const SpectrumModel> model;
        std::vector<Ptr<SpectrumPhy>> phys;
    };

    void DeliverAll(Ptr<SpectrumValue> txPsd, const std::vector<Delivery>& deliveries);
    void Deliver(const Ptr<SpectrumValue>& txPsd, const Delivery& delivery);

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

    static SignalKind KindOf(const Ptr<SpectrumSignalParameters>& params);
    /// Whether a receiver on `rxDevice` must get this transmission (see the class comment).
    bool MustDeliver(SignalKind kind,
                     const SpectrumSignalParameters& tx,
                     bool zeroPower,
                     const Ptr<NetDevice>& rxDevice) const;
    /// A receiver's own parameters: a new object around the shared packets, with the given psd.
    static Ptr<SpectrumSignalParameters> ReceiverCopy(SignalKind kind,
                                                      const Ptr<SpectrumSignalParameters>& shared,
                                                      Ptr<SpectrumValue> psd);
    /// The converter from one model to another; nullptr when the two are orthogonal.
    const SpectrumConverter* Converter(Ptr<const SpectrumModel> from, Ptr<const SpectrumModel> to);
    static double AntennaGainDb(Ptr<Object> antenna,
                                Ptr<MobilityModel> from,
                                Ptr<MobilityModel> to);

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
};

} // namespace ns3

#endif
