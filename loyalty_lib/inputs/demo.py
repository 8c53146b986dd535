"""A deterministic synthetic shop: customers, two years of sales, a monthly NPS survey.

The shop is generated from a handful of customer-level traits so that what customers *say*
(their 0–10 score and touchpoint ratings) and what they *do* (how often and how long they buy)
come from the same latent loyalty. The effects below are planted on purpose; the analyses
should find them and the tests assert them (``tests/test_demo.py``):

1. **Say and do agree**: a customer's monthly churn hazard falls with latent loyalty, which
   also raises the score, so promoters keep buying longer than detractors.
2. **Stock-out**: in June 2024 region ``East`` ran out of stock. East's order rate halves that
   month, its churn hazard doubles in June–July, and its survey answers in the waves June to
   September 2024 lose 1.2 points of score and rate product and delivery lower.
3. **Concentration**: per-order spend is log-normal per customer and order frequency varies
   twenty-fold, so a small share of customers brings most revenue.
4. **Seasonality**: order rates peak in November–December and dip in January–February.
5. **Returns**: about 3.5% of orders are returned 3–20 days later (negative ``quantity`` and
   ``amount``; a third of returns are partial, half the value).
6. **Survey mess**: about 4% of scores are missing, about 1.2% are invalid codes (99 "don't
   know", 11, -1), some customers answered a wave twice, ratings are often not given
   (``support`` mostly), and a few comments carry e-mail addresses, phone numbers and HTML or
   script text (untrusted input for the reports).
7. **Complaint recovery** (added for issue 8, from a separate generator drawn after all of the
   above, so the earlier columns are unchanged): ``complained`` and ``resolution_days``.
   About 14% of answers come with a complaint, likelier after a product, delivery or support
   rating of 1–2 and for less loyal customers. Complaints resolved within 2 days go with a
   much higher NPS and more repeat buying than slow or unresolved ones. Because scores and
   transactions were already fixed, this is planted as an *association*: the speed of the
   resolution is drawn from the customer's latent loyalty (which also sets their churn
   hazard) and the score of the answer (read as given after the complaint was handled).
   Nothing in the shop reacts to a resolution; an analysis finds the pattern, not a cause.
8. **Events, stock-out responses and a reminder campaign** (added for issue 17, from a third
   generator ``default_rng([seed, 17])`` drawn after everything else, so the three earlier
   tables keep their bytes): ``events`` logs the East stock-out (June 2024, scope
   ``segment:region=East``) and a reminder wave on 2024-09-01. ``stockout_responses`` records
   how the shop answered each affected East customer (an apology, an alternative, a
   competitor, a deferral, none); the kind is drawn *given* whether the customer came back
   within 90 days (read from the transactions, which were already fixed), with planted odds
   of coming back in the ratios of :data:`RESPONSE_RETURN` (alternative best, sending the
   customer to a competitor worst): an association, like effect 7. ``campaign`` lists the
   customers lapsing on 2024-09-01 (last order 45 to 180 days before), a random 20% held out
   of the reminder, with ``bought_within_30d`` and ``revenue_30d``: the transactions of the
   30 days from the reminder plus, for the reminded only, a planted campaign order with
   probability :data:`REMINDER_LIFT` (those orders are not in the transactions, which keep
   their bytes; the campaign file carries the outcome).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "CHANNELS",
    "REGIONS",
    "REMINDER_LIFT",
    "RESPONSE_KINDS",
    "RESPONSE_RETURN",
    "TOUCHPOINTS",
    "DemoShop",
    "make_demo",
]

START = pd.Timestamp("2023-01-01")
END = pd.Timestamp("2024-12-31")
REGIONS = ("North", "South", "East", "West")
CHANNELS = ("organic", "paid_search", "social", "referral")
TOUCHPOINTS = ("advertising", "website", "product", "support", "delivery")

STOCKOUT_REGION = "East"
STOCKOUT_MONTH = pd.Timestamp("2024-06-01")
STOCKOUT_WAVES = pd.date_range("2024-06-01", "2024-09-01", freq="MS")
STOCKOUT_END = pd.Timestamp("2024-06-30")

#: Stock-out responses: share of the affected customers given each, and the planted chance
#: of coming back within 90 days that sets each kind's odds (odds ratios between kinds are
#: t/(1-t) ratios; the levels follow the observed overall return rate).
RESPONSE_KINDS = ("apology", "alternative", "competitor", "deferral", "none")
_RESPONSE_SHARE = {
    "apology": 0.3,
    "alternative": 0.25,
    "competitor": 0.1,
    "deferral": 0.2,
    "none": 0.15,
}
RESPONSE_RETURN = {
    "apology": 0.55,
    "alternative": 0.8,
    "competitor": 0.25,
    "deferral": 0.65,
    "none": 0.45,
}
#: The reminder wave: date, lapsing window (days since the last order), holdout share, and
#: the chance that a reminded customer places one extra (campaign) order within 30 days.
REMINDER_DATE = pd.Timestamp("2024-09-01")
REMINDER_LAPSING_DAYS = (45, 180)
REMINDER_HOLDOUT = 0.2
REMINDER_WINDOW_DAYS = 30
REMINDER_LIFT = 0.12

# Relative order rate by calendar month (Jan..Dec).
_SEASON = np.array([0.8, 0.8, 0.95, 1.0, 1.0, 0.95, 0.9, 0.9, 1.0, 1.05, 1.3, 1.6])
_CHANNEL_LOYALTY = {"organic": 0.1, "paid_search": -0.25, "social": -0.1, "referral": 0.35}
# Loading of latent loyalty on each touchpoint rating, and share not rated.
_RATING_LOADING = {
    "advertising": 0.25,
    "website": 0.45,
    "product": 0.8,
    "support": 0.5,
    "delivery": 0.7,
}
_RATING_MISSING = {
    "advertising": 0.25,
    "website": 0.08,
    "product": 0.03,
    "support": 0.7,
    "delivery": 0.06,
}

_COMMENTS = {
    "promoter": [
        "Great selection and fast delivery.",
        "Love the quality of the products!",
        "Support solved my problem in minutes.",
        "Always find what I need here.",
        "Recommended you to my sister already.",
    ],
    "passive": [
        "Good, but delivery could be faster.",
        "Prices are a bit high.",
        "OK overall.",
        "The website search is clunky.",
        "Fine, nothing special.",
    ],
    "detractor": [
        "The item I wanted was out of stock again.",
        "Delivery was late twice.",
        "Support never answered my e-mail.",
        "The product broke after a week.",
        "Too many ads and the site is slow.",
    ],
}
_UNTRUSTED = [
    "<script>alert('nps')</script> great shop",
    "<img src=x onerror=alert(1)> delivery was slow",
    "Please call me back at +44 20 7946 0958 about my refund",
    "Write to anna.k@example.com, the parcel never arrived",
    "Best shop ever!!! <b>10/10</b>",
]


@dataclass(frozen=True)
class DemoShop:
    """The three tables of the demo shop, joinable by ``customer_id``.

    Attributes
    ----------
    customers
        ``customer_id`` (str), ``signup_date`` (datetime64, = first purchase), ``region``,
        ``channel`` (acquisition channel).
    transactions
        ``order_id`` (str; returns end in ``-R``), ``customer_id``, ``order_date``,
        ``quantity`` (int64), ``amount`` (float64, currency units); returns are negative.
    survey
        ``response_id``, ``customer_id``, ``wave`` (first day of the survey month),
        ``response_date``, ``score`` (float64: 0–10, NaN skipped, invalid codes kept as
        given), one 1–5 rating per touchpoint (float64, NaN = not rated), ``comment`` (str
        or missing), ``complained`` (bool: the customer complained before answering),
        ``resolution_days`` (float64, quarter days from complaint to resolution; NaN when
        there was no complaint or it was never resolved).
    events
        The event log as written to ``events.csv``: ``event_id``, ``start``, ``end``
        (datetime64; NaT = one day), ``kind``, ``scope``, ``label``, ``response``.
    stockout_responses
        ``event_id``, ``customer_id``, ``response`` (one of :data:`RESPONSE_KINDS`).
    campaign
        ``customer_id``, ``reminder_date``, ``last_order_date``, ``group`` (``reminded`` or
        ``holdout``), ``bought_within_30d`` (bool), ``revenue_30d`` (float64, net).
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    survey: pd.DataFrame
    events: pd.DataFrame | None = None
    stockout_responses: pd.DataFrame | None = None
    campaign: pd.DataFrame | None = None


