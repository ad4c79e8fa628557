#include "slice-kpi-collector.h"

#include "ns3/ipv4-header.h"
#include "ns3/seq-ts-header.h"
#include "ns3/simulator.h"

#include <algorithm>
#include <cmath>

namespace ns3
{

const std::vector<std::string>&
SliceKpiCollector::KpiNames()
{
    static const std::vector<std::string> names{
        "DRB.UEThpDl",            // delivered DL throughput of the slice
        "DRB.OfferedLoadDl",      // DL traffic that arrived at the DU for the slice
        "DRB.RlcSduDelayDl",      // mean DU-ingress-to-UE delay
        "DRB.RlcSduDelayDl.P95",  // 95th percentile of that delay
        "DRB.PacketLossRateDl",   // lost / (lost + delivered)
        "RRU.PrbUsedDl",          // mean PRBs per TTI used by the slice
        "RRU.PrbAvailDl",         // PRBs the current shares give the slice
        "DRB.MeanActiveUeDl",     // UEs of the slice scheduled at least once in the period
        "UE.Count",               // UEs of the slice attached to the DU
        "L1M.SinrDl",             // mean DL SINR of the slice's UEs
    };
    return names;
}

const std::vector<std::string>&
SliceKpiCollector::KpiUnits()
{
    static const std::vector<std::string> units{"Mbit/s", "Mbit/s", "ms", "ms", "ratio", "PRB", "PRB", "UE", "UE",
                                                "dB"};
    return units;
}

SliceKpiCollector::SliceKpiCollector(uint32_t numDus, uint32_t numSlices, uint32_t rbsPerDu, double slotMs)
    : m_numDus(numDus),
      m_numSlices(numSlices),
      m_rbsPerDu(rbsPerDu),
      m_rntiToUe(numDus),
      m_counters(numDus, std::vector<SliceCounters>(numSlices)),
      m_availablePrbs(numDus, std::vector<double>(numSlices, 0)),
      m_uesPerSlice(numDus, std::vector<uint32_t>(numSlices, 0)),
      m_slotMs(slotMs)
{
}

void
SliceKpiCollector::AddUe(uint32_t ue, uint32_t du, uint32_t slice)
{
    if (m_ues.size() <= ue)
    {
        m_ues.resize(ue + 1);
    }
    m_ues[ue] = UeState{du, slice, {}};
    m_uesPerSlice[du][slice] += 1;
}

void
SliceKpiCollector::BindRnti(uint32_t du, uint16_t rnti, uint32_t ue)
{
    m_rntiToUe[du][rnti] = ue;
}

void
SliceKpiCollector::SetAvailablePrbs(uint32_t du, const std::vector<double>& prbs)
{
    m_availablePrbs[du] = prbs;
}

void
SliceKpiCollector::OnPacketSent(uint32_t ue, uint32_t seq, uint32_t bytes)
{
    UeState& state = m_ues[ue];
    state.inFlight.push_back(InFlight{seq, Simulator::Now()});
    m_counters[state.du][state.slice].txBytes += bytes;
}

void
SliceKpiCollector::OnPacketReceived(uint32_t ue, Ptr<const Packet> packet)
{
    Ptr<Packet> copy = packet->Copy();
    Ipv4Header ip;
    SeqTsHeader seqTs;
    if (copy->RemoveHeader(ip) == 0 || copy->GetSize() < seqTs.GetSerializedSize())
    {
        return; // not one of our traffic packets
    }
    copy->RemoveHeader(seqTs);
    UeState& state = m_ues[ue];
    SliceCounters& c = m_counters[state.du][state.slice];
    // RLC UM delivers in order: every older packet still in flight was lost (RLC buffer overflow or HARQ failure).
    while (!state.inFlight.empty() && state.inFlight.front().seq < seqTs.GetSeq())
    {
        state.inFlight.pop_front();
        c.lost += 1;
    }
    if (!state.inFlight.empty() && state.inFlight.front().seq == seqTs.GetSeq())
    {
        state.inFlight.pop_front();
    }
    c.delivered += 1;
    c.rxBytes += packet->GetSize();
    c.delaysMs.push_back((Simulator::Now() - seqTs.GetTs()).GetSeconds() * 1e3);
}

void
SliceKpiCollector::OnDlAllocation(uint32_t du, uint16_t rnti, uint32_t prbs)
{
    auto it = m_rntiToUe[du].find(rnti);
    if (it == m_rntiToUe[du].end())
    {
        return;
    }
    SliceCounters& c = m_counters[du][m_ues[it->second].slice];
    c.prbTtiSum += prbs;
    c.scheduledUes[it->second] = true;
}

void
SliceKpiCollector::OnSinr(uint32_t ue, double sinrLinear)
{
    const UeState& state = m_ues[ue];
    SliceCounters& c = m_counters[state.du][state.slice];
    c.sinrSum += 10 * std::log10(std::max(sinrLinear, 1e-12));
    c.sinrCount += 1;
}

static double
Percentile(std::vector<double>& values, double q)
{
    // Nearest-rank percentile.
    size_t rank = static_cast<size_t>(std::ceil(q * values.size()));
    rank = std::clamp<size_t>(rank, 1, values.size());
    std::nth_element(values.begin(), values.begin() + (rank - 1), values.end());
    return values[rank - 1];
}

std::vector<std::vector<std::vector<double>>>
SliceKpiCollector::Collect()
{
    Time now = Simulator::Now();
    double periodS = (now - m_periodStart).GetSeconds();
    double ttis = std::max(1.0, std::round(periodS * 1000.0 / m_slotMs)); // scheduling intervals in the period
    std::vector<std::vector<std::vector<double>>> kpis(m_numDus, std::vector<std::vector<double>>(m_numSlices));
    // Oldest packet still waiting, per DU and slice: the delay lower bound when nothing was delivered.
    std::vector<std::vector<double>> oldestWaitMs(m_numDus, std::vector<double>(m_numSlices, 0));
    for (const UeState& ue : m_ues)
    {
        if (!ue.inFlight.empty())
        {
            double wait = (now - ue.inFlight.front().sent).GetSeconds() * 1e3;
            oldestWaitMs[ue.du][ue.slice] = std::max(oldestWaitMs[ue.du][ue.slice], wait);
        }
    }
    for (uint32_t du = 0; du < m_numDus; ++du)
    {
        for (uint32_t s = 0; s < m_numSlices; ++s)
        {
            SliceCounters& c = m_counters[du][s];
            double meanDelay = oldestWaitMs[du][s];
            double p95Delay = oldestWaitMs[du][s];
            if (!c.delaysMs.empty())
            {
                double sum = 0;
                for (double d : c.delaysMs)
                {
                    sum += d;
                }
                meanDelay = sum / c.delaysMs.size();
                p95Delay = Percentile(c.delaysMs, 0.95);
            }
            double total = c.lost + c.delivered;
            kpis[du][s] = {
                periodS > 0 ? c.rxBytes * 8 / periodS / 1e6 : 0.0,
                periodS > 0 ? c.txBytes * 8 / periodS / 1e6 : 0.0,
                meanDelay,
                p95Delay,
                total > 0 ? c.lost / total : 0.0,
                c.prbTtiSum / ttis,
                m_availablePrbs[du][s],
                static_cast<double>(c.scheduledUes.size()),
                static_cast<double>(m_uesPerSlice[du][s]),
                c.sinrCount > 0 ? c.sinrSum / c.sinrCount : 0.0,
            };
        }
    }
    Reset();
    return kpis;
}

void
SliceKpiCollector::Reset()
{
    for (auto& perDu : m_counters)
    {
        for (auto& c : perDu)
        {
            c = SliceCounters{};
        }
    }
    m_periodStart = Simulator::Now();
}

} // namespace ns3
