// What the slicing environment needs from a RAN, whatever its backend: apply per-slice shares to a DU, read the
// KPIs, know the RBG grid. One implementation per backend (lte-ran, nr-ran), chosen by the scenario's
// `ran.backend`; everything else (environment, KPI collector, traffic, fading, topology) is shared.
#ifndef PAMRL_RAN_H
#define PAMRL_RAN_H

#include "scenario-config.h"
#include "slice-kpi-collector.h"

#include <memory>
#include <vector>

namespace pamrl
{

class Ran
{
  public:
    virtual ~Ran() = default;

    /// Applies per-slice shares to one DU from now on and records the resulting PRBs per slice.
    virtual void ApplyShares(uint32_t du, const std::vector<double>& shares) = 0;
    virtual ns3::Ptr<ns3::SliceKpiCollector> Collector() const = 0;
    virtual uint32_t RbgsPerDu() const = 0;
    virtual uint32_t RbgSize() const = 0;

    /// Builds the RAN of `config.ranBackend` ("nr" or "lte"); every random stream derives from ns-3's RngRun.
    static std::unique_ptr<Ran> Build(const ScenarioConfig& config);
};

} // namespace pamrl

#endif
