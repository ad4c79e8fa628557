#include "bridge-environment.h"

#include "ns3/simulator.h"

#include <cmath>

namespace pamrl
{

// Exceptions thrown inside a scheduled step leave Simulator::Run() and reach the caller of RunWithAgent.

void
BridgeEnvironment::RunWithAgent(BridgeClient& client)
{
    Json setup = client.Request("hello", Json{{"simulator", "pamrl-slicing-scenario (ns-3.46.1: nr, lte)"}});
    if (setup.at("type") == "stop")
    {
        throw AgentFinished("agent has no more episodes: " + setup.at("reason").get<std::string>());
    }
    if (setup.at("type") != "setup")
    {
        throw ProtocolError("expected \"setup\" after \"hello\", got \"" + setup.at("type").get<std::string>() + "\"");
    }
    int64_t seed = setup.at("seed").get<int64_t>();
    if (seed < 1)
    {
        throw ProtocolError("seed must be >= 1 (ns-3 RngRun), got " + std::to_string(seed));
    }
    try
    {
        Configure(setup.at("scenario"), static_cast<uint64_t>(seed));
    }
    catch (const Json::exception& e)
    {
        // The agent validates scenarios before sending them; reaching this means the two ends disagree.
        throw ProtocolError(std::string("scenario in \"setup\" is not usable: ") + e.what());
    }
    Json ack = client.Request("ready", Describe());
    if (ack.at("type") != "ack")
    {
        throw ProtocolError("expected \"ack\" after \"ready\", got \"" + ack.at("type").get<std::string>() + "\"");
    }
    ns3::Simulator::Schedule(FirstStepTime(), &BridgeEnvironment::StepWithAgent, this, &client, 0);
    ns3::Simulator::Run();
    ns3::Simulator::Destroy();
}

void
BridgeEnvironment::StepWithAgent(BridgeClient* client, uint32_t step)
{
    // Observation k follows action k; the last of episode_steps actions is answered by the final observation.
    bool final = step >= EpisodeSteps();
    Json answer = client->Request("obs",
                                  Json{{"step", step},
                                       {"time_s", ns3::Simulator::Now().GetSeconds()},
                                       {"final", final},
                                       {"kpis", CollectKpis()}});
    const std::string type = answer.at("type").get<std::string>();
    if (type == "stop")
    {
        ns3::Simulator::Stop();
        return;
    }
    if (type != "act")
    {
        throw ProtocolError("expected \"act\" or \"stop\" after \"obs\", got \"" + type + "\"");
    }
    if (final)
    {
        throw ProtocolError("agent sent \"act\" after the final observation; expected \"stop\"");
    }
    ApplyShares(ValidateShares(answer.at("shares")));
    ns3::Simulator::Schedule(ControlPeriod(), &BridgeEnvironment::StepWithAgent, this, client, step + 1);
}

Json
BridgeEnvironment::RunStandalone(const Json& scenario, uint64_t seed, const SliceShares& fixedShares)
{
    Configure(scenario, seed);
    Json log = Json::array();
    ApplyShares(fixedShares);
    ns3::Simulator::Schedule(FirstStepTime(), &BridgeEnvironment::StepStandalone, this, &log, &fixedShares, 0);
    ns3::Simulator::Run();
    ns3::Simulator::Destroy();
    return log;
}

void
BridgeEnvironment::StepStandalone(Json* log, const SliceShares* shares, uint32_t step)
{
    log->push_back(Json{{"step", step}, {"time_s", ns3::Simulator::Now().GetSeconds()}, {"kpis", CollectKpis()}});
    if (step >= EpisodeSteps())
    {
        ns3::Simulator::Stop();
        return;
    }
    ApplyShares(*shares);
    ns3::Simulator::Schedule(ControlPeriod(), &BridgeEnvironment::StepStandalone, this, log, shares, step + 1);
}

SliceShares
BridgeEnvironment::ValidateShares(const Json& shares) const
{
    if (!shares.is_array() || shares.size() != NumDus())
    {
        throw ProtocolError("\"shares\" must be an array of " + std::to_string(NumDus()) + " rows (one per DU)");
    }
    SliceShares result(NumDus(), std::vector<double>(NumSlices()));
    for (size_t du = 0; du < NumDus(); ++du)
    {
        const Json& row = shares[du];
        if (!row.is_array() || row.size() != NumSlices())
        {
            throw ProtocolError("shares[" + std::to_string(du) + "] must hold " + std::to_string(NumSlices()) +
                                " numbers (one per slice)");
        }
        double sum = 0;
        for (size_t s = 0; s < NumSlices(); ++s)
        {
            if (!row[s].is_number() || !std::isfinite(row[s].get<double>()) || row[s].get<double>() < 0)
            {
                throw ProtocolError("shares[" + std::to_string(du) + "][" + std::to_string(s) +
                                    "] must be a finite number >= 0");
            }
            result[du][s] = row[s].get<double>();
            sum += result[du][s];
        }
        if (std::abs(sum - 1.0) > 1e-3)
        {
            throw ProtocolError("shares[" + std::to_string(du) + "] sums to " + std::to_string(sum) +
                                "; each row must be a point on the simplex (sum 1 +- 1e-3)");
        }
        for (double& x : result[du])
        {
            x /= sum;
        }
    }
    return result;
}

} // namespace pamrl
