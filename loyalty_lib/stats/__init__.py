"""Statistics on small aggregates, numpy and scipy only: no dataframe, no engine.

Modules: :mod:`~loyalty_lib.stats.proportions` (Wilson, Newcombe),
:mod:`~loyalty_lib.stats.means` (t and Welch intervals),
:mod:`~loyalty_lib.stats.nps_intervals` (NPS variance, Wald, adjusted Wald, score, bootstrap),
:mod:`~loyalty_lib.stats.concentration` (top share, Gini, vectorised bootstrap).
This package imports nothing from the rest of :mod:`loyalty_lib`.
"""
