// Per-DU, per-slice KPIs of one control period, gathered from packet, MAC and PHY events.
// The names follow O-RAN E2SM-KPM where one exists; docs/kpis.md gives each KPI's definition and unit.
#ifndef PAMRL_SLICE_KPI_COLLECTOR_H
#define PAMRL_SLICE_KPI_COLLECTOR_H

#include "ns3/nstime.h"
#include "ns3/packet.h"

#include <deque>
#include <map>
#include <string>
#include <vector>

namespace ns3
{

class SliceKpiCollector : public SimpleRefCount<SliceKpiCollector>
{
  public:
    /// KPI names in the order of each [du][slice] vector, and their units.
    static const std::vector<std::string>& KpiNames();
    static const std::vector<std::string>& KpiUnits();

    /// `slotMs`: the scheduling interval (LTE's TTI, 1 ms; NR's slot, 1 ms / 2^numerology), the unit of PRB use.
    SliceKpiCollector(uint32_t numDus, uint32_t numSlices, uint32_t rbsPerDu, double slotMs = 1.0);

    /// Registers UE number `ue` (its IMSI - 1) as a member of `slice` served by `du`.
    void AddUe(uint32_t ue, uint32_t du, uint32_t slice);
    /// Binds an RNTI of a DU to a UE once the UE is connected.
    void BindRnti(uint32_t du, uint16_t rnti, uint32_t ue);
    /// PRBs given to each slice of a DU by the current shares (reported as RRU.PrbAvailDl).
    void SetAvailablePrbs(uint32_t du, const std::vector<double>& prbs);

    // Event sinks, connected by the RAN set-up.
    void OnPacketSent(uint32_t ue, uint32_t seq, uint32_t bytes);
    void OnPacketReceived(uint32_t ue, Ptr<const Packet> packet);
    /// A new DL transmission scheduled for a UE (HARQ retransmissions are not counted), on `prbs` PRBs.
    void OnDlAllocation(uint32_t du, uint16_t rnti, uint32_t prbs);
    void OnSinr(uint32_t ue, double sinrLinear);

    /// KPIs since the previous call, [du][slice][kpi]; starts a new period.
    std::vector<std::vector<std::vector<double>>> Collect();
    /// Drops what was counted so far and starts a new period (end of warm-up).
    void Reset();

  private:
    struct InFlight
    {
        uint32_t seq;
        Time sent;
    };

    struct UeState
    {
        uint32_t du;
        uint32_t slice;
        std::deque<InFlight> inFlight;
    };

    struct SliceCounters
    {
        double txBytes{0};
        double rxBytes{0};
        std::vector<double> delaysMs;
        double lost{0};
        double delivered{0};
        double prbTtiSum{0};
        std::map<uint32_t, bool> scheduledUes;
        double sinrSum{0};
        double sinrCount{0};
    };


    uint32_t m_numDus;
    uint32_t m_numSlices;
    uint32_t m_rbsPerDu;
    std::vector<UeState> m_ues;
    std::vector<std::map<uint16_t, uint32_t>> m_rntiToUe; ///< per DU
    std::vector<std::vector<SliceCounters>> m_counters;   ///< [du][slice]
    std::vector<std::vector<double>> m_availablePrbs;     ///< [du][slice]
    std::vector<std::vector<uint32_t>> m_uesPerSlice;     ///< [du][slice]
    Time m_periodStart;
    double m_slotMs;
};

} // namespace ns3

#endif
