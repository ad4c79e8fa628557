// The same-side transmit filter (model/same-side-transmit-filter.h): a signal reaches the other side of the link
// only, a base station's the UEs, a UE's the base stations.
#include "same-side-transmit-filter.h"

#include "ns3/core-module.h"
#include "ns3/half-duplex-ideal-phy.h"
#include "ns3/simple-net-device.h"
#include "ns3/spectrum-signal-parameters.h"
#include "ns3/test.h"

using namespace ns3;

namespace
{

class SameSideTestCase : public TestCase
{
  public:
    SameSideTestCase()
        : TestCase("gNB -> gNB and UE -> UE filtered out, gNB <-> UE delivered")
    {
    }

  private:
    void DoRun() override
    {
        auto phyOn = [](Ptr<NetDevice> device) {
            Ptr<HalfDuplexIdealPhy> phy = CreateObject<HalfDuplexIdealPhy>();
            phy->SetDevice(device);
            return phy;
        };
        Ptr<NetDevice> gnb1 = CreateObject<SimpleNetDevice>();
        Ptr<NetDevice> gnb2 = CreateObject<SimpleNetDevice>();
        Ptr<NetDevice> ue1 = CreateObject<SimpleNetDevice>();
        Ptr<NetDevice> ue2 = CreateObject<SimpleNetDevice>();
        Ptr<SpectrumPhy> pGnb1 = phyOn(gnb1), pGnb2 = phyOn(gnb2), pUe1 = phyOn(ue1), pUe2 = phyOn(ue2);
        Ptr<SameSideTransmitFilter> filter = CreateObject<SameSideTransmitFilter>();
        filter->AddBaseStation(gnb1);
        filter->AddBaseStation(gnb2);

        Ptr<SpectrumSignalParameters> fromGnb = Create<SpectrumSignalParameters>();
        fromGnb->txPhy = pGnb1;
        NS_TEST_EXPECT_MSG_EQ(filter->Filter(fromGnb, pGnb2), true, "gNB -> other gNB: left out");
        NS_TEST_EXPECT_MSG_EQ(filter->Filter(fromGnb, pUe1), false, "gNB -> UE: delivered");
        Ptr<SpectrumSignalParameters> fromUe = Create<SpectrumSignalParameters>();
        fromUe->txPhy = pUe1;
        NS_TEST_EXPECT_MSG_EQ(filter->Filter(fromUe, pUe2), true, "UE -> other UE: left out");
        NS_TEST_EXPECT_MSG_EQ(filter->Filter(fromUe, pGnb2), false, "UE -> gNB: delivered");
        Ptr<SpectrumSignalParameters> anonymous = Create<SpectrumSignalParameters>();
        NS_TEST_EXPECT_MSG_EQ(filter->Filter(anonymous, pUe2), false, "no transmitter known: delivered");
    }
};

class SameSideTransmitFilterTestSuite : public TestSuite
{
  public:
    SameSideTransmitFilterTestSuite()
        : TestSuite("pamrl-same-side-transmit-filter", Type::UNIT)
    {
        AddTestCase(new SameSideTestCase, Duration::QUICK);
    }
};

SameSideTransmitFilterTestSuite g_sameSideTransmitFilterTestSuite;

} // namespace
