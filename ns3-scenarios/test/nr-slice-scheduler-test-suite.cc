// The NR backend's slicing, end to end on a real 5G-LENA cell: every DL allocation stays inside its slice's RBG
// block, and PRB use follows the shares when they change.
#include "nr-ran.h"
#include "slice-rbg-split.h"

#include "ns3/core-module.h"
#include "ns3/test.h"

using namespace ns3;
using namespace pamrl;

namespace
{

/// One cell, 25 PRBs in 12 RBGs of 2 (nr leaves the 25th PRB unused), two loaded slices (eMBB, URLLC: 2 UEs each, 12 Mbit/s each, far more than the
/// cell carries) and an empty mMTC slice; static UEs, no fading.
ScenarioConfig
SaturatedCell()
{
    ScenarioConfig c{};
    c.name = "nr-slice-scheduler-test";
    c.ranBackend = "nr";
    c.numerology = 0;
    c.rbgSize = 2;
    c.nrChannel = "ours";
    c.nrStartingMcs = 4;
    c.numDus = 1;
    c.bandwidthRbs = 25;
    c.interSiteDistanceM = 200;
    c.cellRadiusM = 50;
    c.enbTxPowerDbm = 30;
    c.ueTxPowerDbm = 23;
    c.pathlossExponent = 3.5;
    c.idealRrc = true;
    c.uplinkPowerControl = true;
    c.eventScheduler = "map";
    c.spectrumChannel = "multi-model";
    c.hotspotDu = -1;
    c.hotspotFactor = 1;
    c.rlcBufferBytes = 131072;
    c.periodMs = 100;
    c.episodeSteps = 10;
    c.warmupMs = 300;
    c.initialShares = {0.7, 0.3, 0.0};
    for (auto [name, ues] : {std::pair{"embb", 2u}, {"urllc", 2u}, {"mmtc", 0u}})
    {
        c.slices.push_back(SliceConfig{name, ues, TrafficConfig{"cbr", 12.0, 1400, 50, 200, {}}});
    }
    c.mobilityModel = "static";
    c.fadingModel = "none";
    c.fadingProfile = "EPA";
    return c;
}

class SliceBlocksTestCase : public TestCase
{
  public:
    SliceBlocksTestCase()
        : TestCase("allocations stay in the slice's RBGs; PRB use follows the shares")
    {
    }

  private:
    void DoRun() override
    {
        RngSeedManager::SetSeed(1);
        RngSeedManager::SetRun(1);
        ScenarioConfig config = SaturatedCell();
        NrRan ran(config);
        Ptr<NrSliceScheduler> scheduler = ran.Scheduler(0);
        std::vector<double> prbs(3, 0);
        uint32_t outside = 0;
        uint32_t allocations = 0;
        scheduler->SetAllocationCallback([&](uint16_t rnti, const std::vector<bool>& rbgs) {
            int slice = scheduler->GetUeSlice(rnti);
            NS_ABORT_MSG_IF(slice < 0, "allocation for an RNTI without a slice");
            auto starts = RbgBlockStarts(scheduler->GetSliceRbgs());
            uint32_t end = starts[slice] + scheduler->GetSliceRbgs()[slice];
            for (uint32_t r = 0; r < rbgs.size(); ++r)
            {
                if (rbgs[r])
                {
                    outside += (r < starts[slice] || r >= end) ? 1 : 0;
                    prbs[slice] += 2;
                }
            }
            ++allocations;
        });
        std::vector<double> first;
        Simulator::Schedule(MilliSeconds(200), [&] { std::fill(prbs.begin(), prbs.end(), 0); });
        Simulator::Schedule(MilliSeconds(700), [&] {
            first = prbs;
            std::fill(prbs.begin(), prbs.end(), 0);
            ran.ApplyShares(0, {0.2, 0.8, 0.0});
        });
        Simulator::Stop(MilliSeconds(1200));
        Simulator::Run();
        Simulator::Destroy();

        NS_TEST_ASSERT_MSG_GT(allocations, 500u, "the saturated cell schedules every slot");
        NS_TEST_ASSERT_MSG_EQ(outside, 0u, "an allocation used RBGs of another slice");
        // 0.7 / 0.3 of 12 RBGs -> 8 / 4; then 0.2 / 0.8 -> 2 / 10.
        NS_TEST_ASSERT_MSG_GT(first[0], 1.6 * first[1], "eMBB gets about 8/4 of URLLC's PRBs at 0.7/0.3");
        NS_TEST_ASSERT_MSG_GT(prbs[1], 3.5 * prbs[0], "URLLC gets about 10/2 of eMBB's PRBs at 0.2/0.8");
        NS_TEST_ASSERT_MSG_EQ(first[2] + prbs[2], 0.0, "the empty slice gets nothing");
    }
};

class NrSliceSchedulerTestSuite : public TestSuite
{
  public:
    NrSliceSchedulerTestSuite()
        : TestSuite("pamrl-nr-slice-scheduler", Type::SYSTEM)
    {
        AddTestCase(new SliceBlocksTestCase, Duration::QUICK);
    }
};

NrSliceSchedulerTestSuite g_nrSliceSchedulerTestSuite;

} // namespace
