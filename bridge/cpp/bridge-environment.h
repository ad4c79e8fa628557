// The simulator side of the co-simulation, in the shape ns3-gym users know: a C++ environment class whose hooks
// build the scenario, describe its spaces, collect observations and execute actions. The base class owns the
// control loop: every control period it pauses the simulation, sends the KPIs of all DUs in one frame and applies
// the shares of all DUs from one answer. Rewards are computed on the agent side from the KPIs and QoS targets.
#ifndef PAMRL_BRIDGE_ENVIRONMENT_H
#define PAMRL_BRIDGE_ENVIRONMENT_H

#include "bridge-client.h"

#include "ns3/nstime.h"

#include <memory>
#include <vector>

namespace pamrl
{

/// Per-DU, per-slice resource shares; each row is a point on the simplex.
using SliceShares = std::vector<std::vector<double>>;

class BridgeEnvironment
{
  public:
    virtual ~BridgeEnvironment() = default;

    /// Runs one episode driven by the agent at the client's endpoint: handshake, then one exchange per
    /// control period until the last step or a "stop". The agent sends the scenario and seed in "setup".
    void RunWithAgent(BridgeClient& client);

    /// Runs one episode with no agent: the scenario comes from a file and fixed shares are applied inside
    /// ns-3 (the baseline of the bridge-overhead benchmark). Returns the KPIs of every step.
    Json RunStandalone(const Json& scenario, uint64_t seed, const SliceShares& fixedShares);

  protected:
    /// Builds the topology, traffic and KPI collection from the scenario (the agent's "setup" message).
    virtual void Configure(const Json& scenario, uint64_t seed) = 0;
    /// Fields of the "ready" message: agents, slices, KPI names and units, RBGs, period, steps.
    virtual Json Describe() const = 0;
    /// KPIs gathered since the previous call, as [du][slice][kpi]; resets the counters.
    virtual Json CollectKpis() = 0;
    /// Applies the shares from now on.
    virtual void ApplyShares(const SliceShares& shares) = 0;
    virtual ns3::Time ControlPeriod() const = 0;
    /// Time of the first observation (after attach and warm-up).
    virtual ns3::Time FirstStepTime() const = 0;
    virtual uint32_t EpisodeSteps() const = 0;
    virtual size_t NumDus() const = 0;
    virtual size_t NumSlices() const = 0;

    /// Checks the agent's shares: [du][slice], finite, non-negative, each row summing to 1 (+-1e-3), then
    /// renormalises each row exactly. Throws ProtocolError naming the bad entry.
    SliceShares ValidateShares(const Json& shares) const;

  private:
    void StepWithAgent(BridgeClient* client, uint32_t step);
    void StepStandalone(Json* log, const SliceShares* shares, uint32_t step);
};

} // namespace pamrl

#endif
