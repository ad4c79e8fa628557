"""Decision latency and update-step time of the PA-MRL agent.

Decision latency: KPIs of all DUs in -> shares of all DUs out, i.e. QoS levels, numeric features, informal
prompts, one batched forward of the frozen language model with the soft prompt, adapters, actor. Measured on a
6-DU KPI table (paper scale) with realistic values, `--repeats` times after warm-up; median and p99. Also one DU's
own decision (its prompt alone): what each DU's actor costs where it runs at the DU (decentralised execution).
Update step: one MASAC update (critic + actor + prompt tokens through `prompt_batch` recomputed transitions +
temperature) on a filled replay buffer.

Run:  .venv/bin/python benchmarks/decision_latency.py [--variants masac minilm-before minilm smollm2] [--device cpu|cuda]
`*-before` variants use the settings PA-MRL had before prompt_every and the compact prompt (full prompt, 4
transitions recomputed in every update), so one run shows the ratio.
On CUDA the language model runs in bf16 (`llm_precision` auto); the `*-bf16` and `*-bf16-mixed` variants set
`llm_precision` on a CPU too, and for them the script also prints how far it moves the pooled states and the
deterministic shares from fp32 (the same weights, soft prompt and KPI tables).
Any variant with `-split` appended decides in two halves of the DUs, one per core with one torch thread each
(this script only: a measurement of where the tail comes from, not an agent setting).
`*-compiled` variants compile the language model for decisions (`llm_compile`; compilation is done when the agent
is built, before the timing) and print their drift from eager fp32 the same way.
`gpt2-arch`/hub ids work too; for ORANSight-size timing without its weights use --variants qwen1.5b-arch
(Qwen2.5-1.5B architecture from its config, random weights: speed does not depend on the weights).
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

from pamrl.bridge.protocol import KPI_NAMES
from pamrl.bridge.reward import qos_levels
from pamrl.bridge.scenario import load_scenario
from pamrl.config import TrainConfig
from pamrl.replay import ReplayBuffer
from pamrl.prompt import NUM_FEATURES, informal_prompt, numeric_features
from pamrl.factory import build_agent
from pamrl.language_model import matrix_product_layers

K = {n: i for i, n in enumerate(KPI_NAMES)}


def realistic_kpis(rng: np.random.Generator, num_dus: int) -> np.ndarray:
    k = np.zeros((num_dus, 3, len(KPI_NAMES)))
    k[..., K["DRB.OfferedLoadDl"]] = rng.uniform([20, 3, 0.5], [40, 5, 1.5], (num_dus, 3))
    k[..., K["DRB.UEThpDl"]] = k[..., K["DRB.OfferedLoadDl"]] * rng.uniform(0.5, 1.0, (num_dus, 3))
    k[..., K["DRB.RlcSduDelayDl"]] = rng.uniform(5, 300, (num_dus, 3))
    k[..., K["DRB.RlcSduDelayDl.P95"]] = k[..., K["DRB.RlcSduDelayDl"]] * 1.5
    k[..., K["DRB.PacketLossRateDl"]] = rng.uniform(0, 0.1, (num_dus, 3))
    k[..., K["RRU.PrbAvailDl"]] = 33
    k[..., K["RRU.PrbUsedDl"]] = rng.uniform(5, 33, (num_dus, 3))
    k[..., K["UE.Count"]] = [7, 7, 19]
    k[..., K["DRB.MeanActiveUeDl"]] = [7, 7, 10]
    k[..., K["L1M.SinrDl"]] = rng.uniform(0, 25, (num_dus, 3))
    return k


def decide(agent, scenario, kpis, shares, num_dus=None):
    """All DUs' decision; with num_dus, the first DU's alone (its row padded so the shared actor sees its id)."""
    qos = qos_levels(kpis, scenario)
    features = numeric_features(kpis, qos, shares, scenario.ran.bandwidth_rbs)
    texts = [informal_prompt(kpis[du], qos[du], shares[du], scenario, agent.srm.prompt_style) for du in range(len(kpis))]
    if not agent.srm.uses_llm:
        hidden = np.zeros((len(kpis), 1), np.float32)
    elif getattr(agent, "split_decisions", False) and len(texts) > 1:
        hidden = split_hidden(agent, texts)
    else:
        hidden = agent.hidden_of(texts)
    if num_dus is not None and len(kpis) < num_dus:
        pad = num_dus - len(kpis)
        features = np.concatenate([features, np.zeros((pad, features.shape[1]), features.dtype)])
        hidden = np.concatenate([hidden, np.zeros((pad, hidden.shape[1]), hidden.dtype)])
    return agent.act(features, hidden)


_SPLIT_POOL = ThreadPoolExecutor(2)


def split_hidden(agent, texts: list[str]) -> np.ndarray:
    """`*-split` variants: the prompts in two halves, each on its own core with one torch thread, instead of one
    batch whose every operation is shared by two threads (that wait for each other at every step)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        halves = [texts[: len(texts) // 2], texts[len(texts) // 2 :]]
        return np.concatenate(list(_SPLIT_POOL.map(agent.hidden_of, halves)))
    finally:
        torch.set_num_threads(threads)


def lm_floor(agent, scenario, kpis, shares, device) -> str:
    """The decision's language-model work and the least time it can take here: 2 x (weights of its linear layers)
    FLOPs per position (attention scores and softmax left out: ~10 % at these lengths) over the soft prompt and the
    tokens of all DUs' prompts, at the rate of one fp32 matrix product of the model's own shape on this device."""
    if not agent.srm.uses_llm:
        return "-"
    enc = agent.srm.encoder
    qos = qos_levels(kpis, scenario)
    texts = [informal_prompt(kpis[du], qos[du], shares[du], scenario, agent.srm.prompt_style) for du in range(len(kpis))]
    batch = enc.lm.tokenizer(texts, padding=True, truncation=True, max_length=enc.max_text_tokens)
    positions = len(texts) * (len(batch["input_ids"][0]) + enc.soft_prompt.num_tokens)
    weights = sum(m.weight.numel() for name, m in matrix_product_layers(enc.model) if "pooler" not in name)
    flops = 2 * positions * weights
    h = enc.hidden_size
    dtype = enc.lm.autocast or next(enc.model.parameters()).dtype
    x = torch.randn(positions, h, device=device, dtype=dtype)
    w = torch.randn(4 * h, h, device=device, dtype=dtype)
    for _ in range(3):
        torch.nn.functional.linear(x, w)
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0, n = time.perf_counter(), 20
    for _ in range(n):
        torch.nn.functional.linear(x, w)
    if device.type == "cuda":
        torch.cuda.synchronize()
    rate = n * 2 * positions * h * 4 * h / (time.perf_counter() - t0)
    fmt = str(dtype).removeprefix("torch.")
    return f"{flops / 1e9:.1f} GFLOP @ {rate / 1e9:.0f} GFLOP/s ({fmt}) = {flops / rate * 1e3:.0f} ms"


def drift_from_fp32(agent, cfg, scenario, tables, shares, device) -> str:
    """How far the agent's number formats (and compilation) move its decision from eager fp32's: the same weights
    (all copied from an fp32 agent, soft prompt included) and KPI tables. Prints the pooled states' largest
    relative L2 difference, the signal-to-error ratio (the states' spread across the tables, per dimension, over
    the rms difference: the states of different KPIs lie close together, so this, not the relative error, says
    what is lost) and the deterministic shares' largest absolute difference."""
    reference = build_agent(dataclasses.replace(cfg, llm_precision="fp32", llm_compile=False), scenario, device)
    # fp32 values, rounded to the agent's format; the frozen language model is the same package's in both (and may
    # be compiled with its weights folded in: it must not be written to)
    frozen = {k for k in agent.srm.state_dict() if k.startswith("encoder.model.")}
    agent.srm.load_state_dict({k: v for k, v in reference.srm.state_dict().items() if k not in frozen}, strict=False)
    agent.actor.load_state_dict(reference.actor.state_dict())
    states, ref_states, worst_share = [], [], 0.0
    with torch.no_grad():
        for k in tables:
            qos = qos_levels(k, scenario)
            texts = [informal_prompt(k[du], qos[du], shares[du], scenario, agent.srm.prompt_style) for du in range(len(k))]
            h, h_ref = agent.hidden_of(texts), reference.hidden_of(texts)
            states.append(h)
            ref_states.append(h_ref)
            f = numeric_features(k, qos, shares, scenario.ran.bandwidth_rbs)
            a, a_ref = agent.act(f, h, deterministic=True), reference.act(f, h_ref, deterministic=True)
            worst_share = max(worst_share, float(np.abs(a - a_ref).max()))
    h, h_ref = np.concatenate(states), np.concatenate(ref_states)
    rel = float((np.linalg.norm(h - h_ref, axis=1) / np.linalg.norm(h_ref, axis=1)).max())
    signal_to_error = float(h_ref.std(axis=0).mean() / np.sqrt(((h - h_ref) ** 2).mean()))
    return (f"vs fp32: pooled states <= {rel:.1e} relative, spread/error {signal_to_error:.1f}, "
            f"shares <= {worst_share:.1e} (untrained networks)")


def cpu_has_amx() -> str:
    """Whether this CPU multiplies bf16 matrices in hardware (Intel AMX), where the bf16 variants pay."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown"
    return "yes" if "amx_bf16" in flags else "no"


def percentile_ms(times: list[float]) -> tuple[float, float]:
    a = np.asarray(times) * 1e3
    return float(np.median(a)), float(np.percentile(a, 99))


def fixed_workload(device: torch.device, target_s: float = 0.03):
    """A call that does the same fp32 matrix products every time (MiniLM's FFN shape at 6 DUs' positions), sized to
    ~target_s: timed interleaved with the decisions, its p99 over its median is the machine's own spread (a shared
    VM's), which no decision can beat."""
    x = torch.randn(516, 384, device=device)
    w = torch.randn(1536, 384, device=device)

    def once(n: int) -> None:
        for _ in range(n):
            torch.nn.functional.linear(x, w)
        if device.type == "cuda":
            torch.cuda.synchronize()

    once(3)
    t0 = time.perf_counter()
    once(10)
    n = max(1, round(target_s / ((time.perf_counter() - t0) / 10)))
    return lambda: once(n)


def qwen_arch_agent(cfg, scenario, device):
    """ORANSight-2.0 (Qwen 1.5B) architecture with random weights, for timing only."""
    from transformers import AutoTokenizer, Qwen2Config, Qwen2Model

    import pamrl.language_model as lm_mod

    config = Qwen2Config(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12,
                         num_key_value_heads=2, vocab_size=151936, max_position_embeddings=32768)
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    model = Qwen2Model(config).to(dtype).to(device).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    tok = lm_mod._gpt2_tokenizer()  # a real BPE tokenizer; token counts are close to Qwen's for this English text
    tok.pad_token = tok.eos_token
    loaded = lm_mod.LoadedModel("qwen1.5b-arch", model, tok, True, config.hidden_size)
    return build_agent(cfg, scenario, device, language_model=loaded)


# (label, method, llm, settings): the last PA-MRL settings before this benchmark's issue, then today's defaults.
VARIANTS = {
    "masac": ("masac", "minilm", {}),
    "minilm-before": ("pa-mrl", "minilm", {"prompt_style": "full", "prompt_batch": 4, "prompt_every": 1}),
    "minilm": ("pa-mrl", "minilm", {}),
    "minilm-bf16": ("pa-mrl", "minilm", {"llm_precision": "bf16"}),
    "minilm-bf16-mixed": ("pa-mrl", "minilm", {"llm_precision": "bf16-mixed"}),
    "minilm-compact": ("pa-mrl", "minilm", {"prompt_every": 1}),
    "minilm-every4-b2": ("pa-mrl", "minilm", {"prompt_every": 4, "prompt_batch": 2}),
    "minilm-compiled": ("pa-mrl", "minilm", {"llm_compile": True}),
    "minilm-bf16-compiled": ("pa-mrl", "minilm", {"llm_precision": "bf16", "llm_compile": True}),
    "minilm-bf16-mixed-compiled": ("pa-mrl", "minilm", {"llm_precision": "bf16-mixed", "llm_compile": True}),
    "smollm2-before": ("pa-mrl", "smollm2", {"prompt_style": "full", "prompt_batch": 4, "prompt_every": 1}),
    "smollm2": ("pa-mrl", "smollm2", {}),
    "smollm2-bf16": ("pa-mrl", "smollm2", {"llm_precision": "bf16"}),
    "smollm2-bf16-mixed": ("pa-mrl", "smollm2", {"llm_precision": "bf16-mixed"}),
    "smollm2-bf16-mixed-compiled": ("pa-mrl", "smollm2", {"llm_precision": "bf16-mixed", "llm_compile": True}),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", nargs="+", default=["masac", "minilm-before", "minilm", "smollm2"],
                    help=f"what to measure: {', '.join(VARIANTS)}, qwen1.5b-arch, or any --llm name (today's defaults)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--repeats", type=int, default=200)
    ap.add_argument("--updates", type=int, default=40)
    ap.add_argument("--prompt-tokens", type=int, default=20)
    args = ap.parse_args()
    device = torch.device(args.device)
    scenario = load_scenario("paper")
    rng = np.random.default_rng(0)
    print(f"machine: {platform.processor() or platform.machine()}, torch threads {torch.get_num_threads()}, "
          f"device {device}{' (' + torch.cuda.get_device_name() + ')' if device.type == 'cuda' else ''}, "
          f"CPU kernels {torch.backends.cpu.get_cpu_capability()}, bf16 matrix units (AMX): {cpu_has_amx()}")
    print(f"scenario: paper ({scenario.ran.num_dus} DUs); prompt tokens {args.prompt_tokens}; update = mean over "
          f"{args.updates} updates (prompt-token updates every prompt_every-th)")
    print("LM floor: the decision's language-model FLOPs (6 DUs, linear layers) at this device's matrix-product rate "
          "in the model's number format (measured at the model's shape): no implementation in that format decides faster")
    w = max(17, *(len(v) + 2 for v in args.variants))
    print(f"{'variant':<{w}}{'decision median/p99 ms':>23}{'one DU median/p99 ms':>22}{'update mean ms':>16}"
          f"{'prompt update median ms':>25}   LM floor")
    shares = np.full((scenario.ran.num_dus, 3), 1 / 3)
    tables = [realistic_kpis(rng, scenario.ran.num_dus) for _ in range(16)]
    agents = {}
    for name in args.variants:
        base = name.removesuffix("-split")
        method, llm, extra = VARIANTS.get(base, ("pa-mrl", base, {}))
        cfg = TrainConfig(method=method, llm=llm, prompt_tokens=args.prompt_tokens, device=args.device, **extra)
        agent = qwen_arch_agent(cfg, scenario, device) if llm == "qwen1.5b-arch" else build_agent(cfg, scenario, device)
        agent.split_decisions = base != name
        for i in range(10):  # warm-up, both shapes (a compiled model compiles the one-DU batch here)
            decide(agent, scenario, tables[i % 16], shares)
            decide(agent, scenario, tables[i % 16][:1], shares[:1], num_dus=scenario.ran.num_dus)
        agents[name] = (cfg, agent)

    def timed(agent, kpis, shares, num_dus=None) -> float:
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        decide(agent, scenario, kpis, shares, num_dus)
        if device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - t0

    # Decisions of all variants interleaved in rounds, so that a machine whose speed drifts (a shared VM) slows
    # every variant alike and the ratios hold; one DU's own decision: its KPIs in, its shares out (decentralised
    # execution: each DU's actor runs at the DU).
    times = {name: [] for name in agents}
    one_du = {name: [] for name in agents}
    reference, reference_times = fixed_workload(device), []
    rounds = max(1, min(args.repeats, 10))
    for r in range(rounds):
        for name, (_, agent) in agents.items():
            for i in range(r, args.repeats, rounds):
                times[name].append(timed(agent, tables[i % 16], shares))
                one_du[name].append(timed(agent, tables[i % 16][:1], shares[:1], scenario.ran.num_dus))
        for i in range(r, args.repeats, rounds):
            t0 = time.perf_counter()
            reference()
            reference_times.append(time.perf_counter() - t0)
    r_med, r_p99 = percentile_ms(reference_times)
    print(f"{'machine spread':<{w}}{f'{r_med:.1f} / {r_p99:.1f}':>23}   the same fp32 matrix products every call, "
          f"timed between the decisions: p99/median {r_p99 / r_med:.2f} is the machine's, not the agent's")
    for name, (cfg, agent) in agents.items():
        d_med, d_p99 = percentile_ms(times[name])
        o_med, o_p99 = percentile_ms(one_du[name])
        # update step on a filled buffer
        h = agent.srm.encoder.hidden_size if agent.srm.uses_llm else 1
        buf = ReplayBuffer(512, scenario.ran.num_dus, NUM_FEATURES, h)
        for i in range(256):
            k = tables[i % 16]
            qos = qos_levels(k, scenario)
            texts = [informal_prompt(k[du], qos[du], shares[du], scenario, agent.srm.prompt_style) for du in range(len(k))]
            hid = np.zeros((len(k), h), np.float32)
            f = numeric_features(k, qos, shares, scenario.ran.bandwidth_rbs)
            buf.add(texts, features=f, hidden=hid, actions=shares.astype(np.float32),
                    rewards=qos.mean(1).astype(np.float32), next_features=f, next_hidden=hid,
                    labels=np.zeros(len(k), np.int64))
        agent.update(buf, rng)
        utimes, prompt_times = [], []
        for _ in range(args.updates):
            learns_prompt = bool(agent.prompt_parameters()) and agent.num_updates % cfg.prompt_every == 0
            t0 = time.perf_counter()
            agent.update(buf, rng)
            if device.type == "cuda":
                torch.cuda.synchronize()
            utimes.append(time.perf_counter() - t0)
            if learns_prompt:
                prompt_times.append(utimes[-1])
        p_med = f"{np.median(prompt_times) * 1e3:.1f}" if prompt_times else "-"
        floor = lm_floor(agent, scenario, tables[0], shares, device)
        if agent.srm.uses_llm and (cfg.llm_precision not in ("auto", "fp32") or cfg.llm_compile):
            floor += "; " + drift_from_fp32(agent, cfg, scenario, tables, shares, device)
        print(f"{name:<{w}}{f'{d_med:.1f} / {d_p99:.1f}':>23}{f'{o_med:.1f} / {o_p99:.1f}':>22}"
              f"{np.mean(utimes) * 1e3:>16.1f}{p_med:>25}   {floor}", flush=True)


if __name__ == "__main__":
    main()
