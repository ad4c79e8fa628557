// Slice-aware DL resource split for ns-3 LTE, as an FFR algorithm: each slice owns a contiguous block of RBGs
// sized from its share, and the scheduler (PfFfMacScheduler, which asks per UE) may give a UE only RBGs of its
// slice. Within a slice, PF shares the block among that slice's UEs.
//
// Shares become whole RBGs by the rule in slice-rbg-split.h, shared with the NR backend.
#ifndef PAMRL_LTE_SLICE_RBG_ALLOCATOR_H
#define PAMRL_LTE_SLICE_RBG_ALLOCATOR_H

#include "ns3/lte-ffr-algorithm.h"
#include "ns3/lte-ffr-rrc-sap.h"
#include "ns3/lte-ffr-sap.h"

#include <map>
#include <vector>

namespace ns3
{

class SliceRbgAllocator : public LteFfrAlgorithm
{
  public:
    SliceRbgAllocator();
    ~SliceRbgAllocator() override;
    static TypeId GetTypeId();

    /// Sets the shares of this cell's slices (one per slice, summing to 1).
    void SetShares(const std::vector<double>& shares);
    /// Declares the slice of a UE of this cell (call once the UE has its RNTI).
    void SetUeSlice(uint16_t rnti, uint8_t slice);
    /// RBGs of the DL carrier, known once the cell is configured.
    uint32_t GetNumRbgs() const;
    /// RBGs currently given to each slice.
    const std::vector<uint32_t>& GetRbgCounts() const;

    void SetLteFfrSapUser(LteFfrSapUser* s) override;
    LteFfrSapProvider* GetLteFfrSapProvider() override;
    void SetLteFfrRrcSapUser(LteFfrRrcSapUser* s) override;
    LteFfrRrcSapProvider* GetLteFfrRrcSapProvider() override;

    friend class MemberLteFfrSapProvider<SliceRbgAllocator>;
    friend class MemberLteFfrRrcSapProvider<SliceRbgAllocator>;

  protected:
    void DoInitialize() override;
    void DoDispose() override;
    void Reconfigure() override;

    std::vector<bool> DoGetAvailableDlRbg() override;
    bool DoIsDlRbgAvailableForUe(int rbgId, uint16_t rnti) override;
    std::vector<bool> DoGetAvailableUlRbg() override;
    bool DoIsUlRbgAvailableForUe(int rbId, uint16_t rnti) override;
    void DoReportDlCqiInfo(const FfMacSchedSapProvider::SchedDlCqiInfoReqParameters& params) override;
    void DoReportUlCqiInfo(const FfMacSchedSapProvider::SchedUlCqiInfoReqParameters& params) override;
    void DoReportUlCqiInfo(std::map<uint16_t, std::vector<double>> ulCqiMap) override;
    uint8_t DoGetTpc(uint16_t rnti) override;
    uint16_t DoGetMinContinuousUlBandwidth() override;
    void DoReportUeMeas(uint16_t rnti, LteRrcSap::MeasResults measResults) override;
    void DoRecvLoadInformation(EpcX2Sap::LoadInformationParams params) override;

  private:
    void UpdateBlocks();

    LteFfrSapUser* m_ffrSapUser{nullptr};
    LteFfrSapProvider* m_ffrSapProvider;
    LteFfrRrcSapUser* m_ffrRrcSapUser{nullptr};
    LteFfrRrcSapProvider* m_ffrRrcSapProvider;

    std::vector<double> m_shares;        ///< one per slice
    std::vector<uint32_t> m_rbgCounts;   ///< RBGs per slice
    std::vector<uint32_t> m_blockStart;  ///< first RBG of each slice's block
    /// RNTI -> slice, kNoSlice where none: a vector, as the PF scheduler asks for every UE and RB group each TTI.
    std::vector<uint8_t> m_sliceByRnti;
    static constexpr uint8_t kNoSlice = 255;
};

} // namespace ns3

#endif
