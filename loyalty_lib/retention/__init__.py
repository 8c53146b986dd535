"""Retention: cohorts and their triangle, retention curves, repeat purchase, plots.

Modules: :mod:`~loyalty_lib.retention.cohorts`, :mod:`~loyalty_lib.retention.curves`,
:mod:`~loyalty_lib.retention.repeat`, :mod:`~loyalty_lib.retention.plots`.
"""
