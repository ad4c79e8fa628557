"""Learning overlapped with simulation: a background thread keeps running MASAC updates while the simulator
computes the next control period, and the acting loop reads the newest weights from a small copy of the policy.

Why a copy: an update takes up to a second on CPU (the language model's backward pass); acting must not wait for
it. The copy holds the actor, the adapters and the prompt tokens (kilobytes to a few MB); the frozen language model
and its tokenizer are shared, never copied. After each update the learner refreshes the copy under a lock that the
acting loop holds only for one forward pass.

Overlap is not reproducible bit for bit (how many updates fit in a control period depends on timing); the
`--lockstep` setting runs updates between steps instead, deterministically. Checkpoints are taken with the learner
paused, so resuming works in both modes.
"""

from __future__ import annotations

import copy
import os
import threading
from typing import Any

import numpy as np
import torch

from pamrl.masac import MASAC
from pamrl.replay import ReplayBuffer


class ActingCopy:
    """The parts of an agent that acting needs, copied, sharing the frozen language model."""

    def __init__(self, agent: MASAC):
        memo: dict[int, Any] = {}
        if agent.srm.encoder is not None:
            memo[id(agent.srm.encoder.model)] = agent.srm.encoder.model
            memo[id(agent.srm.encoder.lm)] = agent.srm.encoder.lm
        self.agent = agent
        self.policy = copy.copy(agent)  # shallow: shares optimisers etc., which acting never touches
        self.policy.srm = copy.deepcopy(agent.srm, memo)
        self.policy.actor = copy.deepcopy(agent.actor)
        self.lock = threading.Lock()

    def refresh(self) -> None:
        with torch.no_grad(), self.lock:
            for src, dst in ((self.agent.srm, self.policy.srm), (self.agent.actor, self.policy.actor)):
                for p_src, p_dst in zip(src.parameters(), dst.parameters()):
                    if p_src.requires_grad:
                        p_dst.copy_(p_src)

    def hidden_of(self, texts: list[str]) -> np.ndarray:
        with self.lock:
            return self.policy.hidden_of(texts)

    def act(self, features: np.ndarray, hidden: np.ndarray, deterministic: bool = False) -> np.ndarray:
        with self.lock:
            return self.policy.act(features, hidden, deterministic)


def lower_own_priority(niceness: int) -> None:
    """Lowers the calling thread's CPU priority (Linux: niceness is per thread); a no-op where unsupported."""
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(niceness, os.getpriority(os.PRIO_PROCESS, tid)))
    except (AttributeError, OSError):
        pass


class BackgroundLearner:
    """Runs agent.update() in a thread, at most `max_updates_per_step` updates per environment step taken."""

    def __init__(self, agent: MASAC, buffer: ReplayBuffer, rng: np.random.Generator, acting: ActingCopy,
                 max_updates_per_step: int, niceness: int = 19):
        self.agent, self.buffer, self.rng, self.acting = agent, buffer, rng, acting
        self.max_updates_per_step = max_updates_per_step
        # The agent's decision (prompt -> language model -> actor) is on the simulator's critical path, an update
        # is not: with a higher niceness the learner thread (and the torch worker threads it starts, which inherit
        # it) yields the CPU to the decision and still gets every idle cycle while the simulator computes.
        self.niceness = niceness
        self.rows: list[dict[str, float]] = []
        self.updates = 0
        self.allowed = 0  # updates allowed so far (grows with environment steps)
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def allow(self, steps: int = 1) -> None:
        """The acting loop took `steps` environment steps: the learner may do more updates."""
        with self._wake:
            self.allowed += steps * self.max_updates_per_step
            self._wake.notify()

    def start(self) -> None:
        if self._thread is not None:
            return  # already running
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="pamrl-learner", daemon=True)
        self._thread.start()

    def pause(self) -> None:
        """Stops after the update in progress (before a checkpoint or at the end)."""
        if self._thread is None:
            return
        self._stop.set()
        with self._wake:
            self._wake.notify()
        self._thread.join()
        self._thread = None
        if self.error is not None:
            raise RuntimeError("background learner failed") from self.error

    def take_rows(self) -> list[dict[str, float]]:
        rows, self.rows = self.rows, []
        return rows

    def _run(self) -> None:
        lower_own_priority(self.niceness)
        try:
            while not self._stop.is_set():
                with self._wake:
                    while self.updates >= self.allowed and not self._stop.is_set():
                        self._wake.wait(timeout=0.5)
                if self._stop.is_set():
                    return
                losses = self.agent.update(self.buffer, self.rng)
                self.updates += 1
                self.rows.append({"update": self.updates, **losses})
                self.acting.refresh()
        except BaseException as e:  # noqa: BLE001 - surfaced by pause() in the main thread
            self.error = e
