"""Customer value: net value per customer, the 80/20 split, Lorenz curve, ABC classes, plots.

Modules: :mod:`~loyalty_lib.value.customers`, :mod:`~loyalty_lib.value.pareto`,
:mod:`~loyalty_lib.value.abc`, :mod:`~loyalty_lib.value.plots`.
"""
