"""Customer, order and product ids as clean strings, whatever the file made of them.

Exports write the same id many ways: ``17093`` in a CSV, ``17093.0`` when a spreadsheet or a
column with blanks made it a float (UCI Online Retail's ``Customer ID``), ``" 17093 "`` with
spaces, an empty cell for a guest. :func:`normalise_ids` turns every one of them into the
string ``"17093"`` (missing stays missing), so a float-id Parquet file joins a string-id CSV.

:func:`id_expr` is the same rule as a narwhals expression on a text column (strip, empty to
null, a trailing ``.0`` removed), so the mapping can run on DuckDB or Spark; float and
integer columns are first cast to text by :func:`normalise_ids` (pandas) because an engine's
float-to-text cast differs (``1.7093e4``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["id_expr", "mask_id", "normalise_ids"]

_WHOLE = r"^(-?\d+)\.0+$"


def mask_id(value: Any) -> str:
    """An id for an error message: :func:`loyalty_lib.inputs.privacy.mask_identifier`."""
    from loyalty_lib.inputs.privacy import mask_identifier

    return mask_identifier(value)


def normalise_ids(values: pd.Series) -> pd.Series:
    """Ids as strings: ``17093.0`` → ``"17093"``, spaces stripped, empty → missing.

    Float columns of whole numbers become integer strings; a float id with a fraction
    (``1.5``) is kept as written (``"1.5"``) rather than rounded into another customer.

    Examples
    --------
    >>> normalise_ids(pd.Series([17093.0, np.nan, 12.0])).tolist()
    ['17093', nan, '12']
    >>> normalise_ids(pd.Series([" 17093 ", "", "17093.0", None, "A-1"])).tolist()
    ['17093', nan, '17093', nan, 'A-1']
    """
    if pd.api.types.is_bool_dtype(values):
        text = values.astype("object").map(lambda v: v if pd.isna(v) else str(v))
    elif pd.api.types.is_integer_dtype(values):
        text = values.astype("object").map(lambda v: v if pd.isna(v) else str(int(v)))
    elif pd.api.types.is_float_dtype(values):
        text = values.astype("object").map(_float_text)
    else:
        text = values.astype("object").map(_any_text)
    text = text.str.strip() if text.notna().any() else text
    text = text.str.replace(_WHOLE, r"\1", regex=True) if text.notna().any() else text
    text = text.where(text.notna() & (text != ""), np.nan)
    return text.astype("object").rename(values.name)


def _float_text(v: Any) -> Any:
    if pd.isna(v):
        return np.nan
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _any_text(v: Any) -> Any:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return np.nan
    if isinstance(v, (float, np.floating)):
        return _float_text(v)
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return str(int(v))
    return str(v)


def id_expr(column: str) -> Any:
    """The narwhals expression of :func:`normalise_ids` for a text column (any engine)."""
    import narwhals.stable.v2 as nw

    stripped = nw.col(column).str.strip_chars()
    # no back-references: their syntax differs between engines (\\1, ${1})
    whole = nw.when(stripped.str.contains(r"^-?\d+\.0+$")).then(
        stripped.str.replace_all(r"\.0+$", "")
    )
    cleaned = whole.otherwise(stripped)
    return nw.when(stripped == "").then(None).otherwise(cleaned).alias(column)
