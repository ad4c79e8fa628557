#include "correlated-rayleigh-fading.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/simulator.h"
#include "ns3/spectrum-signal-parameters.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <functional>
#include <random>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("CorrelatedRayleighFading");
NS_OBJECT_ENSURE_REGISTERED(CorrelatedRayleighFading);

TypeId
CorrelatedRayleighFading::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::CorrelatedRayleighFading")
            .SetParent<SpectrumPropagationLossModel>()
            .SetGroupName("Spectrum")
            .AddConstructor<CorrelatedRayleighFading>()
            .AddAttribute("DopplerHz",
                          "Maximum Doppler frequency in Hz (UE speed x carrier frequency / c).",
                          DoubleValue(5.0),
                          MakeDoubleAccessor(&CorrelatedRayleighFading::m_dopplerHz),
                          MakeDoubleChecker<double>(0.0, 2000.0))
            .AddAttribute("NumSinusoids",
                          "Sinusoids summed per tap (more = closer to Rayleigh statistics, slower set-up).",
                          UintegerValue(16),
                          MakeUintegerAccessor(&CorrelatedRayleighFading::m_numSinusoids),
                          MakeUintegerChecker<uint32_t>(4, 256))
            .AddAttribute("NumTraces",
                          "Independent fading traces; each link reads one of them.",
                          UintegerValue(8),
                          MakeUintegerAccessor(&CorrelatedRayleighFading::m_numTraces),
                          MakeUintegerChecker<uint32_t>(1, 1024))
            .AddAttribute("TraceDuration",
                          "Length of each trace before it wraps around.",
                          TimeValue(Seconds(4)),
                          MakeTimeAccessor(&CorrelatedRayleighFading::m_traceDuration),
                          MakeTimeChecker(MilliSeconds(10), Seconds(600)))
            .AddAttribute("SampleInterval",
                          "Time between two samples of a trace (the LTE TTI by default).",
                          TimeValue(MilliSeconds(1)),
                          MakeTimeAccessor(&CorrelatedRayleighFading::m_sampleInterval),
                          MakeTimeChecker(MicroSeconds(100), Seconds(1)))
            .AddAttribute("DelayProfile",
                          "Tap delay profile: EPA, EVA or ETU (3GPP TS 36.104).",
                          StringValue("EPA"),
                          MakeStringAccessor(&CorrelatedRayleighFading::m_delayProfile),
                          MakeStringChecker())
            .AddAttribute("HashedLinks",
                          "Derive a link's trace and offset from its two nodes' ids (and one salt drawn from the "
                          "stream) instead of drawing them when the link is first used: a link's fading then does "
                          "not depend on which other links were evaluated before it.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&CorrelatedRayleighFading::m_hashedLinks),
                          MakeBooleanChecker());
    return tid;
}

CorrelatedRayleighFading::CorrelatedRayleighFading()
    : m_random(CreateObject<UniformRandomVariable>())
{
}

void
CorrelatedRayleighFading::DoDispose()
{
    m_traces.clear();
    m_links.clear();
    m_random = nullptr;
    SpectrumPropagationLossModel::DoDispose();
}

std::pair<std::vector<double>, std::vector<double>>
CorrelatedRayleighFading::DelayProfile(const std::string& name)
{
    // {delays in ns}, {relative powers in dB}
    if (name == "EPA")
    {
        return {{0, 30, 70, 90, 110, 190, 410}, {0.0, -1.0, -2.0, -3.0, -8.0, -17.2, -20.8}};
    }
    if (name == "EVA")
    {
        return {{0, 30, 150, 310, 370, 710, 1090, 1730, 2510},
                {0.0, -1.5, -1.4, -3.6, -0.6, -9.1, -7.0, -12.0, -16.9}};
    }
    if (name == "ETU")
    {
        return {{0, 50, 120, 200, 230, 500, 1600, 2300, 5000}, {-1.0, -1.0, -1.0, 0.0, 0.0, 0.0, -3.0, -5.0, -7.0}};
    }
    NS_FATAL_ERROR("unknown DelayProfile \"" << name << "\"; allowed: EPA, EVA, ETU");
}

int64_t
CorrelatedRayleighFading::DoAssignStreams(int64_t stream)
{
    m_random->SetStream(stream);
    return 1;
}

