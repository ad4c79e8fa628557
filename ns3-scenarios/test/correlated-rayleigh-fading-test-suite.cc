// Statistics of our time-correlated, frequency-selective Rayleigh fading (model/correlated-rayleigh-fading.h), and
// its HashedLinks mode: a link's fading does not depend on which links were evaluated before it.
#include "correlated-rayleigh-fading.h"

#include "ns3/constant-position-mobility-model.h"
#include "ns3/core-module.h"
#include "ns3/node.h"
#include "ns3/spectrum-model.h"
#include "ns3/spectrum-signal-parameters.h"
#include "ns3/spectrum-value.h"
#include "ns3/test.h"

#include <cmath>

using namespace ns3;

namespace
{

class FadingStatisticsTestCase : public TestCase
{
  public:
    FadingStatisticsTestCase()
        : TestCase("Rayleigh power, correlated in time at the Doppler's scale, selective in frequency")
    {
    }

  private:
    void DoRun() override
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
        NS_TEST_EXPECT_MSG_LT(std::abs(mean - 1.0), 0.25, "mean power gain ~1 (got " << mean << ")");
        NS_TEST_EXPECT_MSG_LT(std::abs(meanSq / (mean * mean) - 2.0), 0.6, "second moment ~2 (exponential power)");
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
        NS_TEST_EXPECT_MSG_GT(corr(1, 0), 0.9, "1 ms lag correlated");
        NS_TEST_EXPECT_MSG_LT(std::abs(corr(200, 0)), 0.3, "200 ms lag decorrelated");
        // EVA: delay spread ~2.5 us -> coherence bandwidth of a few hundred kHz: RBs 40 apart (7.2 MHz) differ.
        NS_TEST_EXPECT_MSG_GT(corr(0, 1), corr(0, 40) + 0.2, "frequency selective: adjacent RBs more alike than RBs 7 MHz apart");
    }
};

class HashedLinksTestCase : public TestCase
{
  public:
    HashedLinksTestCase()
        : TestCase("HashedLinks: a link fades the same whichever links were evaluated first; both directions alike")
    {
    }

  private:
    void DoRun() override
    {
        std::vector<double> centres;
        for (int rb = 0; rb < 25; ++rb)
        {
            centres.push_back(2.11e9 + 180e3 * rb);
        }
        Ptr<SpectrumModel> model = Create<SpectrumModel>(centres);
        Ptr<SpectrumSignalParameters> p = Create<SpectrumSignalParameters>();
        p->psd = Create<SpectrumValue>(model);
        *p->psd = 1.0;
        std::vector<Ptr<MobilityModel>> at;
        for (int i = 0; i < 3; ++i)
        {
            Ptr<Node> node = CreateObject<Node>();
            Ptr<ConstantPositionMobilityModel> m = CreateObject<ConstantPositionMobilityModel>();
            node->AggregateObject(m);
            at.push_back(m);
        }
        // The gains of link 0-1, after evaluating link 0-2 first or not.
        auto gains01 = [&](bool hashed, bool otherFirst, int64_t stream) {
            Ptr<CorrelatedRayleighFading> f = CreateObject<CorrelatedRayleighFading>();
            f->SetAttribute("HashedLinks", BooleanValue(hashed));
            f->AssignStreams(stream);
            if (otherFirst)
            {
                f->CalcRxPowerSpectralDensity(p, at[0], at[2]);
            }
            Ptr<SpectrumValue> rx = f->CalcRxPowerSpectralDensity(p, at[0], at[1]);
            Ptr<SpectrumValue> back = f->CalcRxPowerSpectralDensity(p, at[1], at[0]);
            NS_TEST_EXPECT_MSG_EQ((*rx == *back), true, "a link fades alike in both directions");
            return std::vector<double>(rx->ValuesBegin(), rx->ValuesEnd());
        };
        NS_TEST_EXPECT_MSG_EQ((gains01(true, false, 7) == gains01(true, true, 7)), true,
                              "hashed: link 0-1 does not depend on link 0-2 having been evaluated first");
        NS_TEST_EXPECT_MSG_EQ((gains01(false, false, 7) == gains01(false, true, 7)), false,
                              "in order of first use (the default) it does: what HashedLinks is for");
        NS_TEST_EXPECT_MSG_EQ((gains01(true, false, 7) == gains01(true, false, 8)), false,
                              "hashed: another stream gives other fading");
    }
};

class CorrelatedRayleighFadingTestSuite : public TestSuite
{
  public:
    CorrelatedRayleighFadingTestSuite()
        : TestSuite("pamrl-correlated-rayleigh-fading", Type::UNIT)
    {
        AddTestCase(new FadingStatisticsTestCase, Duration::QUICK);
        AddTestCase(new HashedLinksTestCase, Duration::QUICK);
    }
};

CorrelatedRayleighFadingTestSuite g_correlatedRayleighFadingTestSuite;

} // namespace
