"""Scenario files: YAML validated by one schema (this module), resolved into what the simulator receives.

A scenario file may start with `extends: other.yaml` (or a list of files, merged in order; paths relative to it)
and then state only what it changes; mappings merge key by key. Catalog names compose the same way:
`paper+vehicular` is paper.yaml with variants/vehicular.yaml on top. Errors name the field and the allowed values, before any process starts.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pamrl.bridge.errors import ScenarioError
from pamrl.bridge.protocol import SLICE_NAMES

# DL carrier of the simulated cell (EARFCN 100, LTE band 1); used to turn UE speed into Doppler.
CARRIER_HZ = 2120e6
SPEED_OF_LIGHT = 299_792_458.0
# The scenario catalog: package data of pamrl (agent/pamrl/scenarios/), or $PAMRL_SCENARIO_DIR to use another one.
SCENARIO_DIR = Path(os.environ.get("PAMRL_SCENARIO_DIR") or str(resources.files("pamrl") / "scenarios"))
VARIANT_DIR = SCENARIO_DIR / "variants"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def lte_rbg_size(bandwidth_rbs: int) -> int:
    """PRBs per RBG of an LTE carrier of that bandwidth (TS 36.213 type-0 allocation): what ns-3's LTE uses."""
    return 1 if bandwidth_rbs <= 10 else 2 if bandwidth_rbs <= 26 else 3 if bandwidth_rbs <= 63 else 4


