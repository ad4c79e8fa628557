"""Settings of `pamrl train`: one frozen dataclass, whose field docs are also the command's --help.

Choices the paper leaves open are made here, each with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

METHODS = ("pa-mrl", "llm-frozen", "masac", "equal", "proportional", "best-static")
LEARNED = ("pa-mrl", "llm-frozen", "masac")
LLM_METHODS = ("pa-mrl", "llm-frozen")  # the methods with a language model in the SRM
LLM_PRECISIONS = ("auto", "fp32", "bf16", "bf16-mixed")  # number formats of the language model: language_model.py


@dataclass(frozen=True)
class TrainConfig:
    scenario: str = "small"
    """scenario file, or the name of one in agent/pamrl/scenarios/"""
    method: str = "pa-mrl"
    """pa-mrl (learnable prompt tokens), llm-frozen (informal prompt only), masac (raw state, no LLM), equal, proportional"""
    episodes: int = 10
    """episodes to train in total (a resumed run continues up to this number); best-static: the search's budget
    of simulator episodes (its coarse grid is always run whole)"""
    seed: int = 1
    """seed of everything: torch, numpy, Python, and the simulator's episodes (which ns-3 seed each runs: seeds.py)"""
    out: str = "runs/train"
    """output folder: checkpoint.pt, config.json, steps/ and updates/ Parquet"""
    resume: bool = False
    """continue from out/checkpoint.pt if it exists"""
    llm: str = "minilm"
    """frozen language model: minilm, smollm2, gpt2-arch, gpt2-arch-tiny, or a Hugging Face id/folder (see language_model.py)"""
    prompt_tokens: int = 20
    """learnable prompt tokens for pa-mrl (the paper finds about 20 best); llm-frozen always uses 0"""
    adapters: str = ""
    """adapters saved by `pamrl pretrain-adapters` to start Fc1/Fc2 from (empty: random initialisation)"""
    checkpoint_every: int = 1
    """save a checkpoint every this many episodes (and after the last)"""
    learning_starts: int = 200
    """environment steps with uniformly random shares before learning (10 episodes of `small`): the critic first
    sees the whole simplex, so that its first action gradients are not extrapolations"""
    updates_per_step: int = 2
    """gradient updates per environment step once learning has started (--lockstep). A MASAC update costs ~17 ms
    on one core against ~150 ms of simulation per step on `small`: 2 is nearly free and halves the episodes needed"""
    lockstep: bool = False
    """run updates between steps (reproducible bit for bit) instead of overlapping them with the simulation"""
    overlap_update_cap: int = 4
    """overlap mode: the background learner does at most this many updates per environment step"""
    learner_niceness: int = 19
    """overlap mode: CPU niceness of the learner thread (0-19; 0: as the rest). The simulator and the agent's
    decision are the critical path, an update is not: at 19 the learner still gets every idle cycle but yields a
    contended core (paper+lean, MiniLM, 2 cores: the decision takes 155 ms beside the learner at 19, 196 ms at 0,
    124 ms alone)"""
    threads: int = 0
    """torch's CPU threads in this run; 0: one for methods without a language model (their networks are too small
    to gain from more, and two MASAC runs side by side on a 2-core machine, each with a thread per core, took 16 s
    per episode of `small` instead of 3.3 s), torch's default (one per core) for the language-model methods, whose
    decision it speeds up. `pamrl experiment` runs every run on one thread"""
    batch_size: int = 128
    """transitions per update (critic and actor)"""
    prompt_batch: int = 2
    """transitions per prompt-token update whose LLM states are recomputed with gradients to the prompt tokens
    (2 x 6 prompts at paper scale)"""
    prompt_every: int = 4
    """the prompt tokens learn on every this-many-th update; the other updates train actor, adapters and critic on
    the stored LLM states. The LLM's backward pass is nearly all of a PA-MRL update on a CPU: with 4 (and
    prompt_batch 2, the compact prompt) an update costs 8.5x less on average than with 1 (and 4, the full prompt),
    and the prompt tokens still take thousands of steps in a 300-episode run (benchmarks/decision_latency.py)"""
    prompt_style: str = "compact"
    """template of the informal prompt (prompt.py): compact (~60 MiniLM tokens: served and delay relative to demand
    and target) or full (~100: absolute rates and delays, loss ratio)"""
    cluster_weight: float = 0.1
    """weight of the semantic-clustering loss on the text representations (pa-mrl)"""
    actor_sharing: str = "shared"
    """shared: one actor for all DUs with a one-hot DU id; separate: one actor per DU"""
    gamma: float = 0.95
    """discount; 0.95 weighs ~20 control periods, about one episode. A slice that is under-served builds a queue,
    and its delay stays high for the rest of the episode: at 0.5 (~2 periods) the critic does not see that cost,
    and every learned policy on `small` gave URLLC ~0.35 of the carrier where the best fixed split gives 0.23,
    starving the overloaded eMBB (MASAC 16.13 against best-static 16.49, 3 seeds; at 0.95: 16.54, shares
    0.54 / 0.29 / 0.17; docs/learning.md, "The horizon", docs/results/learning-horizon/). With tau 0.05 and 2
    updates per step the critic fits Q ~ 11 within the run (an earlier 50-episode test at 0.9 with tau 0.01 had
    not converged)"""
    tau: float = 0.05
    """Polyak factor of the target critic (0.01 made Q climb to its level over thousands of updates)"""
    lr_actor: float = 3e-4
    """learning rate of actors and adapters"""
    lr_critic: float = 1e-3
    """learning rate of the critic"""
    lr_prompt: float = 1e-3
    """learning rate of the prompt tokens"""
    lr_alpha: float = 3e-3
    """learning rate of the entropy temperature (Adam moves log alpha by about this much per update: at 3e-4 it
    took 1,560 updates to go from alpha 1 to 0.63 on `small`, far too slow for runs of a few thousand updates)"""
    entropy_space: str = "shares"
    """where SAC measures the policy's entropy: shares (the density on the simplex, with the log-Jacobian of the
    softmax) or logits (the Gaussian on the 2 free logits). `shares` keeps the policy off the simplex's corners;
    its pull towards equal shares (alpha * sum_k log share_k) is negligible at a small alpha (init_alpha). With
    `logits` the policy ran into corners (a share of ~0.98) with its logit std at the maximum: near a corner the
    softmax is flat, so a wider Gaussian costs nothing in shares and buys entropy"""
    init_alpha: float = 0.05
    """initial entropy temperature. Per-step rewards are in [0, 1] and good and bad shares differ by ~0.1 per step,
    so SAC's usual alpha = 1 lets the entropy term dominate: with it (and lr_alpha 3e-4) MASAC still had alpha 0.63
    after 1,560 updates and its shares had not left 1/3 each"""
    target_entropy: float = -2.0
    """target entropy of each DU's policy in nats (minus the number of free logits, SAC's usual rule): on the
    simplex, shares that vary by about +-0.09 around the mean (one RBG of 13 on `small` is 0.077)"""
    reward_scale: float = 1.0
    """rewards are multiplied by this in the critic's targets (and so in Q and the actor's objective); metrics
    keep the [0, 1] reward. Scaling rewards is equivalent to dividing alpha by the same factor"""
    hidden: int = 128
    """width of actor, critic and adapter layers"""
    latent: int = 64
    """size of each adapter's output (the representation is twice this with an LLM)"""
    buffer_size: int = 50000
    """replay capacity in environment steps"""
    timeout: float = 120.0
    """seconds to wait for one control period of the simulator"""
    max_sim_restarts: int = 3
    """a simulator that dies or goes silent mid-episode is replaced this many times per run: the episode's partial
    data is discarded and training goes back to the last checkpoint (0: the run stops with an error instead)"""
    endpoint: str = ""
    """where the agent binds (empty: a private ipc:// path)"""
    attach: bool = False
    """wait for an externally started simulator (containers) instead of starting one per episode"""
    keep_simulator: bool = False
    """attach mode: at the end, leave the next simulator waiting (and the endpoint open) instead of telling it to
    stop, for a following job in the same process (`--then-evaluate` sets it)"""
    trust_remote_code: bool = False
    """allow a hub model's own code to run (only for models you trust)"""
    device: str = "auto"
    """auto (CUDA when present), cpu or cuda"""
    llm_precision: str = "auto"
    """number formats of the frozen language model: auto (bf16 on CUDA, fp32 on a CPU), fp32, bf16 (weights and
    activations), or bf16-mixed (matrix products in bf16 via autocast; embeddings, residual stream, norms in fp32).
    On a CPU, bf16 pays only with bf16 matrix units (Intel AMX: MiniLM's 6-DU decision ~2x faster), and is emulated,
    slower than fp32, without them. The soft prompt, adapters and networks stay fp32. What it costs in fidelity
    (pooled states vs fp32, measured by benchmarks/decision_latency.py): see README's decision-latency row"""
    llm_compile: bool = False
    """compile the frozen language model for decisions (torch.compile, dynamic shapes; on a CPU with its matrix
    products autotuned and its weights frozen into the compiled code; prompt-token updates stay eager): MiniLM's
    6-DU decision 1.5-1.6x faster in bf16 and bf16-mixed, 1.07-1.3x in fp32 on a 2-core AMX Xeon
    (benchmarks/decision_latency.py; language_model.compile_for_decisions), for 20-60 s of compilation when the
    agent is built. Off by default: short runs and tests would pay the compilation, and it needs a C++ compiler on
    a CPU. Results agree with eager ones to rounding (fp32: ~1e-6 in the pooled states); autotuning picks kernels by
    timing, so lock-step runs with it reproduce to rounding, not bit for bit"""
    static_search_episodes: int = 2
    """best-static: episodes (training seeds 0, 1, ...) each candidate's shares are run for. 2 is cheap and noisy:
    on `small` three seeds' searches disagreed (by 0.5 on LTE, 0.9 on NR); with 4, and `episodes` doubled to 160 to
    keep the refinement, all three found the same split on LTE and NR (docs/results/learning-best-static/). Use 4
    for a reference that learned methods are judged against to within 2 %."""
    static_grid_step: float = 0.15
    """best-static: step of the coarse grid, as a share of the carrier rounded to whole RBGs (0.15 of 13 RBGs on
    `small` = 2 RBGs: 15 allocations; the refinement then moves single RBGs)"""
    static_per_du: str = "auto"
    """best-static: each DU its own shares (true), one set for all (false), or true when the scenario has a
    hotspot DU (auto)"""

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"--method must be one of {', '.join(METHODS)}; got {self.method!r}")
        if self.actor_sharing not in ("shared", "separate"):
            raise ValueError(f"--actor-sharing must be shared or separate; got {self.actor_sharing!r}")
        if self.prompt_style not in ("compact", "full"):
            raise ValueError(f"--prompt-style must be compact or full; got {self.prompt_style!r}")
        if self.static_per_du not in ("auto", "true", "false"):
            raise ValueError(f"--static-per-du must be auto, true or false; got {self.static_per_du!r}")
        if not 0 < self.static_grid_step <= 1 / 3:
            raise ValueError(f"--static-grid-step must be in (0, 1/3]; got {self.static_grid_step}")
        if self.entropy_space not in ("logits", "shares"):
            raise ValueError(f"--entropy-space must be logits or shares; got {self.entropy_space!r}")
        if not self.init_alpha > 0 or not self.reward_scale > 0:
            raise ValueError(f"--init-alpha and --reward-scale must be > 0; got {self.init_alpha}, {self.reward_scale}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError(f"--device must be auto, cpu or cuda; got {self.device!r}")
        if self.llm_precision not in LLM_PRECISIONS:
            raise ValueError(f"--llm-precision must be one of {', '.join(LLM_PRECISIONS)}; got {self.llm_precision!r}")
        checks = {"episodes": (1, 10**7), "prompt_tokens": (0, 512), "checkpoint_every": (1, 10**7),
                  "learning_starts": (0, 10**9), "updates_per_step": (0, 100), "overlap_update_cap": (1, 1000),
                  "learner_niceness": (0, 19), "batch_size": (1, 65536),
                  "prompt_batch": (1, 4096), "prompt_every": (1, 10**6), "buffer_size": (1, 10**8), "static_search_episodes": (1, 1000),
                  "threads": (0, 1024),
                  "max_sim_restarts": (0, 1000)}
        for name, (lo, hi) in checks.items():
            v = getattr(self, name)
            if not lo <= v <= hi:
                raise ValueError(f"--{name.replace('_', '-')} must be between {lo} and {hi}; got {v}")
        if not 0 < self.gamma < 1 or not 0 < self.tau <= 1 or self.cluster_weight < 0:
            raise ValueError("--gamma must be in (0, 1), --tau in (0, 1], --cluster-weight >= 0")

    @property
    def learned(self) -> bool:
        return self.method in LEARNED

    @property
    def num_prompt_tokens(self) -> int:
        return self.prompt_tokens if self.method == "pa-mrl" else 0


# Settings added after checkpoints were first written, with the value that reproduces what those older
# checkpoints did (a missing key otherwise takes today's default).
_BEFORE_SETTING_EXISTED = {"prompt_style": "full", "prompt_every": 1, "entropy_space": "shares"}


def config_from_checkpoint(saved: dict, **overrides) -> TrainConfig:
    """The TrainConfig a checkpoint was trained with (its `config`), readable across versions: settings it lacks
    take the value that reproduces the older behaviour, settings this version no longer has are dropped."""
    known = {f.name for f in fields(TrainConfig)}
    values = {**_BEFORE_SETTING_EXISTED, **{k: v for k, v in saved.items() if k in known}, **overrides}
    return TrainConfig(**values)


# What a run learns or computes, by method: the settings a resumed run must share with its checkpoint. The others
# say how it is carried out (episodes, lock-step or overlap, timeouts, endpoints, device) or are not used by the
# method (prompt tokens for masac, SAC's settings for best-static), and may differ.
_SAC_SETTINGS = {"learning_starts", "updates_per_step", "batch_size", "actor_sharing", "gamma", "tau", "lr_actor",
                 "lr_critic", "lr_alpha", "entropy_space", "init_alpha", "target_entropy", "reward_scale", "hidden",
                 "latent", "buffer_size"}
_BY_METHOD = {
    "pa-mrl": _SAC_SETTINGS | {"llm", "prompt_style", "prompt_tokens", "lr_prompt", "prompt_batch", "prompt_every",
                               "cluster_weight"},
    "llm-frozen": _SAC_SETTINGS | {"llm", "prompt_style"},
    "masac": _SAC_SETTINGS,
    "best-static": {"static_search_episodes", "static_grid_step", "static_per_du"},
}


def resume_mismatches(saved: dict, cfg: TrainConfig) -> list[str]:
    """'name: checkpoint X, this run Y' for every setting that defines the run (method, seed, scenario and what
    the method learns with) and differs between a checkpoint's config and `cfg`: resuming with any of them changed
    would silently splice two different runs. An older checkpoint's missing settings count as the value that
    reproduces what it did (as in config_from_checkpoint)."""
    defaults = {f.name: f.default for f in fields(TrainConfig)}
    old = {**defaults, **_BEFORE_SETTING_EXISTED, **saved}
    new = {f.name: getattr(cfg, f.name) for f in fields(TrainConfig)}
    names = {"method", "seed", "scenario"} | (_BY_METHOD.get(old["method"], set()) if old["method"] == cfg.method else set())
    return [f"{n}: checkpoint {old[n]!r}, this run {new[n]!r}" for n in sorted(names) if old[n] != new[n]]


def field_docs() -> dict[str, str]:
    """Field docstrings (the attribute docstrings above), for --help."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(TrainConfig))
    docs, body = {}, tree.body[0].body
    for node, nxt in zip(body, body[1:]):
        if isinstance(node, ast.AnnAssign) and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant):
            docs[node.target.id] = nxt.value.value
    return docs


def add_arguments(parser, exclude: tuple[str, ...] = ()) -> None:
    docs = field_docs()
    for f in fields(TrainConfig):
        if f.name in exclude:
            continue
        flag = "--" + f.name.replace("_", "-")
        doc = docs.get(f.name, "").replace("%", "%%")  # argparse %-formats help text; the docs speak of percents
        if f.type == "bool":
            parser.add_argument(flag, action="store_true", help=doc)
        else:
            kind = {"int": int, "float": float, "str": str}[f.type]
            parser.add_argument(flag, type=kind, default=f.default, help=f"{doc} (default: {f.default})")