const CorrelatedRayleighFading::Traces&
CorrelatedRayleighFading::TracesFor(Ptr<const SpectrumModel> model) const
{
    if (m_lastTraces != nullptr && m_lastModel == model->GetUid())
    {
        return *m_lastTraces; // DL and UL alternate rarely: one cached lookup saves a map search per signal
    }
    auto found = m_traces.find(model->GetUid());
    if (found != m_traces.end())
    {
        m_lastModel = model->GetUid();
        m_lastTraces = &found->second;
        return found->second;
    }
    auto [delaysNs, powersDb] = DelayProfile(m_delayProfile);
    std::vector<double> amplitude(delaysNs.size());
    double total = 0;
    for (size_t l = 0; l < powersDb.size(); ++l)
    {
        total += std::pow(10.0, powersDb[l] / 10.0);
    }
    for (size_t l = 0; l < powersDb.size(); ++l)
    {
        amplitude[l] = std::sqrt(std::pow(10.0, powersDb[l] / 10.0) / total);
    }
    std::vector<double> bandHz;
    for (auto it = model->Begin(); it != model->End(); ++it)
    {
        bandHz.push_back(it->fc - model->Begin()->fc); // only frequency differences matter
    }
    const auto samples = static_cast<uint32_t>(m_traceDuration.GetSeconds() / m_sampleInterval.GetSeconds());
    const double dt = m_sampleInterval.GetSeconds();
    const double twoPi = 2 * M_PI;
    const size_t taps = delaysNs.size();
    const size_t m = m_numSinusoids;

    // The phase each tap's delay puts on each band does not change over time: compute it once.
    std::vector<std::complex<double>> rotation(bandHz.size() * taps);
    for (size_t b = 0; b < bandHz.size(); ++b)
    {
        for (size_t l = 0; l < taps; ++l)
        {
            rotation[b * taps + l] = std::polar(1.0, -twoPi * bandHz[b] * delaysNs[l] * 1e-9);
        }
    }
    // The sinusoids' random angles and phases: from the stream in order of first use, or, with HashedLinks, from a
    // generator seeded by the salt and the band layout, so that a model's traces do not depend on which models
    // were used before it (a filter that skips every receiver of one model would otherwise change the others).
    uint64_t firstBandBits = 0;
    const double firstBandHz = model->Begin()->fc;
    std::memcpy(&firstBandBits, &firstBandHz, sizeof firstBandBits);
    std::mt19937_64 layoutRng(m_hashedLinks ? Mix(Salt() ^ Mix(firstBandBits ^ bandHz.size())) : 0);
    auto uniform = [&]() {
        return m_hashedLinks ? double(layoutRng() >> 11) * 0x1.0p-53 : m_random->GetValue();
    };
    // One flat block, [trace][sample][band]: a link reads consecutive samples of one trace.
    const size_t bands = bandHz.size();
    Traces traces{bands, samples, std::vector<float>(size_t(m_numTraces) * samples * bands)};
    for (uint32_t tr = 0; tr < m_numTraces; ++tr)
    {
        // Per tap, per sinusoid: Doppler shift f_d cos(alpha) and a phase, for the real and imaginary parts.
        std::vector<double> shiftI(taps * m), phaseI(taps * m), shiftQ(taps * m), phaseQ(taps * m);
        for (size_t k = 0; k < taps * m; ++k)
        {
            shiftI[k] = twoPi * m_dopplerHz * std::cos(twoPi * uniform());
            phaseI[k] = twoPi * uniform();
            shiftQ[k] = twoPi * m_dopplerHz * std::cos(twoPi * uniform());
            phaseQ[k] = twoPi * uniform();
        }
        std::vector<std::complex<double>> tap(taps);
        for (uint32_t t = 0; t < samples; ++t)
        {
            double time = t * dt;
            for (size_t l = 0; l < taps; ++l)
            {
                double re = 0, im = 0;
                for (size_t k = l * m; k < (l + 1) * m; ++k)
                {
                    re += std::cos(shiftI[k] * time + phaseI[k]);
                    im += std::cos(shiftQ[k] * time + phaseQ[k]);
                }
                // Each of re, im has variance m/2: scale so that E|h_l|^2 = 1.
                tap[l] = std::complex<double>(re, im) * (amplitude[l] / std::sqrt(double(m)));
            }
            float* gains = &traces.gains[(size_t(tr) * samples + t) * bands];
            for (size_t b = 0; b < bands; ++b)
            {
                std::complex<double> h(0, 0);
                for (size_t l = 0; l < taps; ++l)
                {
                    h += tap[l] * rotation[b * taps + l];
                }
                gains[b] = static_cast<float>(std::norm(h));
            }
        }
    }
    m_lastModel = model->GetUid();
    m_lastTraces = &m_traces.emplace(model->GetUid(), std::move(traces)).first->second;
    return *m_lastTraces;
}

