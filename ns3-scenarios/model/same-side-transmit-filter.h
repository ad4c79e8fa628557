// A spectrum transmit filter that keeps a signal from reaching receivers on the side of the link it was sent from:
// a base station's signal from other base stations, a UE's signal from other UEs.
//
// On paired spectrum (FDD) a DL carrier carries only base-station transmissions that UEs decode, and an UL carrier
// only UE transmissions that base stations decode: a UE's uplink arriving at another UE, or a gNB's downlink at
// another gNB, is a signal nobody decodes, added to the interference of a receiver that is not listening. At paper
// scale those deliveries are most of the channel's work (198 UEs' uplink control to 197 other UEs each slot).
// It is exact only where nothing reads a same-side receiver's interference: NrRan installs it on FDD carriers, and
// tests/test_fdd.py checks that KPIs are bit-identical with and without it. On a TDD carrier with flexible slots
// it is not exact (cross-link interference is real there: docs/speed.md).
#ifndef PAMRL_SAME_SIDE_TRANSMIT_FILTER_H
#define PAMRL_SAME_SIDE_TRANSMIT_FILTER_H

#include "ns3/net-device.h"
#include "ns3/spectrum-transmit-filter.h"

#include <cstdint>
#include <unordered_set>

namespace ns3
{

class SameSideTransmitFilter : public SpectrumTransmitFilter
{
  public:
    static TypeId GetTypeId();

    /// Devices that are base stations; every other device is a UE.
    void AddBaseStation(Ptr<NetDevice> device);
    /// Whether a device is one of them.
    bool IsBaseStation(const NetDevice* device) const
    {
        return m_baseStations.count(device) > 0;
    }
    /// Changes whenever the list does (a channel caching devices' sides reads them again).
    uint64_t GetVersion() const
    {
        return m_version;
    }

  private:
    bool DoFilter(Ptr<const SpectrumSignalParameters> params, Ptr<const SpectrumPhy> receiverPhy) override;
    int64_t DoAssignStreams(int64_t stream) override;

    std::unordered_set<const NetDevice*> m_baseStations;
    uint64_t m_version{0};
};

} // namespace ns3

#endif