def make_demo(seed: int = 2024, n_customers: int = 5000) -> DemoShop:
    """Generate the demo shop deterministically (same seed, same shop, byte for byte).

    Parameters
    ----------
    seed
        Seed of the NumPy generator; the bundled ``data/demo`` files are ``make_demo()``.
    n_customers
        Number of customers acquired between January 2023 and November 2024.

    Examples
    --------
    >>> shop = make_demo(seed=1, n_customers=200)
    >>> sorted(shop.customers.columns)
    ['channel', 'customer_id', 'region', 'signup_date']
    >>> shop.transactions["customer_id"].nunique()
    200
    """
    if n_customers < 1:
        raise ValueError(f"n_customers must be at least 1, got {n_customers}")
    rng = np.random.default_rng(seed)
    customers, traits = _customers(rng, n_customers)
    transactions = _transactions(rng, customers, traits)
    survey = _survey(rng, customers, traits)
    # Complaint fields come from their own generator, drawn after everything else, so that
    # every earlier column and row is the same as before they were added (issue 8).
    survey = _complaints(np.random.default_rng([seed, 8]), customers, traits, survey)
    # Events, stock-out responses and the reminder campaign: a third generator, drawn last,
    # reading the fixed transactions (issue 17); the three tables above keep their bytes.
    events, responses, campaign = _pdca(
        np.random.default_rng([seed, 17]), customers, traits, transactions
    )
    return DemoShop(customers, transactions, survey, events, responses, campaign)


