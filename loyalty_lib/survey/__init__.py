"""The Net Promoter Score: answers, score, comparisons and trends, drivers, plots.

Modules: :mod:`~loyalty_lib.survey.answers` (checking and tallying answers),
:mod:`~loyalty_lib.survey.score` (``nps``, bands, sample size, distribution),
:mod:`~loyalty_lib.survey.compare` (``compare_nps``, ``nps_trend``),
:mod:`~loyalty_lib.survey.drivers` (``nps_drivers``), :mod:`~loyalty_lib.survey.plots`.
"""
