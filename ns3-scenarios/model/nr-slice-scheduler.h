// Slice-aware DL scheduling for 5G-LENA (nr): each slice owns a contiguous block of RBGs of the cell (sized by
// slice-rbg-split), and nr's OFDMA proportional-fair scheduler shares each block among that slice's UEs only.
//
// nr has no per-UE RBG hook like LTE's FFR algorithm; its restriction is a per-cell notching mask. So, for every
// slot, this scheduler runs nr's own PF assignment once per slice, with the mask set to that slice's block and
// only that slice's active UEs, and restores the cell's mask afterwards. Everything else (HARQ, MCS, DCI, UL) is
// nr's. HARQ retransmissions are scheduled by nr before new data, over the whole carrier (nr-ran turns on nr's
// retransmission consolidation, which may move a retransmission to other RBGs of the slot's first symbols): they
// take OFDM symbols of the slot from every slice's new data alike, never RBGs inside another slice's block of
// the symbols new data uses. A slice with no RBG gets no new data.
#ifndef PAMRL_NR_SLICE_SCHEDULER_H
#define PAMRL_NR_SLICE_SCHEDULER_H

#include "ns3/nr-mac-scheduler-ofdma-pf.h"

#include <functional>
#include <map>
#include <vector>

namespace ns3
{

class NrSliceScheduler : public NrMacSchedulerOfdmaPF
{
  public:
    static TypeId GetTypeId();
    NrSliceScheduler() = default;

    /// RBGs per slice, laid out in slice order from RBG 0; applies from the next slot on.
    void SetSliceRbgs(const std::vector<uint32_t>& counts);
    /// Declares the slice of a UE of this cell (call once the UE has its RNTI).
    void SetUeSlice(uint16_t rnti, uint8_t slice);
    /// RBGs of the cell's DL carrier.
    uint32_t GetNumRbgs() const;
    const std::vector<uint32_t>& GetSliceRbgs() const
    {
        return m_counts;
    }
    /// The slice of a UE, or -1 for an RNTI not declared.
    int GetUeSlice(uint16_t rnti) const;

    /// Called for each new DL transmission scheduled: the UE and the RBGs of its DCI.
    using AllocationCallback = std::function<void(uint16_t rnti, const std::vector<bool>& rbgs)>;
    void SetAllocationCallback(AllocationCallback cb);

  protected:
    BeamSymbolMap AssignDLRBG(uint32_t symAvail, const ActiveUeMap& activeDl) const override;
    std::shared_ptr<DciInfoElementTdma> CreateDlDci(PointInFTPlane* spoint,
                                                    const std::shared_ptr<NrMacSchedulerUeInfo>& ueInfo,
                                                    uint32_t maxSym) const override;

  private:
    std::vector<uint32_t> m_counts;      ///< RBGs per slice
    std::map<uint16_t, uint8_t> m_slice; ///< RNTI -> slice
    AllocationCallback m_onAllocation;
};

} // namespace ns3

#endif
