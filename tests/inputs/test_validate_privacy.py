"""Privacy helpers: contacts in the demo's comments are masked, ordinary numbers are not;
small groups are suppressed or marked; identifier examples are hidden."""

import numpy as np
import pandas as pd
import pytest

from loyalty_lib.inputs.datasets import load_survey
from loyalty_lib.inputs.privacy import EMAIL, hide_identifiers, mask_contacts, suppress_small_groups


def test_demo_comments_lose_their_contacts():
    comments = load_survey("demo")["comment"].dropna()
    planted = comments[comments.str.contains("@|\\+44", regex=True)]
    assert len(planted) == 2  # demo.py plants one e-mail and one phone number
    masked = planted.map(mask_contacts)
    assert not masked.str.contains("@").any() and not masked.str.contains("7946").any()
    assert set(masked) == {
        "Please call me back at [phone] about my refund",
        "Write to [e-mail], the parcel never arrived",
    }
    others = comments[~comments.index.isin(planted.index)]
    assert (others.map(mask_contacts) == others).all()  # nothing else is touched


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me: Jo.Doe+x@mail.co.uk!", "mail me: [e-mail]!"),
        ("call (020) 7946-0958 today", "call [phone] today"),
        ("or 555-123-4567.", "or [phone]."),
        ("0044 20 7946 0958", "[phone]"),
        (
            "NPS +24.3 (95% interval +21.5 to +27.0; 3,039 answers)",
            "NPS +24.3 (95% interval +21.5 to +27.0; 3,039 answers)",
        ),
        ("from 2023-02-01 to 2024-12-31", "from 2023-02-01 to 2024-12-31"),
        ("order 123456789", "order 123456789"),  # a bare number is not called a phone
        ("net $1,071,805.50", "net $1,071,805.50"),
    ],
)
def test_mask_contacts_cases(text, expected):
    assert mask_contacts(text) == expected


def test_strict_mode_only_masks_international_numbers():
    assert mask_contacts("0 1 2 3 4 5 6 7 8 9 10", strict=True) == "0 1 2 3 4 5 6 7 8 9 10"
    assert mask_contacts("ring +44 20 7946 0958", strict=True) == "ring [phone]"
    assert EMAIL.search("x@y.org")


def test_suppress_and_mark_small_groups():
    result = pd.DataFrame(
        {
            "segment": ["a", "b", "c"],
            "n": [30, 29, 0],
            "nps": [10.0, 20.0, np.nan],
            "promoters": [12, 11, 0],
        }
    )
    out = suppress_small_groups(result, min_base=30)
    assert out["suppressed"].tolist() == [False, True, True]
    assert out["nps"].isna().tolist() == [False, True, True]
    assert out["promoters"].isna().tolist() == [False, True, True]
    assert out["n"].tolist() == [30, 29, 0]  # the base stays visible
    marked = suppress_small_groups(result, min_base=30, how="mark")
    assert marked["small_base"].tolist() == [False, True, True]
    assert marked["nps"].tolist()[:2] == [10.0, 20.0]
    assert "suppressed" not in result.columns  # input untouched
    with pytest.raises(ValueError, match="how: 'hide'"):
        suppress_small_groups(result, how="hide")
    with pytest.raises(ValueError, match="n: column 'base' not found"):
        suppress_small_groups(result, n="base")


def test_hide_identifiers_by_index():
    profile = pd.DataFrame(
        {"examples": ["C1, C2", "1.0"]}, index=pd.Index(["customer_id", "amount"], name="column")
    )
    out = hide_identifiers(profile)
    assert out["examples"].tolist() == ["(hidden: identifier)", "1.0"]
