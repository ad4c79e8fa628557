#include "lte-slice-rbg-allocator.h"

#include "slice-rbg-split.h"

#include "ns3/abort.h"
#include "ns3/log.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("SliceRbgAllocator");
NS_OBJECT_ENSURE_REGISTERED(SliceRbgAllocator);

SliceRbgAllocator::SliceRbgAllocator()
{
    m_ffrSapProvider = new MemberLteFfrSapProvider<SliceRbgAllocator>(this);
    m_ffrRrcSapProvider = new MemberLteFfrRrcSapProvider<SliceRbgAllocator>(this);
}

SliceRbgAllocator::~SliceRbgAllocator() = default;

TypeId
SliceRbgAllocator::GetTypeId()
{
    static TypeId tid = TypeId("ns3::SliceRbgAllocator")
                            .SetParent<LteFfrAlgorithm>()
                            .SetGroupName("Lte")
                            .AddConstructor<SliceRbgAllocator>();
    return tid;
}

void
SliceRbgAllocator::SetShares(const std::vector<double>& shares)
{
    m_shares = shares;
    UpdateBlocks();
}

void
SliceRbgAllocator::SetUeSlice(uint16_t rnti, uint8_t slice)
{
    NS_ABORT_MSG_IF(slice == kNoSlice, "slice index " << int(slice) << " is reserved");
    if (rnti >= m_sliceByRnti.size())
    {
        m_sliceByRnti.resize(rnti + 1, kNoSlice);
    }
    m_sliceByRnti[rnti] = slice;
}

uint32_t
SliceRbgAllocator::GetNumRbgs() const
{
    int rbgSize = const_cast<SliceRbgAllocator*>(this)->GetRbgSize(m_dlBandwidth);
    return (m_dlBandwidth + rbgSize - 1) / rbgSize;
}

const std::vector<uint32_t>&
SliceRbgAllocator::GetRbgCounts() const
{
    return m_rbgCounts;
}

void
SliceRbgAllocator::UpdateBlocks()
{
    if (m_dlBandwidth == 0 || m_shares.empty())
    {
        return; // not configured yet; UpdateBlocks runs again from Reconfigure
    }
    m_rbgCounts = pamrl::SharesToRbgCounts(m_shares, GetNumRbgs());
    m_blockStart = pamrl::RbgBlockStarts(m_rbgCounts);
}

void
SliceRbgAllocator::SetLteFfrSapUser(LteFfrSapUser* s)
{
    m_ffrSapUser = s;
}

LteFfrSapProvider*
SliceRbgAllocator::GetLteFfrSapProvider()
{
    return m_ffrSapProvider;
}

void
SliceRbgAllocator::SetLteFfrRrcSapUser(LteFfrRrcSapUser* s)
{
    m_ffrRrcSapUser = s;
}

LteFfrRrcSapProvider*
SliceRbgAllocator::GetLteFfrRrcSapProvider()
{
    return m_ffrRrcSapProvider;
}

void
SliceRbgAllocator::DoInitialize()
{
    LteFfrAlgorithm::DoInitialize();
}

void
SliceRbgAllocator::DoDispose()
{
    delete m_ffrSapProvider;
    delete m_ffrRrcSapProvider;
    m_ffrSapProvider = nullptr;
    m_ffrRrcSapProvider = nullptr;
    LteFfrAlgorithm::DoDispose();
}

void
SliceRbgAllocator::Reconfigure()
{
    UpdateBlocks();
}

std::vector<bool>
SliceRbgAllocator::DoGetAvailableDlRbg()
{
    // false = usable by the cell; the per-UE restriction is DoIsDlRbgAvailableForUe.
    if (m_needReconfiguration)
    {
        UpdateBlocks();
        m_needReconfiguration = false;
    }
    return std::vector<bool>(GetNumRbgs(), false);
}

bool
SliceRbgAllocator::DoIsDlRbgAvailableForUe(int rbgId, uint16_t rnti)
{
    uint8_t s = rnti < m_sliceByRnti.size() ? m_sliceByRnti[rnti] : kNoSlice;
    if (s == kNoSlice || m_rbgCounts.empty())
    {
        return true; // UE not yet attached to a slice (signalling only)
    }
    auto rbg = static_cast<uint32_t>(rbgId);
    return rbg >= m_blockStart[s] && rbg < m_blockStart[s] + m_rbgCounts[s];
}

std::vector<bool>
SliceRbgAllocator::DoGetAvailableUlRbg()
{
    return std::vector<bool>(m_ulBandwidth, false);
}

bool
SliceRbgAllocator::DoIsUlRbgAvailableForUe(int, uint16_t)
{
    return true; // slicing is downlink only
}

void
SliceRbgAllocator::DoReportDlCqiInfo(const FfMacSchedSapProvider::SchedDlCqiInfoReqParameters&)
{
}

void
SliceRbgAllocator::DoReportUlCqiInfo(const FfMacSchedSapProvider::SchedUlCqiInfoReqParameters&)
{
}

void
SliceRbgAllocator::DoReportUlCqiInfo(std::map<uint16_t, std::vector<double>>)
{
}

uint8_t
SliceRbgAllocator::DoGetTpc(uint16_t)
{
    return 1; // 0 dB: no transmit power control change
}

uint16_t
SliceRbgAllocator::DoGetMinContinuousUlBandwidth()
{
    return m_ulBandwidth;
}

void
SliceRbgAllocator::DoReportUeMeas(uint16_t, LteRrcSap::MeasResults)
{
}

void
SliceRbgAllocator::DoRecvLoadInformation(EpcX2Sap::LoadInformationParams)
{
}

} // namespace ns3
