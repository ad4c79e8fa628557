// The time-bucket event list (model/time-bucket-scheduler.h) hands events out in the order ns-3's own lists do:
// by time, then by id, whatever the order of inserts and removals.
#include "time-bucket-scheduler.h"

#include "ns3/core-module.h"
#include "ns3/priority-queue-scheduler.h"
#include "ns3/test.h"

#include <random>
#include <set>

using namespace ns3;

namespace
{

/// A random mix of inserts (few distinct times, ids mostly but not always growing), removals of waiting events
/// and takes from the front, applied to both lists; every take and peek must agree.
class SameOrderAsPriorityQueueTestCase : public TestCase
{
  public:
    SameOrderAsPriorityQueueTestCase()
        : TestCase("same events in the same order as ns-3's priority-queue list")
    {
    }

  private:
    void DoRun() override
    {
        Ptr<TimeBucketScheduler> buckets = CreateObject<TimeBucketScheduler>();
        Ptr<PriorityQueueScheduler> reference = CreateObject<PriorityQueueScheduler>();
        std::mt19937 rng(7);
        std::vector<Scheduler::Event> waiting; // to pick removals from
        uint32_t uid = 0;
        std::set<uint32_t> usedOlder;
        uint64_t now = 0;
        uint32_t taken = 0;
        for (int step = 0; step < 20000; ++step)
        {
            const int what = rng() % 10;
            if (what < 6 || reference->IsEmpty())
            {
                Scheduler::Event ev;
                ev.impl = nullptr;
                ev.key.m_ts = now + (rng() % 4) * 1000 + (rng() % 3); // a few dozen distinct times
                // Ids grow as the simulator hands them out; now and then an older one arrives (as when a
                // simulator moves its events from one list to another).
                // (Ids in order are even; an older one is an odd id below the newest, each used once.)
                const uint32_t older = uid - 1 - 2 * (rng() % 25);
                if (rng() % 20 == 0 && uid > 50 && usedOlder.insert(older).second)
                {
                    ev.key.m_uid = older;
                }
                else
                {
                    uid += 2;
                    ev.key.m_uid = uid;
                }
                ev.key.m_context = 0;
                buckets->Insert(ev);
                reference->Insert(ev);
                waiting.push_back(ev);
            }
            else if (what < 7)
            {
                const std::size_t i = rng() % waiting.size();
                const Scheduler::Event ev = waiting[i];
                waiting[i] = waiting.back();
                waiting.pop_back();
                buckets->Remove(ev);
                reference->Remove(ev);
            }
            else
            {
                NS_TEST_ASSERT_MSG_EQ(buckets->PeekNext().key.m_uid, reference->PeekNext().key.m_uid, "peek");
                const Scheduler::Event a = buckets->RemoveNext();
                const Scheduler::Event b = reference->RemoveNext();
                NS_TEST_ASSERT_MSG_EQ(a.key.m_ts, b.key.m_ts, "time of take " << taken);
                NS_TEST_ASSERT_MSG_EQ(a.key.m_uid, b.key.m_uid, "id of take " << taken);
                now = a.key.m_ts;
                ++taken;
                for (std::size_t i = 0; i < waiting.size(); ++i)
                {
                    if (waiting[i].key.m_uid == a.key.m_uid && waiting[i].key.m_ts == a.key.m_ts)
                    {
                        waiting[i] = waiting.back();
                        waiting.pop_back();
                        break;
                    }
                }
            }
            NS_TEST_ASSERT_MSG_EQ(buckets->IsEmpty(), reference->IsEmpty(), "emptiness");
        }
        while (!reference->IsEmpty())
        {
            NS_TEST_ASSERT_MSG_EQ(buckets->RemoveNext().key.m_uid, reference->RemoveNext().key.m_uid, "drain");
        }
        NS_TEST_ASSERT_MSG_EQ(buckets->IsEmpty(), true, "both drained");
        NS_TEST_ASSERT_MSG_GT(taken, 1000u, "the mix took events");
    }
};

class TimeBucketSchedulerTestSuite : public TestSuite
{
  public:
    TimeBucketSchedulerTestSuite()
        : TestSuite("pamrl-time-bucket-scheduler", Type::UNIT)
    {
        AddTestCase(new SameOrderAsPriorityQueueTestCase, Duration::QUICK);
    }
};

TimeBucketSchedulerTestSuite g_timeBucketSchedulerTestSuite;

} // namespace
