#include "time-bucket-scheduler.h"

#include "ns3/assert.h"
#include "ns3/event-impl.h"

#include <algorithm>

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(TimeBucketScheduler);

TypeId
TimeBucketScheduler::GetTypeId()
{
    static TypeId tid = TypeId("ns3::TimeBucketScheduler")
                            .SetParent<Scheduler>()
                            .SetGroupName("Core")
                            .AddConstructor<TimeBucketScheduler>();
    return tid;
}

TimeBucketScheduler::TimeBucketScheduler() = default;

TimeBucketScheduler::~TimeBucketScheduler() = default;

bool
TimeBucketScheduler::LaterFirst::operator()(uint32_t a, uint32_t b) const
{
    return scheduler->m_buckets[a].ts > scheduler->m_buckets[b].ts;
}

uint32_t
TimeBucketScheduler::BucketFor(uint64_t ts)
{
    if (m_lastBucket != UINT32_MAX && m_lastTs == ts)
    {
        return m_lastBucket;
    }
    auto [it, opened] = m_open.try_emplace(ts, 0);
    if (opened)
    {
        uint32_t index;
        if (m_free.empty())
        {
            index = static_cast<uint32_t>(m_buckets.size());
            m_buckets.emplace_back();
        }
        else
        {
            index = m_free.back();
            m_free.pop_back();
        }
        m_buckets[index].ts = ts;
        it->second = index;
        m_heap.push_back(index);
        std::push_heap(m_heap.begin(), m_heap.end(), LaterFirst{this});
    }
    m_lastTs = ts;
    m_lastBucket = it->second;
    return it->second;
}

void
TimeBucketScheduler::Insert(const Event& ev)
{
    Bucket& bucket = m_buckets[BucketFor(ev.key.m_ts)];
    std::vector<Event>& events = bucket.events;
    if (events.size() == bucket.head || events.back().key.m_uid < ev.key.m_uid)
    {
        events.push_back(ev); // the usual case: ids grow as events are scheduled
    }
    else
    {
        auto at = std::upper_bound(events.begin() + bucket.head,
                                   events.end(),
                                   ev.key.m_uid,
                                   [](uint32_t uid, const Event& e) { return uid < e.key.m_uid; });
        events.insert(at, ev);
    }
    ++m_size;
}

bool
TimeBucketScheduler::IsEmpty() const
{
    return m_size == 0;
}

Scheduler::Event
TimeBucketScheduler::PeekNext() const
{
    NS_ASSERT(m_size > 0);
    const Bucket& top = m_buckets[m_heap.front()];
    return top.events[top.head];
}

Scheduler::Event
TimeBucketScheduler::RemoveNext()
{
    NS_ASSERT(m_size > 0);
    Bucket& top = m_buckets[m_heap.front()];
    Event next = top.events[top.head++];
    --m_size;
    DropEmptyTop();
    return next;
}

void
TimeBucketScheduler::Remove(const Event& ev)
{
    auto open = m_open.find(ev.key.m_ts);
    NS_ASSERT_MSG(open != m_open.end(), "no event is waiting at this time");
    Bucket& bucket = m_buckets[open->second];
    auto first = bucket.events.begin() + bucket.head;
    auto at = std::lower_bound(first, bucket.events.end(), ev.key.m_uid, [](const Event& e, uint32_t uid) {
        return e.key.m_uid < uid;
    });
    NS_ASSERT_MSG(at != bucket.events.end() && at->key.m_uid == ev.key.m_uid, "the event is not waiting");
    bucket.events.erase(at);
    --m_size;
    DropEmptyTop(); // an emptied bucket elsewhere in the heap stays open until it reaches the top
}

void
TimeBucketScheduler::DropEmptyTop()
{
    while (!m_heap.empty())
    {
        const uint32_t index = m_heap.front();
        Bucket& bucket = m_buckets[index];
        if (bucket.head < bucket.events.size())
        {
            return;
        }
        std::pop_heap(m_heap.begin(), m_heap.end(), LaterFirst{this});
        m_heap.pop_back();
        m_open.erase(bucket.ts);
        if (m_lastBucket == index)
        {
            m_lastBucket = UINT32_MAX;
        }
        bucket.events.clear(); // keeps its room for the next timestamp
        bucket.head = 0;
        m_free.push_back(index);
    }
}

} // namespace ns3
