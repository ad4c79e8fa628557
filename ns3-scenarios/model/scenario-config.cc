#include "scenario-config.h"

#include <cmath>

namespace pamrl
{

uint32_t
ScenarioConfig::UesAt(uint32_t du, uint32_t slice) const
{
    double n = slices[slice].uesPerDu;
    if (static_cast<int32_t>(du) == hotspotDu)
    {
        n = std::round(n * hotspotFactor);
    }
    return static_cast<uint32_t>(n);
}

ScenarioConfig
ScenarioConfig::FromJson(const nlohmann::json& j)
{
    ScenarioConfig c;
    c.name = j.at("name").get<std::string>();
    const auto& ran = j.at("ran");
    c.ranBackend = ran.at("backend").get<std::string>();
    c.numerology = ran.at("numerology").get<uint32_t>();
    c.rbgSize = ran.at("rbg_size").get<uint32_t>();
    c.nrChannel = ran.at("nr_channel").get<std::string>();
    c.nrStartingMcs = ran.at("nr_starting_mcs").get<uint32_t>();
    c.nrDuplex = ran.at("nr_duplex").get<std::string>();
    c.nrFddSameSideLinks = ran.at("nr_fdd_same_side_links").get<std::string>();
    c.nrTddCrossLink = ran.at("nr_tdd_cross_link").get<std::string>();
    c.nrSumOtherCells = ran.at("nr_sum_other_cells").get<bool>();
    c.lteSumOtherCells = ran.at("lte_sum_other_cells").get<bool>();
    c.nrSkipUnreadDlData = ran.value("nr_skip_unread_dl_data", false);   // absent from older scenarios
    c.lteSkipUnreadDlData = ran.value("lte_skip_unread_dl_data", false); // likewise
    c.nrUeDataInterferenceOmitsDlCtrl = ran.value("nr_ue_data_interference_omits_dl_ctrl", false); // likewise
    c.nrNeighbourCtrlFrames = ran.value("nr_neighbour_ctrl_frames", true); // likewise
    c.nrUeSkipsCtrlInterference = ran.value("nr_ue_skips_ctrl_interference", false); // likewise
    c.nrSkipUnreadCtrlPsd = ran.value("nr_skip_unread_ctrl_psd", false); // likewise
    c.lteUeSkipsUnreadCtrl = ran.value("lte_ue_skips_unread_ctrl_interference", false); // likewise
    c.nrUeSkipsUnchangedMib = ran.value("nr_ue_skips_unchanged_mib", false);              // likewise
    c.nrCheckAllocations = ran.value("nr_check_allocations", true);                         // likewise
    c.pathLossRefreshMs = ran.value("path_loss_refresh_ms", 0.0); // absent from scenarios written before it
    c.nrPssPeriodMs = ran.value("nr_pss_period_ms", 0.0);         // likewise
    c.numDus = ran.at("num_dus").get<uint32_t>();
    c.bandwidthRbs = ran.at("bandwidth_rbs").get<uint32_t>();
    c.interSiteDistanceM = ran.at("inter_site_distance_m").get<double>();
    c.cellRadiusM = ran.at("cell_radius_m").get<double>();
    c.enbTxPowerDbm = ran.at("enb_tx_power_dbm").get<double>();
    c.ueTxPowerDbm = ran.at("ue_tx_power_dbm").get<double>();
    c.pathlossExponent = ran.at("pathloss_exponent").get<double>();
    c.idealRrc = ran.at("ideal_rrc").get<bool>();
    c.cqiFromPdsch = ran.at("cqi_from_pdsch").get<bool>();
    c.uplinkPowerControl = ran.at("uplink_power_control").get<bool>();
    c.eventScheduler = ran.at("event_scheduler").get<std::string>();
    c.spectrumChannel = ran.at("spectrum_channel").get<std::string>();
    c.neighbourCtrlFrames = ran.at("neighbour_ctrl_frames").get<bool>();
    c.hotspotDu = ran.at("hotspot_du").is_null() ? -1 : ran.at("hotspot_du").get<int32_t>();
    c.hotspotFactor = ran.at("hotspot_factor").get<double>();
    c.dataErrorModel = ran.at("data_error_model").get<bool>();
    c.ctrlErrorModel = ran.at("ctrl_error_model").get<bool>();
    c.srsPeriodicityMs = ran.at("srs_periodicity_ms").get<uint32_t>();
    c.ulSinrSamplePeriod = ran.at("ul_sinr_sample_period").get<uint32_t>();
    c.cqiPeriodMs = ran.at("cqi_period_ms").get<uint32_t>();
    c.rlcBufferBytes = ran.at("rlc_buffer_bytes").get<uint32_t>();
    const auto& control = j.at("control");
    c.periodMs = control.at("period_ms").get<double>();
    c.episodeSteps = control.at("episode_steps").get<uint32_t>();
    c.warmupMs = control.at("warmup_ms").get<double>();
    c.initialShares = control.at("initial_shares").get<std::vector<double>>();
    for (const auto& s : j.at("slices"))
    {
        const auto& t = s.at("traffic");
        c.slices.push_back(SliceConfig{s.at("name").get<std::string>(),
                                       s.at("ues_per_du").get<uint32_t>(),
                                       TrafficConfig{t.at("model").get<std::string>(),
                                                     t.at("rate_mbps_per_ue").get<double>(),
                                                     t.at("packet_bytes").get<uint32_t>(),
                                                     t.at("on_ms").get<double>(),
                                                     t.at("off_ms").get<double>(),
                                                     t.at("load_profile").get<std::vector<std::pair<double, double>>>()}});
    }
    const auto& mobility = j.at("mobility");
    c.mobilityModel = mobility.at("model").get<std::string>();
    c.speedMinMps = mobility.at("speed_min_mps").get<double>();
    c.speedMaxMps = mobility.at("speed_max_mps").get<double>();
    c.pauseS = mobility.at("pause_s").get<double>();
    const auto& fading = j.at("fading");
    c.fadingModel = fading.at("model").get<std::string>();
    c.fadingProfile = fading.at("profile").get<std::string>();
    c.dopplerHz = fading.at("doppler_hz").get<double>();
    if (c.initialShares.size() != c.slices.size())
    {
        throw nlohmann::json::other_error::create(501, "control.initial_shares needs one share per slice", &j);
    }
    return c;
}

} // namespace pamrl