def _customers(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, dict]:
    ids = np.array([f"C{i:05d}" for i in range(1, n + 1)])
    region = rng.choice(REGIONS, size=n, p=[0.3, 0.25, 0.2, 0.25])
    channel = rng.choice(CHANNELS, size=n, p=[0.4, 0.25, 0.2, 0.15])
    span = (pd.Timestamp("2024-11-30") - START).days + 1
    signup = START + pd.to_timedelta(np.sort(rng.integers(0, span, size=n)), unit="D")
    loyalty = rng.normal(0, 1, n) + np.vectorize(_CHANNEL_LOYALTY.get)(channel)
    traits = {
        "loyalty": loyalty,
        "rate": np.exp(-1.35 + 0.45 * loyalty + 0.8 * rng.normal(0, 1, n)),
        "spend_mu": np.log(35) + 0.75 * rng.normal(0, 1, n),
        "hazard": 1 / (1 + np.exp(2.4 + 0.85 * loyalty)),
        "churn_u": rng.random((n, 24)),
    }
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "signup_date": pd.DatetimeIndex(signup).as_unit("ns"),
            "region": region,
            "channel": channel,
        }
    )
    return customers, traits


def _active_months(customers: pd.DataFrame, traits: dict) -> pd.DataFrame:
    """One row per customer and month they are still a customer (signup month onwards)."""
    first = (
        (customers["signup_date"].dt.year - 2023) * 12 + customers["signup_date"].dt.month - 1
    ).to_numpy()
    month_idx = np.arange(24)
    months = pd.date_range(START, periods=24, freq="MS")
    east = (customers["region"] == STOCKOUT_REGION).to_numpy()
    hazard = np.repeat(traits["hazard"][:, None], 24, axis=1)
    shock = (months >= STOCKOUT_MONTH) & (months <= STOCKOUT_MONTH + pd.DateOffset(months=1))
    hazard[np.ix_(east, shock)] = np.minimum(2 * hazard[np.ix_(east, shock)], 0.9)
    # A customer churns at the end of the first month (after signup) whose draw is below hazard.
    churned = (traits["churn_u"] < hazard) & (month_idx[None, :] > first[:, None])
    churn_at = np.where(churned.any(axis=1), churned.argmax(axis=1), 24)
    alive = (month_idx[None, :] >= first[:, None]) & (month_idx[None, :] < churn_at[:, None])
    cust, mon = np.nonzero(alive)
    return pd.DataFrame({"row": cust, "month": mon, "first": mon == first[cust]})


