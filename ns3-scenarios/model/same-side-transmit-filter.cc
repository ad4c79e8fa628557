#include "same-side-transmit-filter.h"

#include "ns3/spectrum-phy.h"
#include "ns3/spectrum-signal-parameters.h"

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(SameSideTransmitFilter);

TypeId
SameSideTransmitFilter::GetTypeId()
{
    static TypeId tid = TypeId("ns3::SameSideTransmitFilter")
                            .SetParent<SpectrumTransmitFilter>()
                            .SetGroupName("Spectrum")
                            .AddConstructor<SameSideTransmitFilter>();
    return tid;
}

void
SameSideTransmitFilter::AddBaseStation(Ptr<NetDevice> device)
{
    m_baseStations.insert(PeekPointer(device));
    ++m_version;
}

bool
SameSideTransmitFilter::DoFilter(Ptr<const SpectrumSignalParameters> params, Ptr<const SpectrumPhy> receiverPhy)
{
    if (!params->txPhy)
    {
        return false;
    }
    Ptr<NetDevice> tx = params->txPhy->GetDevice();
    Ptr<NetDevice> rx = receiverPhy->GetDevice();
    if (!tx || !rx)
    {
        return false;
    }
    return m_baseStations.count(PeekPointer(tx)) == m_baseStations.count(PeekPointer(rx));
}

int64_t
SameSideTransmitFilter::DoAssignStreams(int64_t)
{
    return 0;
}

} // namespace ns3