class RanConfig(_Strict):
    backend: Annotated[
        Literal["nr", "lte"],
        Field(description="RAN model: nr (5G-LENA, the default) or lte (ns-3's LTE module); same KPIs, bridge, reward"),
    ] = "nr"
    numerology: Annotated[
        int, Field(ge=0, le=4, description="nr only: subcarrier spacing 15 kHz x 2^numerology, slot 1 ms / 2^numerology")
    ] = 0
    rbg_size: Annotated[
        Literal[1, 2, 4, 8, 16] | None,
        Field(description="nr only: PRBs per RBG (unset: LTE's TS 36.213 size for the bandwidth, so that both "
                          "backends cut the carrier alike; nr leaves PRBs past the last whole RBG unused)"),
    ] = None
    nr_channel: Annotated[
        Literal["ours", "3gpp-umi", "3gpp-uma"],
        Field(description="nr only: ours (log-distance path loss + our correlated Rayleigh fading, as on lte) or "
                          "nr's TR 38.901 UMi/UMa channel (slower: docs/nr.md)"),
    ] = "ours"
    nr_starting_mcs: Annotated[
        int,
        Field(ge=0, le=28, description="nr only: a UE's DL MCS until its first CQI. nr's CQI comes from data "
                                       "receptions only (non-3GPP channel); at nr's default 0 a UE whose slice has "
                                       "a block of 1-2 RBGs fits under 10 bytes, nr's PF gives the RBGs back, and the "
                                       "UE is never served nor reports a CQI. 4 (QPSK, ~0.6 bit/RE) fits 20 bytes in "
                                       "one RBG of 2 PRBs"),
    ] = 4
    nr_duplex: Annotated[
        Literal["tdd", "fdd"],
        Field(description="nr only: tdd (one carrier, nr's all-flexible slots: DL and UL control share it, so every "
                          "UE's uplink reaches every other UE) or fdd (a DL carrier and an UL carrier 190 MHz below "
                          "it, LTE/NR band 1's spacing, each with its own channel: what a 2.1 GHz carrier is in "
                          "practice; ~2x faster at paper scale, docs/nr.md)"),
    ] = "tdd"
    nr_fdd_same_side_links: Annotated[
        Literal["skip", "deliver"],
        Field(description="nr fdd only: skip (default) leaves out signals nobody decodes, a gNB's at other gNBs and a "
                          "UE's at other UEs: the same KPIs (the reported SINR within 1e-9 dB: tests/test_fdd.py), "
                          "~2x less wall time at paper scale. deliver: every signal to every receiver, to check that"),
    ] = "skip"
    nr_tdd_cross_link: Annotated[
        Literal["deliver", "skip"],
        Field(description="nr tdd only (a modelling shortcut; no effect on fdd, where nr_fdd_same_side_links already "
                          "skips these signals exactly, nor on lte): deliver (default) every signal to every "
                          "receiver; skip leaves out cross-link interference, a UE's signal at other UEs and a gNB's "
                          "at other gNBs. With nr's all-flexible slots those are real (one cell's UE may send SRS in "
                          "a symbol in which a neighbour sends DL data), so the KPIs move: by how much is measured in "
                          "docs/speed.md and bounded by tests/test_lean.py; ~2x less wall time at paper scale"),
    ] = "deliver"
    nr_sum_other_cells: Annotated[
        bool,
        Field(description="nr only, batched channel (a modelling shortcut): the signals a receiver does not decode "
                          "(other cells'; at a UE, any uplink control) that reach it in the same instant with the "
                          "same kind and duration arrive as one, their received psds summed. The interference is "
                          "the same sum taken in another order, so KPIs move by rounding and by the HARQ and "
                          "error-model draws that rounding moves (docs/speed.md, tests/test_lean.py)"),
    ] = False
    lte_sum_other_cells: Annotated[
        bool,
        Field(description="lte only, batched channel (a modelling shortcut): the same for LTE: other cells' data "
                          "frames (at a connected UE, and at an eNB) and other cells' control frames without PSS "
                          "that reach a receiver in the same instant arrive as one, their received psds summed; "
                          "KPIs move by rounding only (docs/speed.md, tests/test_sum_other_cells.py)"),
    ] = False
    nr_skip_unread_dl_data: Annotated[
        bool,
        Field(description="nr only, our channel (a modelling shortcut): a UE gets the DL data signals of other UEs "
                          "and other cells only in the slots in which its cell's control frame carried a DL DCI for "
                          "it, the slots in which it receives data and reads its interference; in the others it "
                          "would only add them to its interference and subtract them within the slot, so KPIs move "
                          "by rounding only (docs/speed.md, tests/test_sum_other_cells.py)"),
    ] = False
    lte_skip_unread_dl_data: Annotated[
        bool,
        Field(description="lte only, batched channel (a modelling shortcut): a UE gets a subframe's DL data frames "
                          "(its cell's and the others') only if it reads them: a transport block for it, or a CQI "
                          "report or RSRP/SINR sample due next subframe, which reads this subframe's data "
                          "interference. Other UEs would only add the frames to their interference and subtract "
                          "them at the subframe's end, so KPIs move by rounding only (docs/speed.md, "
                          "tests/test_sum_other_cells.py). Needs ns-3 with our patch 0018"),
    ] = False
    nr_ue_data_interference_omits_dl_ctrl: Annotated[
        bool,
        Field(description="nr only (a modelling shortcut): a UE leaves DL control frames out of its data "
                          "interference, which it reads only while it receives data; the control symbols open the "
                          "slot, before any data, in every cell at once (our cells share one slot structure). It "
                          "would only add each frame and subtract it at the frame's end, so KPIs move by rounding "
                          "only (docs/speed.md, tests/test_sum_other_cells.py). Needs nr with our patch 0026 "
                          "(without it the setting has no effect)"),
    ] = False
    nr_neighbour_ctrl_frames: Annotated[
        bool,
        Field(description="nr only, our channel (false: a modelling shortcut): attached UEs get other cells' DL "
                          "control frames that carry no PSS (see nr_pss_period_ms). With "
                          "nr_ue_data_interference_omits_dl_ctrl such a frame reaches only the UE's control-channel "
                          "interference, which nothing reads (nr has no PDCCH error model; the DlCtrlSinr trace is "
                          "not connected), so false moves KPIs by rounding only (docs/speed.md, "
                          "tests/test_sum_other_cells.py). Needs nr_ue_data_interference_omits_dl_ctrl: true"),
    ] = True
    nr_ue_skips_ctrl_interference: Annotated[
        bool,
        Field(description="nr only (a speed setting): a UE keeps no control-channel interference; DL control "
                          "frames still bring their messages and PSS. Only uplink power control's RSRP and nr's "
                          "DlCtrlSinr trace read that interference (nr has no PDCCH error model), so KPIs are "
                          "unchanged (tests/test_sum_other_cells.py). Needs uplink_power_control: false and nr with "
                          "our patch 0027 (without it the setting has no effect)"),
    ] = False
    nr_skip_unread_ctrl_psd: Annotated[
        bool,
        Field(description="nr only, our channel (a speed setting): a UE gets its cell's DL control frames that "
                          "carry no PSS with the transmitted psd, no path loss or fading applied: with "
                          "nr_ue_data_interference_omits_dl_ctrl and nr_ue_skips_ctrl_interference it reads only "
                          "their messages, so KPIs are unchanged (tests/test_sum_other_cells.py). Needs both of them "
                          "true and nr with our patches 0026 and 0027 (without them the setting has no effect)"),
    ] = False
    lte_ue_skips_unread_ctrl_interference: Annotated[
        bool,
        Field(description="lte only (a speed setting): a UE leaves its cell's DL control frame out of its control "
                          "interference in the subframes in which nothing reads that interference (no CQI report "
                          "or RSRP/SINR sample due, no PSS; nor uplink power control or the control error model, "
                          "which read it always), and with the batched channel gets that frame with the transmitted "
                          "psd; it still reads the frame's messages. Only what rounding the interference's running "
                          "sum keeps could change, and in such a subframe the frame is all it holds: KPIs "
                          "bit-identical where compared (tests/test_sum_other_cells.py). Needs ctrl_error_model: false and ns-3 "
                          "with our patch 0030 (without it the setting has no effect)"),
    ] = False
    nr_ue_skips_unchanged_mib: Annotated[
        bool,
        Field(description="nr only (a speed setting): a UE's RRC reconfigures its PHY on a MIB only when the "
                          "MIB's cell, bandwidth or numerology differ from the last one applied. nr as released "
                          "does it at every MIB (every 10 ms), which resets the UE's interference sums and moves it "
                          "to the end of the channel's receiver list; left alone, the sums keep their rounding and "
                          "the receivers their order, and KPIs move by rounding only (tests/test_sum_other_cells.py). "
                          "Needs nr with our patch 0032 (without it the setting has no effect)"),
    ] = False
    nr_check_allocations: Annotated[
        bool,
        Field(description="nr only: after scheduling each slot, nr's scheduler checks that no two of its DL or UL "
                          "allocations overlap (an assert, as released). false skips that check (a speed setting: "
                          "~1.6 % of NR's instructions at paper scale; nothing simulated changes, only a scheduler "
                          "bug would no longer stop the run there). Needs nr with our patch 0035 (without it the "
                          "check always runs)"),
    ] = True
    path_loss_refresh_ms: Annotated[
        float,
        Field(ge=0, le=1000,
              description="batched channel (a modelling shortcut): a link's propagation loss is computed from the two "
                          "positions at its first signal, then at every multiple of this interval, and reused in "
                          "between (0: at every signal, exact). "
                          "A UE at 30 m/s moves 30 cm in 10 ms, which moves its path loss by ~0.1 dB at 50 m; fast "
                          "fading is unaffected. Effect on KPIs: docs/speed.md, bounded by tests/test_lean.py"),
    ] = 0.0
    nr_pss_period_ms: Annotated[
        Literal[0, 5, 10, 20, 40, 80, 160],
        Field(description="nr only, batched channel (a modelling shortcut): nr puts a PSS in every gNB's DL control "
                          "frame, so every UE takes an RSRP sample of every cell in every slot and other cells' "
                          "control frames are never summed; with a period (3GPP SS bursts: 5-160 ms, 20 ms assumed "
                          "at initial access) a cell's PSS is kept once per period. RSRP feeds only the UEs' "
                          "measurement reports (no handover or other measurement event here), so KPIs move by the "
                          "sums' rounding (docs/speed.md, tests/test_sum_other_cells.py). 0: as nr sends them"),
    ] = 0
    num_dus: Annotated[int, Field(ge=1, le=16, description="DUs (cells) sharing one carrier")] = 2
    bandwidth_rbs: Annotated[Literal[6, 15, 25, 50, 75, 100], Field(description="DL/UL bandwidth in RBs")] = 25
    inter_site_distance_m: Annotated[float, Field(ge=20, le=10000)] = 200.0
    cell_radius_m: Annotated[float, Field(gt=0, le=5000, description="UEs stay within this distance of their DU")] = 80.0
    enb_tx_power_dbm: Annotated[float, Field(ge=0, le=49)] = 30.0
    ue_tx_power_dbm: Annotated[float, Field(ge=-10, le=30)] = 23.0
    pathloss_exponent: Annotated[float, Field(ge=2.0, le=5.0)] = 3.5
    ideal_rrc: bool = True
    data_error_model: Annotated[
        bool, Field(description="lte only (nr keeps its own defaults): PDSCH decoding errors and HARQ retransmissions (off: faster, but URLLC delays halve)")
    ] = True
    ctrl_error_model: Annotated[bool, Field(description="lte only (nr keeps its own defaults): PCFICH/PDCCH decoding errors")] = True
    srs_periodicity_ms: Annotated[
        Literal[0, 2, 5, 10, 20, 40, 80, 160, 320],
        Field(description="lte only (nr keeps its own defaults): uplink sounding period (0: the smallest that fits the UEs); UL only"),
    ] = 0
    ul_sinr_sample_period: Annotated[
        int, Field(ge=1, le=1000, description="lte only (nr keeps its own defaults): TTIs between eNB uplink SINR/interference reports; UL only")
    ] = 1
    rlc_buffer_bytes: Annotated[int, Field(ge=1024, le=100_000_000)] = 131072
    cqi_period_ms: Annotated[
        Literal[1, 2, 5, 10, 20, 40],
        Field(description="lte only (nr keeps its own defaults): DL CQI report period of each UE (1: ns-3's ideal every-TTI feedback; "
                          "3GPP periodic CQI is 2-160 ms)"),
    ] = 1
    cqi_from_pdsch: Annotated[
        bool, Field(description="lte only (nr keeps its own defaults): DL CQI from PDSCH (data) SINR; false: from PDCCH (control) only, cheaper, coarser")
    ] = True
    uplink_power_control: Annotated[bool, Field(description="UE uplink power control (the study is DL)")] = True
    event_scheduler: Annotated[
        Literal["map", "heap", "priority-queue", "calendar", "buckets"],
        Field(description="event queue: speed only, events in the same order (map, heap, priority-queue, calendar: "
                          "ns-3's; buckets: ours, one queue per pending timestamp, the fewest instructions at "
                          "paper scale; map is ns-3's default; docs/speed.md)"),
    ] = "buckets"
    spectrum_channel: Annotated[
        Literal["batched", "multi-model"],
        Field(description="spectrum channel: batched (ours: speed only, KPIs bit-identical) or ns-3's multi-model"),
    ] = "batched"
    neighbour_ctrl_frames: Annotated[
        bool,
        Field(description="lte only (nr keeps its own defaults): UEs hear other cells' DL control frames in every subframe (false: only in the 2 of 10 "
                          "with PSS; needs ctrl_error_model false, cqi_from_pdsch true, the batched channel)"),
    ] = True
    hotspot_du: Annotated[int | None, Field(ge=0, le=15, description="DU with more UEs (a hotspot)")] = None
    hotspot_factor: Annotated[float, Field(ge=0, le=20, description="UE-count multiplier at the hotspot DU")] = 3.0

    def _require(self, setting: str, needs: dict) -> None:
        """Raises, naming `setting` and every other field that differs from what it needs."""
        wrong = [f"{k} must be {v!r} (is {getattr(self, k)!r})" for k, v in needs.items() if getattr(self, k) != v]
        if wrong:
            raise ValueError(f"{setting} needs " + "; ".join(wrong))

    @model_validator(mode="after")
    def _neighbour_ctrl_frames_unobserved(self) -> RanConfig:
        # Other cells' control frames only raise the control-channel interference; leaving them out is a speed
        # setting only where nothing but radio-link-failure detection reads that interference.
        if not self.neighbour_ctrl_frames:
            self._require("neighbour_ctrl_frames: false",
                          {"ctrl_error_model": False, "cqi_from_pdsch": True, "spectrum_channel": "batched"})
        return self

    @model_validator(mode="after")
    def _sum_other_cells_on_our_channel(self) -> RanConfig:
        # The sums are made by our batched channel; nr's 3GPP channel and ns-3's multi-model one would ignore it.
        if self.nr_sum_other_cells and self.backend == "nr":
            self._require("nr_sum_other_cells: true", {"spectrum_channel": "batched", "nr_channel": "ours"})
        if self.lte_sum_other_cells and self.backend == "lte" and self.spectrum_channel != "batched":
            raise ValueError(f"lte_sum_other_cells: true needs spectrum_channel 'batched' (is {self.spectrum_channel!r})")
        if self.path_loss_refresh_ms > 0:
            self._require("path_loss_refresh_ms > 0",
                          {"spectrum_channel": "batched", **({"nr_channel": "ours"} if self.backend == "nr" else {})})
        if self.nr_pss_period_ms > 0 and self.backend == "nr":
            self._require("nr_pss_period_ms > 0", {"spectrum_channel": "batched", "nr_channel": "ours"})
        if self.nr_skip_unread_dl_data and self.backend == "nr":
            self._require("nr_skip_unread_dl_data: true", {"spectrum_channel": "batched", "nr_channel": "ours"})
        if self.lte_skip_unread_dl_data and self.backend == "lte" and self.spectrum_channel != "batched":
            raise ValueError("lte_skip_unread_dl_data: true needs spectrum_channel 'batched' "
                             f"(is {self.spectrum_channel!r})")
        if not self.nr_neighbour_ctrl_frames and self.backend == "nr":
            self._require("nr_neighbour_ctrl_frames: false", {"spectrum_channel": "batched", "nr_channel": "ours",
                                                              "nr_ue_data_interference_omits_dl_ctrl": True})
        if self.nr_ue_skips_ctrl_interference and self.backend == "nr":
            self._require("nr_ue_skips_ctrl_interference: true", {"uplink_power_control": False})
        if self.lte_ue_skips_unread_ctrl_interference and self.backend == "lte":
            self._require("lte_ue_skips_unread_ctrl_interference: true", {"ctrl_error_model": False})
        if self.nr_skip_unread_ctrl_psd and self.backend == "nr":
            self._require("nr_skip_unread_ctrl_psd: true", {"spectrum_channel": "batched", "nr_channel": "ours",
                                                            "nr_ue_data_interference_omits_dl_ctrl": True,
                                                            "nr_ue_skips_ctrl_interference": True})
        return self

    @model_validator(mode="after")
    def _nr_settings_need_nr(self) -> RanConfig:
        if self.backend == "lte":
            wrong = [f"{k} (is {getattr(self, k)!r})" for k, default in
                     (("numerology", 0), ("rbg_size", None), ("nr_channel", "ours"), ("nr_starting_mcs", 4), ("nr_duplex", "tdd"))
                     if getattr(self, k) != default]
            if wrong:
                raise ValueError("backend lte has a fixed 15 kHz grid and its own RBG size; remove " + ", ".join(wrong))
        return self

    @model_validator(mode="after")
    def _fdd_settings_need_fdd(self) -> RanConfig:
        if self.nr_fdd_same_side_links != "skip" and self.nr_duplex != "fdd":
            raise ValueError("nr_fdd_same_side_links applies to nr_duplex: fdd only (is "
                             f"{self.nr_duplex!r}); remove it")
        return self

    @property
    def rbg_size_prbs(self) -> int:
        """PRBs per RBG as the simulator uses them."""
        return self.rbg_size if self.rbg_size is not None else lte_rbg_size(self.bandwidth_rbs)

    @property
    def rbgs_per_du(self) -> int:
        """RBGs the shares are cut into: LTE gives the last RBG whatever PRBs are left; nr schedules whole RBGs
        only, and PRBs past the last whole one stay unused."""
        if self.backend == "nr":
            return self.bandwidth_rbs // self.rbg_size_prbs
        return -(-self.bandwidth_rbs // self.rbg_size_prbs)

    @model_validator(mode="after")
    def _hotspot_exists(self) -> RanConfig:
        if self.hotspot_du is not None and self.hotspot_du >= self.num_dus:
            raise ValueError(f"hotspot_du ({self.hotspot_du}) must name a DU: 0 to {self.num_dus - 1}")
        return self


class ControlConfig(_Strict):
    period_ms: Annotated[float, Field(ge=10, le=1000, description="control period")] = 100.0
    episode_steps: Annotated[int, Field(ge=1, le=1_000_000)] = 20
    warmup_ms: Annotated[float, Field(ge=100, le=60000, description="attach and warm-up before the first step")] = 300.0
    initial_shares: Annotated[tuple[float, float, float], Field(description="shares during warm-up")] = (
        1 / 3,
        1 / 3,
        1 / 3,
    )

    @field_validator("initial_shares")
    @classmethod
    def _on_simplex(cls, v: tuple[float, float, float]) -> tuple[float, float, float]:
        if any(x < 0 for x in v) or abs(sum(v) - 1) > 1e-3:
            raise ValueError(f"must be 3 non-negative numbers summing to 1, got {list(v)}")
        return v


class TrafficConfig(_Strict):
    model: Literal["cbr", "poisson", "onoff"] = "poisson"
    rate_mbps_per_ue: Annotated[float, Field(gt=0, le=1000)] = 1.0
    packet_bytes: Annotated[int, Field(ge=64, le=9000)] = 1400
    on_ms: Annotated[float, Field(ge=1, le=100000, description="mean ON period (onoff only)")] = 100.0
    off_ms: Annotated[float, Field(ge=1, le=100000, description="mean OFF period (onoff only)")] = 100.0
    load_profile: Annotated[
        list[tuple[Annotated[float, Field(ge=0)], Annotated[float, Field(gt=0, le=100)]]],
        Field(description="[[start_s, factor], ...]: the mean rate is factor x rate from start_s on (time-varying load)"),
    ] = []

    @field_validator("load_profile")
    @classmethod
    def _increasing(cls, v: list[tuple[float, float]]) -> list[tuple[float, float]]:
        if any(b[0] <= a[0] for a, b in zip(v, v[1:])):
            raise ValueError("start times must increase")
        return v


class QosConfig(_Strict):
    """Per-slice targets; the reward (reward.py) scores each KPI against them."""

    throughput_mbps_per_ue: Annotated[float, Field(ge=0, le=1000)] = 0.0
    delay_ms: Annotated[float, Field(gt=0, le=100000, description="target for the p95 delay")] = 1000.0
    loss_ratio: Annotated[float, Field(ge=0, le=1)] = 1.0


class SliceConfig(_Strict):
    ues_per_du: Annotated[int, Field(ge=0, le=200)]
    traffic: TrafficConfig
    qos: QosConfig


class SlicesConfig(_Strict):
    embb: SliceConfig
    urllc: SliceConfig
    mmtc: SliceConfig


# A scenario file names each slice of the wire schema, in the schema's order.
assert tuple(SlicesConfig.model_fields) == SLICE_NAMES, "SlicesConfig must list the schema's slices"


class MobilityConfig(_Strict):
    model: Literal["static", "random-walk", "random-waypoint", "gauss-markov"] = "random-walk"
    speed_min_mps: Annotated[float, Field(ge=0, le=100)] = 0.5
    speed_max_mps: Annotated[float, Field(ge=0, le=100)] = 1.5
    pause_s: Annotated[float, Field(ge=0, le=3600, description="random-waypoint pause")] = 1.0

    @model_validator(mode="after")
    def _speed_order(self) -> MobilityConfig:
        if self.speed_min_mps > self.speed_max_mps:
            raise ValueError(f"speed_min_mps ({self.speed_min_mps}) must not exceed speed_max_mps ({self.speed_max_mps})")
        return self


class FadingConfig(_Strict):
    model: Literal["correlated-rayleigh", "none"] = "correlated-rayleigh"
    profile: Literal["EPA", "EVA", "ETU"] = "EPA"
    doppler_hz: Annotated[
        float | None, Field(ge=0, le=2000, description="None: from the maximum UE speed (min_doppler_hz at rest)")
    ] = None
    min_doppler_hz: Annotated[float, Field(ge=0, le=100, description="scatterer motion when UEs are static")] = 2.0


class RewardConfig(_Strict):
    """How the reward weighs each slice's QoS score (formula in reward.py)."""

    weights: Annotated[
        dict[Literal[SLICE_NAMES], Annotated[float, Field(ge=0, le=100)]],
        Field(description="per-slice weight of the QoS score"),
    ] = {name: 1.0 for name in SLICE_NAMES}
    combine: Annotated[
        Literal["mean", "product"], Field(description="how a slice's throughput/delay/loss scores combine")
    ] = "product"


class Scenario(_Strict):
    name: str
    description: str = ""
    ran: RanConfig = RanConfig()
    control: ControlConfig = ControlConfig()
    slices: SlicesConfig
    mobility: MobilityConfig = MobilityConfig()
    fading: FadingConfig = FadingConfig()
    reward: RewardConfig = RewardConfig()

    @property
    def doppler_hz(self) -> float:
        if self.fading.doppler_hz is not None:
            return self.fading.doppler_hz
        return max(self.fading.min_doppler_hz, self.mobility.speed_max_mps * CARRIER_HZ / SPEED_OF_LIGHT)

    def slice(self, name: str) -> SliceConfig:
        return getattr(self.slices, name)

    def to_simulator(self) -> dict[str, Any]:
        """The resolved scenario in the shape the simulator reads (ns3-scenarios/model/scenario-config.cc)."""
        d = self.model_dump(mode="json")
        d["slices"] = [{"name": n, **d["slices"][n]} for n in SLICE_NAMES]
        d["control"]["initial_shares"] = list(self.control.initial_shares)
        d["fading"]["doppler_hz"] = self.doppler_hz
        d["ran"]["rbg_size"] = self.ran.rbg_size_prbs
        return d


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_layers(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path in seen:
        raise ScenarioError(f"{path}: 'extends' makes a cycle through {[str(p) for p in seen]}")
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ScenarioError(f"scenario file {path} does not exist") from None
    except yaml.YAMLError as e:
        raise ScenarioError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario file must be a YAML mapping")
    parents = data.pop("extends", [])
    merged: dict[str, Any] = {}
    for parent in [parents] if isinstance(parents, str) else parents:
        merged = _merge(merged, _read_layers((path.parent / parent).resolve(), (*seen, path)))
    return _merge(merged, data)


def _describe(error: dict[str, Any]) -> str:
    field = ".".join(str(p) for p in error["loc"]) or "(top level)"
    ctx = error.get("ctx") or {}
    allowed = ""
    if "expected" in ctx:
        allowed = f" (allowed: {ctx['expected']})"
    elif {"ge", "le"} <= ctx.keys():
        allowed = f" (allowed: {ctx['ge']} to {ctx['le']})"
    bits = [f"{k} {v}" for k, v in ctx.items() if k in ("ge", "gt", "le", "lt")]
    if not allowed and bits:
        allowed = f" (allowed: {', '.join(bits)})"
    if error["type"] == "extra_forbidden":
        return f"{field}: unknown field"
    return f"{field}: {error['msg']}{allowed}; got {error.get('input')!r}"


def parse_scenario(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as e:
        lines = "\n  ".join(_describe(err) for err in e.errors())
        raise ScenarioError(f"{source}: invalid scenario:\n  {lines}") from None


def _catalog_path(name: str) -> Path:
    for candidate in (SCENARIO_DIR / f"{name}.yaml", VARIANT_DIR / f"{name}.yaml"):
        if candidate.exists():
            return candidate
    known = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml")) + sorted(p.stem for p in VARIANT_DIR.glob("*.yaml"))
    raise ScenarioError(f"no scenario or variant named {name!r}; known: {', '.join(known)}")


def load_scenario(path: str | Path) -> Scenario:
    """Reads, layers and validates a scenario.

    `path` is a file, or catalog names joined by '+': a base (small, paper) then variants that each change one
    thing (agent/pamrl/scenarios/variants/), e.g. `paper+vehicular` or `small+urllc-surge+hotspot`.
    """
    p = Path(path)
    if p.exists() or p.suffix:
        return parse_scenario(_read_layers(p.resolve()), str(p))
    names = str(path).split("+")
    data: dict[str, Any] = {}
    for name in names:
        data = _merge(data, _read_layers(_catalog_path(name).resolve()))
    data["name"] = str(path)
    return parse_scenario(data, str(path))


def resolved_json(scenario: Scenario) -> str:
    return json.dumps(scenario.to_simulator(), indent=1, sort_keys=True)


