"""The report runner and everything a stakeholder page needs; never imported by the statistics.

Modules: :mod:`~loyalty_lib.reporting.cli` (``loyalty`` command),
:mod:`~loyalty_lib.reporting.config` (reports.yaml and ``-p`` overrides),
:mod:`~loyalty_lib.reporting.runner` (papermill runs, staging, publication),
:mod:`~loyalty_lib.reporting.run_files` (input hashes, staging sweep, ``latest``),
:mod:`~loyalty_lib.reporting.html` (notebook to stakeholder HTML),
:mod:`~loyalty_lib.reporting.html_safety` (sanitiser, masking, CSP),
:mod:`~loyalty_lib.reporting.index` (the run's index page),
:mod:`~loyalty_lib.reporting.kpi` (key figures handed from notebooks to the index).
"""
