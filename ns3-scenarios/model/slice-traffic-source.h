// Downlink traffic of one UE, generated at its DU (the RAN ingress): packets enter the DU's PDCP directly, so
// the study needs no EPC or IP stack. The RAN set-up (helper/lte-ran, helper/nr-ran) gives each source its
// ingress: a function that hands a packet to the DU for the UE, or refuses it while the UE is not connected. Each packet carries a sequence number and its creation time (SeqTsHeader)
// for delay and loss measurement at the UE. A source sends only while its UE is RRC-connected.
//
// Arrival processes ("Model"): "cbr" (constant interval), "poisson" (exponential inter-arrivals) and "onoff"
// (exponential ON and OFF periods, Poisson arrivals during ON at the peak rate that gives the configured mean).
#ifndef PAMRL_SLICE_TRAFFIC_SOURCE_H
#define PAMRL_SLICE_TRAFFIC_SOURCE_H

#include "ns3/application.h"
#include "ns3/event-id.h"
#include "ns3/packet.h"
#include "ns3/random-variable-stream.h"
#include "ns3/traced-callback.h"

#include <functional>

namespace ns3
{

class SliceTrafficSource : public Application
{
  public:
    static TypeId GetTypeId();
    SliceTrafficSource();

    /// The flow's way into the RAN: `ready` says whether the UE is connected (a source sends nothing before),
    /// `send` hands a packet to the DU for the UE.
    void SetIngress(std::function<bool()> ready, std::function<void(Ptr<Packet>)> send);
    /// Changes the mean rate from now on (time-varying load).
    void SetMeanRate(double bps);
    int64_t AssignStreams(int64_t stream) override;

    /// Bytes of the IP-like and sequence headers that every packet carries in front of its payload.
    static uint32_t HeaderBytes();

  protected:
    void DoDispose() override;

  private:
    void StartApplication() override;
    void StopApplication() override;
    void ScheduleNext();
    void Send();
    void ToggleOnOff();

    std::function<bool()> m_ready;
    std::function<void(Ptr<Packet>)> m_send;
    uint32_t m_packetBytes;
    double m_meanRateBps;
    std::string m_model;
    Time m_meanOn;
    Time m_meanOff;
    bool m_on{true};
    uint32_t m_seq{0};
    EventId m_next;
    EventId m_toggle;
    Ptr<ExponentialRandomVariable> m_arrivals;
    Ptr<ExponentialRandomVariable> m_periods;
    Ptr<UniformRandomVariable> m_phase;

    /// Fired for each packet handed to the DU: (sequence number, bytes).
    TracedCallback<uint32_t, uint32_t> m_txTrace;
};

} // namespace ns3

#endif
