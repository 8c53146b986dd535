"""What comes in: bundled data sets and the demo shop, input validation, the data audit,
privacy helpers and purchase-log preparation shared by the topic packages.

Modules: :mod:`~loyalty_lib.inputs.datasets`, :mod:`~loyalty_lib.inputs.demo`,
:mod:`~loyalty_lib.inputs.validate`, :mod:`~loyalty_lib.inputs.overview`,
:mod:`~loyalty_lib.inputs.privacy`, :mod:`~loyalty_lib.inputs.purchases`,
:mod:`~loyalty_lib.inputs.plots`; a user's own exports: :mod:`~loyalty_lib.inputs.sources`
(the declaration), :mod:`~loyalty_lib.inputs.reading` (the file),
:mod:`~loyalty_lib.inputs.mapping` (the canonical frame), :mod:`~loyalty_lib.inputs.ids`,
:mod:`~loyalty_lib.inputs.dates`.
"""
