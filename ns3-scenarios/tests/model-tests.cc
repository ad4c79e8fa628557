// C++ checks of the scenario's models, run by tests/test_models_cpp.py. Each check prints one line and the
// program exits non-zero if any fails.
#include "correlated-rayleigh-fading.h"
#include "slice-rbg-allocator.h"

#include "ns3/constant-position-mobility-model.h"
#include "ns3/core-module.h"
#include "ns3/spectrum-model.h"
#include "ns3/spectrum-signal-parameters.h"
#include "ns3/spectrum-value.h"

#include <cmath>
#include <iostream>

using namespace ns3;

static int g_failures = 0;

static void
Check(bool ok, const std::string& what)
{
    std::cout << (ok ? "PASS " : "FAIL ") << what << "\n";
    g_failures += ok ? 0 : 1;
}

static void
TestRounding()
{
    auto c = SliceRbgAllocator::SharesToRbgCounts({0.5, 0.3, 0.2}, 25);
    // 12.5, 7.5, 5.0 -> floors 12, 7, 5 (24); one left goes to the largest remainder, tie -> lower index (eMBB).
    Check(c == std::vector<uint32_t>({13, 7, 5}), "shares 0.5/0.3/0.2 over 25 RBGs -> 13/7/5");
    auto d = SliceRbgAllocator::SharesToRbgCounts({1.0 / 3, 1.0 / 3, 1.0 / 3}, 13);
    Check(d == std::vector<uint32_t>({5, 4, 4}), "equal shares over 13 RBGs -> 5/4/4");
    auto e = SliceRbgAllocator::SharesToRbgCounts({0.0, 0.0, 1.0}, 17);
    Check(e == std::vector<uint32_t>({0, 0, 17}), "share 0 gets no RBG");
}

static void
TestFading()
{
    std::vector<double> centres;
    for (int rb = 0; rb < 50; ++rb)
    {
        centres.push_back(2.11e9 + 180e3 * rb);
    }
    Ptr<SpectrumModel> model = Create<SpectrumModel>(centres);
    auto run = [&](double doppler, std::string profile) {
        Ptr<CorrelatedRayleighFading> f = CreateObject<CorrelatedRayleighFading>();
        f->SetAttribute("DopplerHz", DoubleValue(doppler));
        f->SetAttribute("DelayProfile", StringValue(profile));
        f->AssignStreams(7);
        Ptr<ConstantPositionMobilityModel> a = CreateObject<ConstantPositionMobilityModel>();
        Ptr<ConstantPositionMobilityModel> b = CreateObject<ConstantPositionMobilityModel>();
        Ptr<SpectrumSignalParameters> p = Create<SpectrumSignalParameters>();
        p->psd = Create<SpectrumValue>(model);
        *p->psd = 1.0;
        std::vector<std::vector<double>> g;
        for (int t = 0; t < 2000; ++t)
        {
            Simulator::Schedule(MilliSeconds(t), [&] {
                Ptr<SpectrumValue> rx = f->CalcRxPowerSpectralDensity(p, a, b);
                g.emplace_back(rx->ValuesBegin(), rx->ValuesEnd());
            });
        }
        Simulator::Run();
        Simulator::Destroy();
        return g;
    };
    auto g = run(10.0, "EVA");
    double mean = 0, meanSq = 0;
    size_t n = 0;
    for (auto& row : g)
    {
        for (double x : row)
        {
            mean += x;
            meanSq += x * x;
            ++n;
        }
    }
    mean /= n;
    meanSq /= n;
    // Rayleigh power gain is exponential: mean 1, E[x^2] = 2. Finite-trace tolerance.
    Check(std::abs(mean - 1.0) < 0.25, "mean power gain ~1 (got " + std::to_string(mean) + ")");
    Check(std::abs(meanSq / (mean * mean) - 2.0) < 0.6, "second moment ~2 (exponential power)");
    auto corr = [&](size_t lagT, size_t lagF) {
        double sxy = 0, sx = 0, sy = 0, sxx = 0, syy = 0;
        size_t m = 0;
        for (size_t t = 0; t + lagT < g.size(); ++t)
        {
            for (size_t f = 0; f + lagF < g[t].size(); ++f)
            {
                double x = g[t][f], y = g[t + lagT][f + lagF];
                sxy += x * y; sx += x; sy += y; sxx += x * x; syy += y * y; ++m;
            }
        }
        double cov = sxy / m - (sx / m) * (sy / m);
        return cov / std::sqrt((sxx / m - (sx / m) * (sx / m)) * (syy / m - (sy / m) * (sy / m)));
    };
    // 10 Hz Doppler: coherence time ~ 40 ms. 1 ms apart: strongly correlated; 200 ms apart: nearly independent.
    Check(corr(1, 0) > 0.9, "1 ms lag correlated (" + std::to_string(corr(1, 0)) + ")");
    Check(std::abs(corr(200, 0)) < 0.3, "200 ms lag decorrelated (" + std::to_string(corr(200, 0)) + ")");
    // EVA: delay spread ~2.5 us -> coherence bandwidth of a few hundred kHz: RBs 40 apart (7.2 MHz) differ.
    Check(corr(0, 1) > corr(0, 40) + 0.2, "frequency selective: adjacent RBs more alike than RBs 7 MHz apart");
}

int
main()
{
    TestRounding();
    TestFading();
    std::cout << (g_failures ? "FAILED" : "ALL PASSED") << "\n";
    return g_failures ? 1 : 0;
}
