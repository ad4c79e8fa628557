"""Settings of `pamrl train`: one frozen dataclass, whose field docs are also the command's --help.

Choices the paper leaves open are made here, each with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

METHODS = ("pa-mrl", "llm-frozen", "masac", "equal", "proportional")
LEARNED = ("pa-mrl", "llm-frozen", "masac")


@dataclass(frozen=True)
class TrainConfig:
    scenario: str = "small"
    """scenario file, or the name of one in ns3-scenarios/scenarios/"""
    method: str = "pa-mrl"
    """pa-mrl (learnable prompt tokens), llm-frozen (informal prompt only), masac (raw state, no LLM), equal, proportional"""
    episodes: int = 10
    """episodes to train in total (a resumed run continues up to this number)"""
    seed: int = 1
    """seed of everything: torch, numpy, Python, and the simulator (episode e runs ns-3 RngRun = seed*100000 + e + 1)"""
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
    learning_starts: int = 40
    """environment steps with uniformly random shares before learning (fills the replay buffer)"""
    updates_per_step: int = 1
    """gradient updates per environment step once learning has started (--lockstep)"""
    lockstep: bool = False
    """run updates between steps (reproducible bit for bit) instead of overlapping them with the simulation"""
    overlap_update_cap: int = 4
    """overlap mode: the background learner does at most this many updates per environment step"""
    learner_niceness: int = 19
    """overlap mode: CPU niceness of the learner thread (0-19; 0: as the rest). The simulator and the agent's
    decision are the critical path, an update is not: at 19 the learner still gets every idle cycle but yields a
    contended core (paper+lean, MiniLM, 2 cores: the decision takes 155 ms beside the learner at 19, 196 ms at 0,
    124 ms alone)"""
    batch_size: int = 128
    """transitions per update (critic and actor)"""
    prompt_batch: int = 4
    """transitions per update whose LLM states are recomputed with gradients to the prompt tokens (costly on CPU)"""
    cluster_weight: float = 0.1
    """weight of the semantic-clustering loss on the text representations (pa-mrl)"""
    actor_sharing: str = "shared"
    """shared: one actor for all DUs with a one-hot DU id; separate: one actor per DU"""
    gamma: float = 0.9
    """discount; 0.9 at a 100 ms period looks about 1 s ahead, the horizon over which a share change shows in queues"""
    tau: float = 0.01
    """Polyak factor of the target critic"""
    lr_actor: float = 3e-4
    """learning rate of actors and adapters"""
    lr_critic: float = 1e-3
    """learning rate of the critic"""
    lr_prompt: float = 1e-3
    """learning rate of the prompt tokens"""
    lr_alpha: float = 3e-4
    """learning rate of the entropy temperature"""
    hidden: int = 128
    """width of actor, critic and adapter layers"""
    latent: int = 64
    """size of each adapter's output (the representation is twice this with an LLM)"""
    buffer_size: int = 50000
    """replay capacity in environment steps"""
    timeout: float = 120.0
    """seconds to wait for one control period of the simulator"""
    endpoint: str = ""
    """where the agent binds (empty: a private ipc:// path)"""
    attach: bool = False
    """wait for an externally started simulator (containers) instead of starting one per episode"""
    trust_remote_code: bool = False
    """allow a hub model's own code to run (only for models you trust)"""
    device: str = "auto"
    """auto (CUDA when present), cpu or cuda"""

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"--method must be one of {', '.join(METHODS)}; got {self.method!r}")
        if self.actor_sharing not in ("shared", "separate"):
            raise ValueError(f"--actor-sharing must be shared or separate; got {self.actor_sharing!r}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError(f"--device must be auto, cpu or cuda; got {self.device!r}")
        checks = {"episodes": (1, 10**7), "prompt_tokens": (0, 512), "checkpoint_every": (1, 10**7),
                  "learning_starts": (0, 10**9), "updates_per_step": (0, 100), "overlap_update_cap": (1, 1000),
                  "learner_niceness": (0, 19), "batch_size": (1, 65536),
                  "prompt_batch": (1, 4096), "buffer_size": (1, 10**8)}
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
        if f.type == "bool":
            parser.add_argument(flag, action="store_true", help=docs.get(f.name, ""))
        else:
            kind = {"int": int, "float": float, "str": str}[f.type]
            parser.add_argument(flag, type=kind, default=f.default, help=f"{docs.get(f.name, '')} (default: {f.default})")
