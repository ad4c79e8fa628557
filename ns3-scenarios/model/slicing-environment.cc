#include "slicing-environment.h"

#include "time-bucket-scheduler.h"

#include "ns3/global-value.h"
#include "ns3/object-factory.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/string.h"
#include "ns3/simulator.h"

namespace pamrl
{

void
SlicingEnvironment::Configure(const Json& scenario, uint64_t seed)
{
    m_config = ScenarioConfig::FromJson(scenario);
    std::vector<std::string> schemaKpis;
    for (const auto& k : ProtocolSchema::Get().kpis)
    {
        schemaKpis.push_back(k.at("name").get<std::string>());
    }
    if (schemaKpis != ns3::SliceKpiCollector::KpiNames())
    {
        throw ProtocolError("the KPI collector's KPI names differ from agent/pamrl/bridge/schema.json: rebuild the scenario");
    }
    // Same seed and same actions give the same KPIs bit for bit: every random stream derives from RngRun.
    // The event queue's implementation changes speed, not the order of events (all order by time, then id); KPIs are
    // bit-identical, but for NR's summed SINR with +lean, whose last bit follows memory layout (docs/speed.md).
    // Set on the simulator itself: ns-3 reads the SchedulerType global only when it creates the simulator, which
    // may have happened already (binding the global alone left every run on ns-3's default map until 2026-12-02).
    const std::map<std::string, std::string> schedulers{{"map", "ns3::MapScheduler"},
                                                        {"heap", "ns3::HeapScheduler"},
                                                        {"priority-queue", "ns3::PriorityQueueScheduler"},
                                                        {"calendar", "ns3::CalendarScheduler"},
                                                        {"buckets", ns3::TimeBucketScheduler::GetTypeId().GetName()}};
    ns3::GlobalValue::Bind("SchedulerType", ns3::StringValue(schedulers.at(m_config.eventScheduler)));
    ns3::ObjectFactory scheduler;
    scheduler.SetTypeId(schedulers.at(m_config.eventScheduler));
    ns3::Simulator::SetScheduler(scheduler);
    ns3::RngSeedManager::SetSeed(1);
    ns3::RngSeedManager::SetRun(seed);
    m_ran = Ran::Build(m_config);
    // Counters start one period before the first observation, so that it covers a whole period.
    double resetMs = std::max(0.0, m_config.warmupMs - m_config.periodMs);
    ns3::Simulator::Schedule(Ms(resetMs), [this] { m_ran->Collector()->Reset(); });
}

Json
SlicingEnvironment::Describe() const
{
    Json agents = Json::array();
    for (uint32_t du = 0; du < m_config.numDus; ++du)
    {
        agents.push_back("du" + std::to_string(du));
    }
    Json slices = Json::array();
    Json uesPerSlice = Json::array();
    for (const auto& s : m_config.slices)
    {
        slices.push_back(s.name);
    }
    for (uint32_t du = 0; du < m_config.numDus; ++du)
    {
        Json row = Json::array();
        for (uint32_t s = 0; s < m_config.slices.size(); ++s)
        {
            row.push_back(m_config.UesAt(du, s));
        }
        uesPerSlice.push_back(row);
    }
    return Json{{"agents", agents},
                {"slices", slices},
                {"kpis", ns3::SliceKpiCollector::KpiNames()},
                {"kpi_units", ns3::SliceKpiCollector::KpiUnits()},
                {"rbgs_per_du", m_ran->RbgsPerDu()},
                {"rbs_per_du", m_config.bandwidthRbs},
                {"period_ms", m_config.periodMs},
                {"episode_steps", m_config.episodeSteps},
                {"ues_per_du_slice", uesPerSlice}};
}

Json
SlicingEnvironment::CollectKpis()
{
    return Json(m_ran->Collector()->Collect());
}

void
SlicingEnvironment::ApplyShares(const SliceShares& shares)
{
    for (uint32_t du = 0; du < m_config.numDus; ++du)
    {
        m_ran->ApplyShares(du, shares[du]);
    }
}

ns3::Time
SlicingEnvironment::ControlPeriod() const
{
    return Ms(m_config.periodMs);
}

ns3::Time
SlicingEnvironment::FirstStepTime() const
{
    return Ms(m_config.warmupMs);
}

uint32_t
SlicingEnvironment::EpisodeSteps() const
{
    return m_config.episodeSteps;
}

size_t
SlicingEnvironment::NumDus() const
{
    return m_config.numDus;
}

size_t
SlicingEnvironment::NumSlices() const
{
    return m_config.slices.size();
}

} // namespace pamrl
