// Time-correlated, frequency-selective Rayleigh fading for ns-3 spectrum channels.
//
// Model: a tapped delay line (the delay profile is an attribute; EPA, EVA and ETU are the 3GPP TS 36.104 profiles)
// whose taps are independent Rayleigh processes with Clarke's Doppler spectrum, each built as a sum of sinusoids
// with random arrival angles and phases. H(t, f) = sum_l sqrt(p_l) h_l(t) exp(-j 2 pi f tau_l); the gain applied to
// a resource block is |H(t, f_rb)|^2 (mean 1 over the profile). Time correlation comes from the maximum Doppler
// frequency (set it from the UE speed: f_d = v f_c / c); frequency selectivity from the tap delays.
//
// Cost: gains are precomputed once per spectrum model into NumTraces traces of TraceDuration at SampleInterval
// (as ns-3's TraceFadingLossModel does with files), and each link (unordered pair of mobility models, so DL and UL
// fade alike) reads one trace from its own random offset. The offset and trace are drawn from this model's random
// stream, so the same RngRun gives the same fading. By default a link draws them when it is first evaluated, so which
// links a channel evaluates, and in which order, decides every link's draw; with HashedLinks a link's draw is a hash
// of the two nodes' ids and one salt drawn from the stream, and the traces come from a generator seeded by the salt
// and the band layout: the same whichever links are evaluated (what lets a
// transmit filter skip links and leave the others' fading as it was).
#ifndef PAMRL_CORRELATED_RAYLEIGH_FADING_H
#define PAMRL_CORRELATED_RAYLEIGH_FADING_H

#include "ns3/nstime.h"
#include "ns3/random-variable-stream.h"
#include "ns3/spectrum-propagation-loss-model.h"

#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ns3
{

class CorrelatedRayleighFading : public SpectrumPropagationLossModel
{
  public:
    CorrelatedRayleighFading();
    static TypeId GetTypeId();

    /// Delay profiles of 3GPP TS 36.104 Annex B.2: "EPA", "EVA", "ETU".
    static std::pair<std::vector<double>, std::vector<double>> DelayProfile(const std::string& name);

    /// Multiplies `psd` by the fading gains of the link between `a` and `b` now, in place: what
    /// CalcRxPowerSpectralDensity returns for a copy of it. For a channel that already holds its own copy of
    /// the received psd (BatchedSpectrumChannel), so that each delivered signal is not copied a second time.
    void ApplyTo(SpectrumValue& psd, Ptr<const MobilityModel> a, Ptr<const MobilityModel> b) const;
    /// The link's power gain per band of `model` at this instant: what ApplyTo multiplies a psd by, band by band.
    const float* GainsAt(const Ptr<const SpectrumModel>& model,
                         Ptr<const MobilityModel> a,
                         Ptr<const MobilityModel> b) const;

    /// A link's trace and offset into it.
    struct Link
    {
        uint32_t trace;
        uint32_t offset;
    };
    /// The link between `a` and `b` (in either direction), drawn at its first use as GainsAt draws it. The entry
    /// stays valid until this model is disposed: a caller that keeps it (BatchedSpectrumChannel, per pair of
    /// nodes) reads the gains through the overload below without a look-up per signal.
    const Link* LinkOf(const Ptr<const SpectrumModel>& model,
                       Ptr<const MobilityModel> a,
                       Ptr<const MobilityModel> b) const;
    /// GainsAt for a link already looked up.
    const float* GainsAt(const Ptr<const SpectrumModel>& model, const Link& link) const;
    /// ApplyTo for a link already looked up.
    void ApplyTo(SpectrumValue& psd, const Link& link) const;
    /// Where GainsAt(model, link) would read now, and how many bytes, if this model's traces for `model` exist
    /// (nullptr otherwise: never generates them, so asking draws nothing). For a caller that prefetches the row
    /// of a link it will read soon: each read is a random row of a block of several MB.
    const float* GainsIfGenerated(SpectrumModelUid_t model, const Link& link, size_t& bytes) const;

  protected:
    void DoDispose() override;

  private:
    Ptr<SpectrumValue> DoCalcRxPowerSpectralDensity(Ptr<const SpectrumSignalParameters> params,
                                                    Ptr<const MobilityModel> a,
                                                    Ptr<const MobilityModel> b) const override;
    int64_t DoAssignStreams(int64_t stream) override;

    /// Gains [trace][sample][band] for one spectrum model, generated on first use.
    /// Power gain per band for every sample of every trace, flat: [trace][sample][band].
    struct Traces
    {
        size_t bands;
        uint32_t samples; ///< per trace
        std::vector<float> gains;
    };

    const Traces& TracesFor(Ptr<const SpectrumModel> model) const;
    /// A link's row of `traces` at this instant.
    const float* RowNow(const Traces& traces, const Link& link) const;

    double m_dopplerHz;
    uint32_t m_numSinusoids;
    uint32_t m_numTraces;
    Time m_traceDuration;
    Time m_sampleInterval;
    std::string m_delayProfile;
    bool m_hashedLinks;
    Ptr<UniformRandomVariable> m_random;
    mutable uint64_t m_salt{0};
    mutable bool m_saltDrawn{false};

    /// One draw from the stream, made once: what HashedLinks derives traces and links from.
    uint64_t Salt() const;
    static uint64_t Mix(uint64_t z);
    /// A new link's trace and offset: drawn in order of first use, or hashed from the nodes' ids (HashedLinks).
    Link DrawLink(Ptr<const MobilityModel> a, Ptr<const MobilityModel> b, uint32_t samples) const;

    using LinkKey = std::pair<const MobilityModel*, const MobilityModel*>;

    struct LinkKeyHash
    {
        size_t operator()(const LinkKey& k) const
        {
            return std::hash<const void*>()(k.first) * 31 + std::hash<const void*>()(k.second);
        }
    };

    mutable std::map<SpectrumModelUid_t, Traces> m_traces;
    mutable SpectrumModelUid_t m_lastModel{0};
    mutable const Traces* m_lastTraces{nullptr};
    mutable std::unordered_map<LinkKey, Link, LinkKeyHash> m_links;
};

} // namespace ns3

#endif
