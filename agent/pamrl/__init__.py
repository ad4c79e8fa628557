"""pamrl: co-simulation of O-RAN network slicing (ns-3 + 5G-LENA) with prompt-tuned LLM-augmented multi-agent SAC.

Where things are (docs/architecture.md draws the data's way through them):

  bridge/          the agent's end of the bridge: wire schema and frames (protocol), ZeroMQ endpoint, simulator
                   process, scenario files (scenario), reward and QoS levels (reward), the PettingZoo env (env)
  scenarios/       the scenario catalog (package data): bases and variants/
  rollout          the one episode loop and the View an agent reads of a control period
  seeds, device    which ns-3 seed an episode runs; where tensors live
  heuristics       fixed rules (equal, proportional); best_static: the best fixed shares, by search
  prompt, observer numeric features and informal prompts of a View; the Observation a learner stores
  language_model   frozen language models and learnable prompt tokens (PromptedEncoder)
  srm              the State Representation Module: adapters Fc1 (numbers) and Fc2 (LLM state)
  simplex, networks  the action distribution on the share simplex; actor heads and the twin critic
  masac            the MASAC objective and its update; replay: the replay buffer
  factory          builds an agent from its settings (config: every setting and why)
  train, learner   the collector and learner of `pamrl train` (lock-step, or overlapped in a thread)
  checkpoint       saving and restoring a run; evaluate: frozen policies on the evaluation seeds
  metrics          Parquet rows of steps, updates and timing, and the one definition of an episode's return
  simulate, pretrain, experiment, cli   the other `pamrl` commands; analysis/: notebooks and their loaders
  progress         progress bars for every long job
"""
