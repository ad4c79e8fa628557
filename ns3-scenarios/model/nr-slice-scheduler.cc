#include "nr-slice-scheduler.h"

#include "slice-rbg-split.h"

#include "ns3/log.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("NrSliceScheduler");
NS_OBJECT_ENSURE_REGISTERED(NrSliceScheduler);

TypeId
NrSliceScheduler::GetTypeId()
{
    static TypeId tid = TypeId("ns3::NrSliceScheduler")
                            .SetParent<NrMacSchedulerOfdmaPF>()
                            .SetGroupName("Pamrl")
                            .AddConstructor<NrSliceScheduler>();
    return tid;
}

void
NrSliceScheduler::SetSliceRbgs(const std::vector<uint32_t>& counts)
{
    m_counts = counts;
}

void
NrSliceScheduler::SetUeSlice(uint16_t rnti, uint8_t slice)
{
    m_slice[rnti] = slice;
}

int
NrSliceScheduler::GetUeSlice(uint16_t rnti) const
{
    auto it = m_slice.find(rnti);
    return it == m_slice.end() ? -1 : it->second;
}

uint32_t
NrSliceScheduler::GetNumRbgs() const
{
    return GetBandwidthInRbg();
}

void
NrSliceScheduler::SetAllocationCallback(AllocationCallback cb)
{
    m_onAllocation = std::move(cb);
}

NrMacSchedulerNs3::BeamSymbolMap
NrSliceScheduler::AssignDLRBG(uint32_t symAvail, const ActiveUeMap& activeDl) const
{
    if (m_counts.empty())
    {
        return NrMacSchedulerOfdmaPF::AssignDLRBG(symAvail, activeDl);
    }
    // nr reads its RBG restriction from the cell's notching mask, a member we may change only through the
    // (non-const) setter: set it per slice and put the cell's own mask back before returning.
    auto* self = const_cast<NrSliceScheduler*>(this);
    const std::vector<bool> cellMask = GetDlNotchedRbgMask();
    const std::vector<uint32_t> starts = pamrl::RbgBlockStarts(m_counts);
    const uint32_t numRbgs = GetBandwidthInRbg();

    BeamSymbolMap symbols;
    for (const auto& [beam, ues] : activeDl)
    {
        symbols[beam] = 0; // the caller expects one entry per active beam
    }
    for (size_t s = 0; s < m_counts.size(); ++s)
    {
        if (m_counts[s] == 0)
        {
            continue;
        }
        ActiveUeMap sliceUes;
        for (const auto& [beam, ues] : activeDl)
        {
            for (const auto& ue : ues)
            {
                auto it = m_slice.find(ue.first->m_rnti);
                if (it != m_slice.end() && it->second == s)
                {
                    sliceUes[beam].push_back(ue);
                }
            }
        }
        if (sliceUes.empty())
        {
            continue;
        }
        std::vector<bool> mask(numRbgs, false);
        for (uint32_t r = starts[s]; r < std::min(numRbgs, starts[s] + m_counts[s]); ++r)
        {
            mask[r] = cellMask.empty() || cellMask[r];
        }
        self->SetDlNotchedRbgMask(mask);
        for (const auto& [beam, sym] : NrMacSchedulerOfdmaPF::AssignDLRBG(symAvail, sliceUes))
        {
            symbols[beam] = std::max(symbols[beam], sym);
        }
    }
    self->SetDlNotchedRbgMask(cellMask);
    return symbols;
}

std::shared_ptr<DciInfoElementTdma>
NrSliceScheduler::CreateDlDci(PointInFTPlane* spoint,
                              const std::shared_ptr<NrMacSchedulerUeInfo>& ueInfo,
                              uint32_t maxSym) const
{
    auto dci = NrMacSchedulerOfdmaPF::CreateDlDci(spoint, ueInfo, maxSym);
    if (dci && m_onAllocation)
    {
        m_onAllocation(dci->m_rnti, dci->m_rbgBitmask);
    }
    return dci;
}

} // namespace ns3
