"""Loaders and plots for experiment results (the notebooks in this folder use them)."""
