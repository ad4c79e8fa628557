#include "ran-topology.h"

#include "slice-traffic-source.h"

#include "ns3/box.h"
#include "ns3/double.h"
#include "ns3/fatal-error.h"
#include "ns3/nstime.h"
#include "ns3/mobility-helper.h"
#include "ns3/pointer.h"
#include "ns3/position-allocator.h"
#include "ns3/rectangle.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

#include <cmath>
#include <sstream>

using namespace ns3;

namespace pamrl
{

double
ReferenceLossDb()
{
    return 20 * std::log10(4 * M_PI * kCarrierHz / 299792458.0);
}

Vector
DuPosition(uint32_t du, uint32_t numDus, double isd)
{
    // Hexagonal grid, rows offset by half a site.
    auto columns = static_cast<uint32_t>(std::ceil(std::sqrt(double(numDus))));
    uint32_t row = du / columns;
    uint32_t col = du % columns;
    return Vector(col * isd + (row % 2) * isd / 2, row * isd * std::sqrt(3.0) / 2, 30.0);
}

UeLayout::UeLayout(const ScenarioConfig& config)
{
    for (uint32_t d = 0; d < config.numDus; ++d)
    {
        for (uint32_t s = 0; s < config.slices.size(); ++s)
        {
            for (uint32_t i = 0; i < config.UesAt(d, s); ++i)
            {
                du.push_back(d);
                slice.push_back(s);
            }
        }
    }
}

void
InstallDuMobility(const NodeContainer& duNodes, const ScenarioConfig& config)
{
    MobilityHelper enbMobility;
    Ptr<ListPositionAllocator> sites = CreateObject<ListPositionAllocator>();
    for (uint32_t du = 0; du < config.numDus; ++du)
    {
        sites->Add(DuPosition(du, config.numDus, config.interSiteDistanceM));
    }
    enbMobility.SetPositionAllocator(sites);
    enbMobility.SetMobilityModel("ns3::ConstantPositionMobilityModel");
    enbMobility.Install(duNodes);
}

void
InstallUeMobility(const NodeContainer& ueNodes, const UeLayout& layout, const ScenarioConfig& config)
{
    const double r = config.cellRadiusM;
    std::ostringstream speed;
    speed << "ns3::UniformRandomVariable[Min=" << config.speedMinMps << "|Max=" << config.speedMaxMps << "]";
    std::ostringstream pause;
    pause << "ns3::ConstantRandomVariable[Constant=" << config.pauseS << "]";
    for (uint32_t ue = 0; ue < ueNodes.GetN(); ++ue)
    {
        Vector c = DuPosition(layout.du[ue], config.numDus, config.interSiteDistanceM);
        MobilityHelper mobility;
        Ptr<UniformDiscPositionAllocator> start = CreateObject<UniformDiscPositionAllocator>();
        start->SetX(c.x);
        start->SetY(c.y);
        start->SetZ(1.5);
        start->SetRho(r);
        start->AssignStreams(kStreamMobility + 10 * ue);
        mobility.SetPositionAllocator(start);
        if (config.mobilityModel == "static")
        {
            mobility.SetMobilityModel("ns3::ConstantPositionMobilityModel");
        }
        else if (config.mobilityModel == "random-walk")
        {
            mobility.SetMobilityModel("ns3::RandomWalk2dMobilityModel",
                                      "Bounds", RectangleValue(Rectangle(c.x - r, c.x + r, c.y - r, c.y + r)),
                                      "Speed", StringValue(speed.str()),
                                      "Mode", StringValue("Time"),
                                      "Time", TimeValue(Seconds(1)));
        }
        else if (config.mobilityModel == "random-waypoint")
        {
            Ptr<RandomRectanglePositionAllocator> waypoints = CreateObject<RandomRectanglePositionAllocator>();
            std::ostringstream xs, ys;
            xs << "ns3::UniformRandomVariable[Min=" << c.x - r << "|Max=" << c.x + r << "]";
            ys << "ns3::UniformRandomVariable[Min=" << c.y - r << "|Max=" << c.y + r << "]";
            waypoints->SetAttribute("X", StringValue(xs.str()));
            waypoints->SetAttribute("Y", StringValue(ys.str()));
            waypoints->SetZ(1.5);
            waypoints->AssignStreams(kStreamMobility + 10 * ue + 3);
            mobility.SetMobilityModel("ns3::RandomWaypointMobilityModel",
                                      "Speed", StringValue(speed.str()),
                                      "Pause", StringValue(pause.str()),
                                      "PositionAllocator", PointerValue(waypoints));
        }
        else if (config.mobilityModel == "gauss-markov")
        {
            mobility.SetMobilityModel("ns3::GaussMarkovMobilityModel",
                                      "Bounds", BoxValue(Box(c.x - r, c.x + r, c.y - r, c.y + r, 0, 3)),
                                      "TimeStep", TimeValue(Seconds(0.5)),
                                      "Alpha", DoubleValue(0.85),
                                      "MeanVelocity", StringValue(speed.str()),
                                      "MeanDirection", StringValue("ns3::UniformRandomVariable[Min=0|Max=6.283185307]"),
                                      "MeanPitch", StringValue("ns3::ConstantRandomVariable[Constant=0.0]"),
                                      "NormalPitch", StringValue("ns3::NormalRandomVariable[Mean=0.0|Variance=0.0]"));
        }
        else
        {
            NS_FATAL_ERROR("unknown mobility model " << config.mobilityModel);
        }
        mobility.Install(ueNodes.Get(ue));
        mobility.AssignStreams(NodeContainer(ueNodes.Get(ue)), kStreamMobility + 10 * ue + 5);
    }
}

void
InstallUeTraffic(uint32_t ue,
                 const ScenarioConfig& config,
                 const UeLayout& layout,
                 Ptr<Node> duNode,
                 Ptr<SliceKpiCollector> collector,
                 std::function<bool()> ready,
                 std::function<void(Ptr<Packet>)> send)
{
    const TrafficConfig& t = config.slices[layout.slice[ue]].traffic;
    Ptr<SliceTrafficSource> source = CreateObject<SliceTrafficSource>();
    source->SetAttribute("PacketSize", UintegerValue(t.packetBytes));
    source->SetAttribute("MeanRate", DoubleValue(t.rateMbpsPerUe * 1e6));
    source->SetAttribute("Model", StringValue(t.model));
    source->SetAttribute("MeanOnTime", TimeValue(Ms(t.onMs)));
    source->SetAttribute("MeanOffTime", TimeValue(Ms(t.offMs)));
    source->SetIngress(std::move(ready), std::move(send));
    source->AssignStreams(kStreamTraffic + 4 * ue);
    duNode->AddApplication(source);
    // Traffic starts half-way through the warm-up, once UEs have had time to connect.
    source->SetStartTime(Ms(config.warmupMs / 2));
    for (const auto& [startS, factor] : t.loadProfile)
    {
        // Time-varying load: the mean rate steps to factor x the configured rate at startS.
        Simulator::Schedule(Seconds(startS), &SliceTrafficSource::SetMeanRate, source, t.rateMbpsPerUe * 1e6 * factor);
    }
    source->TraceConnectWithoutContext(
        "Tx",
        MakeBoundCallback(+[](SliceKpiCollector* c, uint32_t ue, uint32_t seq, uint32_t bytes) {
            c->OnPacketSent(ue, seq, bytes);
        }, PeekPointer(collector), ue));
}

void
EndUeTrafficAt(Ptr<NetDevice> ueDevice, uint32_t ue, Ptr<SliceKpiCollector> collector)
{
    ueDevice->SetReceiveCallback(MakeBoundCallback(
        +[](SliceKpiCollector* c, uint32_t ue, Ptr<NetDevice>, Ptr<const Packet> p, uint16_t, const Address&) {
            c->OnPacketReceived(ue, p);
            return true;
        }, PeekPointer(collector), ue));
}

} // namespace pamrl
