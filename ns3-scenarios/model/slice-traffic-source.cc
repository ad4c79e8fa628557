#include "slice-traffic-source.h"

#include "ns3/double.h"
#include "ns3/ipv4-header.h"
#include "ns3/log.h"
#include "ns3/seq-ts-header.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("SliceTrafficSource");
NS_OBJECT_ENSURE_REGISTERED(SliceTrafficSource);

TypeId
SliceTrafficSource::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::SliceTrafficSource")
            .SetParent<Application>()
            .AddConstructor<SliceTrafficSource>()
            .AddAttribute("PacketSize",
                          "Bytes per packet, headers included.",
                          UintegerValue(1400),
                          MakeUintegerAccessor(&SliceTrafficSource::m_packetBytes),
                          MakeUintegerChecker<uint32_t>(40, 9000))
            .AddAttribute("MeanRate",
                          "Mean offered rate in bit/s.",
                          DoubleValue(1e6),
                          MakeDoubleAccessor(&SliceTrafficSource::m_meanRateBps),
                          MakeDoubleChecker<double>(1.0, 1e10))
            .AddAttribute("Model",
                          "Arrival process: cbr, poisson or onoff.",
                          StringValue("poisson"),
                          MakeStringAccessor(&SliceTrafficSource::m_model),
                          MakeStringChecker())
            .AddAttribute("MeanOnTime",
                          "Mean ON period of the onoff model.",
                          TimeValue(MilliSeconds(100)),
                          MakeTimeAccessor(&SliceTrafficSource::m_meanOn),
                          MakeTimeChecker(MilliSeconds(1)))
            .AddAttribute("MeanOffTime",
                          "Mean OFF period of the onoff model.",
                          TimeValue(MilliSeconds(100)),
                          MakeTimeAccessor(&SliceTrafficSource::m_meanOff),
                          MakeTimeChecker(MilliSeconds(1)))
            .AddTraceSource("Tx",
                            "A packet was handed to the DU: sequence number and bytes.",
                            MakeTraceSourceAccessor(&SliceTrafficSource::m_txTrace),
                            "ns3::SliceTrafficSource::TxTracedCallback");
    return tid;
}

SliceTrafficSource::SliceTrafficSource()
    : m_arrivals(CreateObject<ExponentialRandomVariable>()),
      m_periods(CreateObject<ExponentialRandomVariable>()),
      m_phase(CreateObject<UniformRandomVariable>())
{
}

uint32_t
SliceTrafficSource::HeaderBytes()
{
    return Ipv4Header().GetSerializedSize() + SeqTsHeader().GetSerializedSize();
}

void
SliceTrafficSource::SetIngress(std::function<bool()> ready, std::function<void(Ptr<Packet>)> send)
{
    m_ready = std::move(ready);
    m_send = std::move(send);
}

void
SliceTrafficSource::SetMeanRate(double bps)
{
    m_meanRateBps = bps;
}

int64_t
SliceTrafficSource::AssignStreams(int64_t stream)
{
    m_arrivals->SetStream(stream);
    m_periods->SetStream(stream + 1);
    m_phase->SetStream(stream + 2);
    return 3;
}

void
SliceTrafficSource::DoDispose()
{
    m_ready = nullptr;
    m_send = nullptr;
    Application::DoDispose();
}

void
SliceTrafficSource::StartApplication()
{
    if (m_model != "cbr" && m_model != "poisson" && m_model != "onoff")
    {
        NS_FATAL_ERROR("SliceTrafficSource Model must be cbr, poisson or onoff, got \"" << m_model << "\"");
    }
    if (m_model == "onoff")
    {
        m_on = m_phase->GetValue() < m_meanOn.GetSeconds() / (m_meanOn + m_meanOff).GetSeconds();
        m_toggle = Simulator::Schedule(Seconds(m_periods->GetValue((m_on ? m_meanOn : m_meanOff).GetSeconds(), 0)),
                                       &SliceTrafficSource::ToggleOnOff,
                                       this);
    }
    // A random first arrival within one mean interval, so that flows of one slice do not all start in step.
    double interval = m_packetBytes * 8.0 / m_meanRateBps;
    m_next = Simulator::Schedule(Seconds(m_phase->GetValue(0, interval)), &SliceTrafficSource::Send, this);
}

void
SliceTrafficSource::StopApplication()
{
    m_next.Cancel();
    m_toggle.Cancel();
}

void
SliceTrafficSource::ToggleOnOff()
{
    m_on = !m_on;
    m_toggle = Simulator::Schedule(Seconds(m_periods->GetValue((m_on ? m_meanOn : m_meanOff).GetSeconds(), 0)),
                                   &SliceTrafficSource::ToggleOnOff,
                                   this);
    if (m_on && !m_next.IsPending())
    {
        ScheduleNext();
    }
}

void
SliceTrafficSource::ScheduleNext()
{
    double interval = m_packetBytes * 8.0 / m_meanRateBps;
    double gap = interval;
    if (m_model == "poisson")
    {
        gap = m_arrivals->GetValue(interval, 0);
    }
    else if (m_model == "onoff")
    {
        double duty = m_meanOn.GetSeconds() / (m_meanOn + m_meanOff).GetSeconds();
        gap = m_arrivals->GetValue(interval * duty, 0); // peak rate = mean rate / duty
    }
    m_next = Simulator::Schedule(Seconds(gap), &SliceTrafficSource::Send, this);
}

void
SliceTrafficSource::Send()
{
    if (m_model == "onoff" && !m_on)
    {
        return; // resumes at the next ON period
    }
    if (m_ready())
    {
        Ptr<Packet> packet = Create<Packet>(m_packetBytes - HeaderBytes());
        SeqTsHeader seqTs;
        seqTs.SetSeq(m_seq);
        packet->AddHeader(seqTs);
        Ipv4Header ip; // the UE's device expects an IP packet; addresses are not used
        ip.SetPayloadSize(packet->GetSize());
        ip.SetTtl(64);
        packet->AddHeader(ip);
        m_txTrace(m_seq, m_packetBytes);
        ++m_seq;
        m_send(packet);
    }
    ScheduleNext();
}

} // namespace ns3
