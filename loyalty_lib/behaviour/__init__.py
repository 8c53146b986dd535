"""What customers do, set against what they say and what it is worth: say vs do, RFM/VIP
segments, lapse alerts, retention economics, complaint recovery, plots.

Modules: :mod:`~loyalty_lib.behaviour.say_do`, :mod:`~loyalty_lib.behaviour.rfm`,
:mod:`~loyalty_lib.behaviour.lapse`, :mod:`~loyalty_lib.behaviour.economics`,
:mod:`~loyalty_lib.behaviour.complaints`, :mod:`~loyalty_lib.behaviour.plots`.
This is the one topic package that builds on others (survey, retention).
"""
