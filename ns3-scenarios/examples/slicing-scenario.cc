// pamrl-slicing-scenario: the ns-3 side of the co-simulation.
//
//   With an agent:  pamrl-slicing-scenario --connect=ipc:///tmp/x.sock [--timeoutMs=60000]
//     connects to the agent (which binds), receives the scenario and seed in the handshake, and runs one episode.
//   Without one:    pamrl-slicing-scenario --scenario=resolved.json --seed=1 --shares=0.5,0.3,0.2 --out=kpis.json
//     runs one episode with fixed shares applied inside ns-3 (the bridge-overhead baseline).
//   pamrl-slicing-scenario --buildInfo prints the ns-3 build it runs on (e.g. ns-3.46.1-nr-4.1.1-<key>).
//
// Exit codes: 0 episode done; 2 bad command line; 3 bridge error (timeout, protocol, version); 4 scenario error;
// 5 the agent needs no more episodes (it answered "hello" with "stop"): a wrapper that restarts the simulator
// for every episode (the compose service) stops on 5.
#include "slicing-environment.h"

#include "ns3/command-line.h"

#include <fstream>
#include <iostream>
#include <sstream>

using namespace pamrl;

static std::vector<double>
ParseShares(const std::string& text)
{
    std::vector<double> shares;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
    {
        shares.push_back(std::stod(item));
    }
    return shares;
}

int
main(int argc, char* argv[])
{
    std::string connect;
    uint32_t timeoutMs = 60000;
    std::string scenarioFile;
    uint32_t seed = 1;
    std::string shares = "";
    std::string out = "";
    bool version = false;

    ns3::CommandLine cmd(__FILE__);
    cmd.AddValue("buildInfo", "Print the ns-3 build this binary runs on and exit", version);
    cmd.AddValue("connect", "Agent endpoint to connect to (ipc://PATH or tcp://HOST:PORT)", connect);
    cmd.AddValue("timeoutMs", "Receive timeout towards the agent, in ms (a silent agent ends the run)", timeoutMs);
    cmd.AddValue("scenario", "Standalone run: resolved scenario JSON (what `pamrl scenario NAME` prints)", scenarioFile);
    cmd.AddValue("seed", "Standalone run: ns-3 RngRun", seed);
    cmd.AddValue("shares", "Standalone run: fixed shares for every DU, comma-separated, one per slice", shares);
    cmd.AddValue("out", "Standalone run: file for the per-step KPIs (JSON)", out);
    cmd.Parse(argc, argv);
    if (version)
    {
        std::cout << PAMRL_NS3_BUILD << "\n";
        return 0;
    }

    if (connect.empty() == scenarioFile.empty())
    {
        std::cerr << "pamrl-slicing-scenario: give either --connect (agent-driven) or --scenario (standalone)\n";
        return 2;
    }
    SlicingEnvironment env;
    if (!connect.empty())
    {
        std::unique_ptr<BridgeClient> client;
        try
        {
            client = std::make_unique<BridgeClient>(connect, std::chrono::milliseconds(timeoutMs));
            env.RunWithAgent(*client);
        }
        catch (const AgentFinished& e)
        {
            std::cerr << "pamrl-slicing-scenario: " << e.what() << "\n";
            return 5;
        }
        catch (const BridgeError& e)
        {
            std::cerr << "pamrl-slicing-scenario: bridge error: " << e.what() << "\n";
            if (client && !dynamic_cast<const PeerTimeout*>(&e) && !dynamic_cast<const PeerError*>(&e))
            {
                client->SendError(e.what());
            }
            return 3;
        }
        return 0;
    }
    try
    {
        std::ifstream in(scenarioFile);
        if (!in)
        {
            std::cerr << "pamrl-slicing-scenario: cannot read " << scenarioFile << "\n";
            return 4;
        }
        Json scenario = Json::parse(in);
        std::vector<double> row = shares.empty() ? scenario.at("control").at("initial_shares").get<std::vector<double>>()
                                                 : ParseShares(shares);
        SliceShares fixed(scenario.at("ran").at("num_dus").get<uint32_t>(), row);
        Json log = env.RunStandalone(scenario, seed, fixed);
        if (!out.empty())
        {
            std::ofstream(out) << log.dump();
        }
    }
    catch (const std::exception& e)
    {
        std::cerr << "pamrl-slicing-scenario: scenario error: " << e.what() << "\n";
        return 4;
    }
    return 0;
}