def _transactions(rng: np.random.Generator, customers: pd.DataFrame, traits: dict) -> pd.DataFrame:
    cm = _active_months(customers, traits)
    months = pd.date_range(START, periods=24, freq="MS")
    east = (customers["region"] == STOCKOUT_REGION).to_numpy()[cm["row"]]
    factor = _SEASON[months.month.to_numpy()[cm["month"]] - 1]
    factor = np.where(east & (months[cm["month"]] == STOCKOUT_MONTH), factor * 0.5, factor)
    counts = rng.poisson(traits["rate"][cm["row"]] * factor)
    # The first purchase is the signup order; extra orders in the signup month follow it.
    signup = customers["signup_date"].to_numpy()
    row = np.concatenate([np.arange(len(customers)), np.repeat(cm["row"], counts)])
    month = np.repeat(cm["month"].to_numpy(), counts)
    start = months.to_numpy()[month]
    days_in = months.days_in_month.to_numpy()[month]
    offset = (rng.random(month.size) * days_in).astype(int)
    extra_dates = start + offset.astype("timedelta64[D]")
    extra_dates = np.maximum(extra_dates, signup[row[len(customers) :]])
    dates = np.concatenate([signup, extra_dates])
    spend_mu = traits["spend_mu"][row]
    amount = np.round(np.exp(spend_mu + 0.45 * rng.normal(0, 1, row.size)), 2)
    quantity = np.maximum(1, rng.poisson(amount / 30))
    orders = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy()[row],
            "order_date": pd.DatetimeIndex(dates).as_unit("ns"),
            "quantity": quantity,
            "amount": amount,
        }
    ).sort_values(["order_date", "customer_id"], kind="stable", ignore_index=True)
    orders.insert(0, "order_id", [f"O{i:06d}" for i in range(1, len(orders) + 1)])
    returned = rng.random(len(orders)) < 0.035
    partial = rng.random(len(orders)) < 1 / 3
    lag = pd.to_timedelta(rng.integers(3, 21, len(orders)), unit="D")
    returns = orders[returned].copy()
    share = np.where(partial[returned], 0.5, 1.0)
    returns["order_id"] = returns["order_id"] + "-R"
    returns["order_date"] = returns["order_date"] + lag[returned]
    returns["quantity"] = -np.maximum(1, np.round(returns["quantity"] * share)).astype("int64")
    returns["amount"] = -np.round(returns["amount"] * share, 2)
    returns = returns[returns["order_date"] <= END]
    out = pd.concat([orders, returns], ignore_index=True)
    out = out.sort_values(["order_date", "order_id"], kind="stable", ignore_index=True)
    out["quantity"] = out["quantity"].astype("int64")
    return out


