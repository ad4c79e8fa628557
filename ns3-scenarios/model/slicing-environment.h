// The slicing scenario as a bridge environment: DUs are the agents, slices the action dimensions, and the KPI
// collector's table is the observation.
#ifndef PAMRL_SLICING_ENVIRONMENT_H
#define PAMRL_SLICING_ENVIRONMENT_H

#include "ran.h"
#include "scenario-config.h"

#include "bridge-environment.h"

#include <memory>

namespace pamrl
{

class SlicingEnvironment : public BridgeEnvironment
{
  protected:
    void Configure(const Json& scenario, uint64_t seed) override;
    Json Describe() const override;
    Json CollectKpis() override;
    void ApplyShares(const SliceShares& shares) override;
    ns3::Time ControlPeriod() const override;
    ns3::Time FirstStepTime() const override;
    uint32_t EpisodeSteps() const override;
    size_t NumDus() const override;
    size_t NumSlices() const override;

  private:
    ScenarioConfig m_config;
    std::unique_ptr<Ran> m_ran;
};

} // namespace pamrl

#endif
