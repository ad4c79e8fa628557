// Shares -> whole RBGs -> PRBs, the rule both RAN backends use (model/slice-rbg-split.h).
#include "slice-rbg-split.h"

#include "ns3/test.h"

using namespace ns3;
using namespace pamrl;

namespace
{

class RoundingTestCase : public TestCase
{
  public:
    RoundingTestCase()
        : TestCase("largest remainders, ties to the lower slice, share 0 gets nothing")
    {
    }

  private:
    void DoRun() override
    {
        // 12.5, 7.5, 5.0 -> floors 12, 7, 5 (24); the one left goes to the largest remainder, tie -> eMBB.
        NS_TEST_ASSERT_MSG_EQ((SharesToRbgCounts({0.5, 0.3, 0.2}, 25) == std::vector<uint32_t>{13, 7, 5}),
                              true,
                              "0.5/0.3/0.2 over 25 RBGs");
        NS_TEST_ASSERT_MSG_EQ((SharesToRbgCounts({1.0 / 3, 1.0 / 3, 1.0 / 3}, 13) == std::vector<uint32_t>{5, 4, 4}),
                              true,
                              "equal shares over 13 RBGs");
        NS_TEST_ASSERT_MSG_EQ((SharesToRbgCounts({0.0, 0.0, 1.0}, 17) == std::vector<uint32_t>{0, 0, 17}),
                              true,
                              "share 0 gets no RBG");
        NS_TEST_ASSERT_MSG_EQ((RbgBlockStarts({13, 7, 5}) == std::vector<uint32_t>{0, 13, 20}), true, "blocks");
    }
};

class PrbsTestCase : public TestCase
{
  public:
    PrbsTestCase()
        : TestCase("PRBs per slice, with a short last RBG")
    {
    }

  private:
    void DoRun() override
    {
        // 25 PRBs in RBGs of 2: 13 RBGs, the last holds 1 PRB.
        NS_TEST_ASSERT_MSG_EQ((PrbsPerSlice({7, 3, 3}, 2, 25) == std::vector<double>{14, 6, 5}), true, "25 PRBs");
        NS_TEST_ASSERT_MSG_EQ((PrbsPerSlice({0, 25, 0}, 4, 100) == std::vector<double>{0, 100, 0}), true, "100 PRBs");
    }
};

class SliceRbgSplitTestSuite : public TestSuite
{
  public:
    SliceRbgSplitTestSuite()
        : TestSuite("pamrl-slice-rbg-split", Type::UNIT)
    {
        AddTestCase(new RoundingTestCase, Duration::QUICK);
        AddTestCase(new PrbsTestCase, Duration::QUICK);
    }
};

SliceRbgSplitTestSuite g_sliceRbgSplitTestSuite;

} // namespace