# long: one seeded random stream drawn in order; regrouping the draws risks the demo data
def _survey(rng: np.random.Generator, customers: pd.DataFrame, traits: dict) -> pd.DataFrame:
    cm = _active_months(customers, traits)
    cm = cm[~cm["first"]]  # surveyed from the month after their first purchase
    cm = cm[rng.random(len(cm)) < 0.10].reset_index(drop=True)
    months = pd.date_range(START, periods=24, freq="MS")
    wave = months[cm["month"]]
    row = cm["row"].to_numpy()
    loyalty = traits["loyalty"][row]
    shocked = (customers["region"].to_numpy()[row] == STOCKOUT_REGION) & np.isin(
        wave, STOCKOUT_WAVES
    )
    ratings = {}
    for name, loading in _RATING_LOADING.items():
        shift = {"product": -0.8, "delivery": -0.6}.get(name, 0.0) * shocked
        value = np.clip(
            np.round(3.6 + loading * loyalty + rng.normal(0, 0.8, row.size) + shift), 1, 5
        )
        ratings[name] = value
    latent = (
        7.6
        + 0.9 * loyalty
        + 0.55 * (ratings["product"] - 3.6)
        + 0.5 * (ratings["delivery"] - 3.6)
        + 0.3 * (ratings["support"] - 3.6)
        + 0.2 * (ratings["website"] - 3.6)
        - 1.2 * shocked
        + rng.normal(0, 1.0, row.size)
    )
    score = np.clip(np.round(latent), 0, 10)
    category = np.where(score >= 9, "promoter", np.where(score >= 7, "passive", "detractor"))
    for name, share in _RATING_MISSING.items():
        ratings[name] = np.where(rng.random(row.size) < share, np.nan, ratings[name])
    comment = np.array([rng.choice(_COMMENTS[c]) for c in category], dtype=object)
    stock_comment = shocked & (category == "detractor") & (rng.random(row.size) < 0.5)
    comment[stock_comment] = "Out of stock for weeks, I bought elsewhere."
    comment[rng.random(row.size) >= 0.35] = None
    has_text = np.flatnonzero(pd.notna(comment))
    for text, at in zip(
        _UNTRUSTED, rng.choice(has_text, len(_UNTRUSTED), replace=False), strict=True
    ):
        comment[at] = text
    score = np.where(rng.random(row.size) < 0.04, np.nan, score)
    invalid = rng.random(row.size) < 0.012
    score[invalid] = rng.choice([99, 99, 99, 11, -1], size=invalid.sum())
    response_date = wave + pd.to_timedelta(rng.integers(0, 21, row.size), unit="D")
    survey = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy()[row],
            "wave": pd.DatetimeIndex(wave).as_unit("ns"),
            "response_date": pd.DatetimeIndex(response_date).as_unit("ns"),
            "score": score.astype("float64"),
            **ratings,
            "comment": comment,
        }
    )
    dupes = survey[rng.random(len(survey)) < 0.004]
    survey = pd.concat([survey, dupes], ignore_index=True)
    survey = survey.sort_values(
        ["wave", "response_date", "customer_id"], kind="stable", ignore_index=True
    )
    survey.insert(0, "response_id", [f"R{i:06d}" for i in range(1, len(survey) + 1)])
    survey["comment"] = survey["comment"].astype("str").where(survey["comment"].notna())
    return survey


def _complaints(
    rng: np.random.Generator, customers: pd.DataFrame, traits: dict, survey: pd.DataFrame
) -> pd.DataFrame:
    """Append ``complained`` and ``resolution_days`` to the survey (effect 7 of the module).

    Scores, ratings and transactions are already fixed when this runs, so the recovery
    effect is planted through them: a complaint is likelier after a low product, delivery or
    support rating and for less loyal customers; how fast (and whether) it was resolved
    depends on the customer's latent loyalty (which also sets their churn hazard) and on the
    score of the answer, taken as given *after* the complaint was handled. Quickly resolved
    complainers therefore show a higher NPS and keep buying longer than the rest. This is a
    planted association, not a simulated cause: nothing in the shop reacts to the resolution.
    """
    n = len(survey)
    row = pd.Index(customers["customer_id"]).get_indexer(survey["customer_id"])
    loyalty = traits["loyalty"][row]
    low_rating = (survey[["product", "delivery", "support"]] <= 2).any(axis=1).to_numpy()
    p_complain = 1 / (1 + np.exp(2.3 + 0.5 * loyalty - 1.4 * low_rating))
    complained = rng.random(n) < p_complain
    score = survey["score"].to_numpy(dtype="float64")
    answered = (score >= 0) & (score <= 10)
    recovery = 0.7 * loyalty + np.where(answered, 0.45 * (score - 7), 0.0) + rng.normal(0, 0.8, n)
    quick_days = 0.25 + rng.exponential(1.0, n)
    slow_days = 3 + rng.exponential(8.0, n)
    days = np.where(recovery > 0.0, quick_days, slow_days)
    days = np.round(days * 4) / 4  # recorded in quarter days (6-hour steps)
    resolved = complained & (recovery > -1.2)
    out = survey.copy()
    out["complained"] = complained
    out["resolution_days"] = np.where(resolved, days, np.nan)
    return out