uint64_t
CorrelatedRayleighFading::Mix(uint64_t z)
{
    // splitmix64's finaliser: a well-spread 64-bit hash of a 64-bit key.
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t
CorrelatedRayleighFading::Salt() const
{
    if (!m_saltDrawn)
    {
        m_salt = (uint64_t(m_random->GetInteger(0, 0xffffffffU)) << 32) | m_random->GetInteger(0, 0xffffffffU);
        m_saltDrawn = true;
    }
    return m_salt;
}

CorrelatedRayleighFading::Link
CorrelatedRayleighFading::DrawLink(Ptr<const MobilityModel> a, Ptr<const MobilityModel> b, uint32_t samples) const
{
    if (!m_hashedLinks)
    {
        return {static_cast<uint32_t>(m_random->GetInteger(0, m_numTraces - 1)),
                static_cast<uint32_t>(m_random->GetInteger(0, samples - 1))};
    }
    Ptr<Node> na = a->GetObject<Node>();
    Ptr<Node> nb = b->GetObject<Node>();
    NS_ABORT_MSG_IF(!na || !nb, "HashedLinks needs mobility models aggregated to nodes");
    // The salted, unordered pair of node ids: links fade alike in both directions, as above.
    uint64_t lo = std::min(na->GetId(), nb->GetId());
    uint64_t hi = std::max(na->GetId(), nb->GetId());
    uint64_t z = Mix(Salt() ^ ((hi << 32) | lo));
    return {static_cast<uint32_t>((z & 0xffffffffU) % m_numTraces), static_cast<uint32_t>((z >> 32) % samples)};
}

Ptr<SpectrumValue>
CorrelatedRayleighFading::DoCalcRxPowerSpectralDensity(Ptr<const SpectrumSignalParameters> params,
                                                       Ptr<const MobilityModel> a,
                                                       Ptr<const MobilityModel> b) const
{
    Ptr<SpectrumValue> rx = Copy(params->psd);
    ApplyTo(*rx, a, b);
    return rx;
}

namespace
{
// Each band's value times its gain; built for AVX2 and for any x86-64, picked at load time (as the channel's
// AddFadedLink: one multiply per band in every lane, so both builds give the same bits).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
[[gnu::target_clones("avx2", "default")]]
#endif
void
ScaleByGains(double* __restrict value, const float* __restrict gains, size_t bands)
{
    for (size_t band = 0; band < bands; ++band)
    {
        value[band] *= gains[band];
    }
}
} // namespace

void
CorrelatedRayleighFading::ApplyTo(SpectrumValue& psd, Ptr<const MobilityModel> a, Ptr<const MobilityModel> b) const
{
    const float* __restrict gains = GainsAt(psd.GetSpectrumModel(), a, b);
    double* __restrict value = &*psd.ValuesBegin();
    const size_t bands = psd.GetValuesN();
    ScaleByGains(value, gains, bands);
}

void
CorrelatedRayleighFading::ApplyTo(SpectrumValue& psd, const Link& link) const
{
    const float* __restrict gains = GainsAt(psd.GetSpectrumModel(), link);
    ScaleByGains(&*psd.ValuesBegin(), gains, psd.GetValuesN());
}

const float*
CorrelatedRayleighFading::GainsAt(const Ptr<const SpectrumModel>& model,
                                  Ptr<const MobilityModel> a,
                                  Ptr<const MobilityModel> b) const
{
    return GainsAt(model, *LinkOf(model, a, b));
}

const CorrelatedRayleighFading::Link*
CorrelatedRayleighFading::LinkOf(const Ptr<const SpectrumModel>& model,
                                 Ptr<const MobilityModel> a,
                                 Ptr<const MobilityModel> b) const
{
    auto key = PeekPointer(a) < PeekPointer(b) ? LinkKey{PeekPointer(a), PeekPointer(b)}
                                               : LinkKey{PeekPointer(b), PeekPointer(a)};
    auto link = m_links.find(key);
    if (link == m_links.end())
    {
        link = m_links.emplace(key, DrawLink(a, b, TracesFor(model).samples)).first;
    }
    return &link->second; // an unordered_map's elements stay where they are until erased (DoDispose)
}

const float*
CorrelatedRayleighFading::GainsAt(const Ptr<const SpectrumModel>& model, const Link& link) const
{
    return RowNow(TracesFor(model), link);
}

const float*
CorrelatedRayleighFading::RowNow(const Traces& traces, const Link& link) const
{
    const uint32_t samples = traces.samples;
    auto index = static_cast<uint64_t>(Simulator::Now().GetTimeStep() / m_sampleInterval.GetTimeStep());
    return &traces.gains[(size_t(link.trace) * samples + (index + link.offset) % samples) * traces.bands];
}

const float*
CorrelatedRayleighFading::GainsIfGenerated(SpectrumModelUid_t model, const Link& link, size_t& bytes) const
{
    const Traces* traces = m_lastTraces;
    if (traces == nullptr || m_lastModel != model)
    {
        auto found = m_traces.find(model);
        if (found == m_traces.end())
        {
            return nullptr;
        }
        traces = &found->second;
    }
    bytes = traces->bands * sizeof(float);
    return RowNow(*traces, link);
}

} // namespace ns3
