"""Plots of result frames, one module per topic.

Each function takes a result frame from :mod:`loyalty_lib`, an optional ``ax=None``,
returns the matplotlib axes, and imports matplotlib inside the function so that
importing :mod:`loyalty_lib` never loads a plotting backend.
"""