def _pdca(
    rng: np.random.Generator, customers: pd.DataFrame, traits: dict, transactions: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The event log, the stock-out responses and the reminder campaign (effect 8)."""
    orders = transactions[transactions["amount"] > 0]
    # Affected: East customers who bought in January-May 2024 (customers of the shop when the
    # stock-out hit), of whom 85% met it (asked for an item that was not there).
    east = customers.loc[customers["region"] == STOCKOUT_REGION, "customer_id"]
    before = orders[orders["order_date"].between("2024-01-01", "2024-05-31")]
    active = np.array(sorted(set(before["customer_id"]) & set(east)), dtype=object)
    affected = active[rng.random(active.size) < 0.85]
    window = orders[
        (orders["order_date"] > STOCKOUT_END)
        & (orders["order_date"] <= STOCKOUT_END + pd.Timedelta(days=90))
    ]
    came_back = np.isin(affected, window["customer_id"].unique())
    share = np.array([_RESPONSE_SHARE[k] for k in RESPONSE_KINDS])
    rate = np.array([RESPONSE_RETURN[k] for k in RESPONSE_KINDS])
    # P(kind | came back) ∝ share·t, P(kind | not) ∝ share·(1 − t): the odds of coming back
    # given a kind are then proportional to t / (1 − t).
    p_back, p_not = share * rate, share * (1 - rate)
    draws = rng.random(affected.size)
    kind_back = np.searchsorted(np.cumsum(p_back / p_back.sum()), draws, side="right")
    kind_not = np.searchsorted(np.cumsum(p_not / p_not.sum()), draws, side="right")
    kind = np.where(came_back, kind_back, kind_not).clip(0, len(RESPONSE_KINDS) - 1)
    responses = pd.DataFrame(
        {
            "event_id": "E1",
            "customer_id": pd.Series(affected, dtype="object").astype("str"),
            "response": np.array(RESPONSE_KINDS, dtype=object)[kind],
        }
    )
    # The reminder wave: customers whose last order was 45-180 days before the reminder date.
    history = orders[orders["order_date"] < REMINDER_DATE]
    last = history.groupby("customer_id")["order_date"].max()
    gap = (REMINDER_DATE - last).dt.days
    low, high = REMINDER_LAPSING_DAYS
    lapsing = last[(gap >= low) & (gap <= high)].sort_index()
    held_out = rng.random(len(lapsing)) < REMINDER_HOLDOUT
    end = REMINDER_DATE + pd.Timedelta(days=REMINDER_WINDOW_DAYS)
    in_window = transactions[
        (transactions["order_date"] >= REMINDER_DATE) & (transactions["order_date"] < end)
    ]
    bought = in_window[in_window["amount"] > 0].groupby("customer_id").size()
    revenue = in_window.groupby("customer_id")["amount"].sum()
    ids = lapsing.index.to_numpy()
    row = customers.reset_index().set_index("customer_id").loc[ids, "index"].to_numpy()
    extra = (~held_out) & (rng.random(len(lapsing)) < REMINDER_LIFT)
    extra_amount = np.round(np.exp(traits["spend_mu"][row] + 0.45 * rng.normal(0, 1, row.size)), 2)
    campaign = pd.DataFrame(
        {
            "customer_id": pd.Series(ids, dtype="object").astype("str"),
            "reminder_date": pd.DatetimeIndex([REMINDER_DATE] * len(ids)).as_unit("ns"),
            "last_order_date": pd.DatetimeIndex(lapsing.to_numpy()).as_unit("ns"),
            "group": np.where(held_out, "holdout", "reminded").astype(object),
            "bought_within_30d": (bought.reindex(ids).fillna(0).to_numpy() > 0) | extra,
            "revenue_30d": np.round(
                revenue.reindex(ids).fillna(0.0).to_numpy() + np.where(extra, extra_amount, 0.0),
                2,
            ),
        }
    )
    events = pd.DataFrame(
        {
            "event_id": ["E1", "E2"],
            "start": pd.DatetimeIndex([STOCKOUT_MONTH, REMINDER_DATE]).as_unit("ns"),
            "end": pd.DatetimeIndex([STOCKOUT_END, pd.NaT]).as_unit("ns"),
            "kind": ["stock-out", "reminder wave"],
            "scope": [
                f"segment:region={STOCKOUT_REGION}",
                "customers:campaign.csv[group=reminded]",
            ],
            "label": [
                "Stock-out in East (June 2024)",
                "Reminder to lapsing customers (20% held out)",
            ],
            # the responses of the stock-out are per customer: stockout_responses
            "response": pd.Series([None, None], dtype="str"),
        }
    )
    return events, responses, campaign
