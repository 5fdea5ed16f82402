"""The forecasts' input frames, built the same way from the database and from the demo.

``forecasts/`` is pure: it takes frames with fixed columns (documented in
``docs/forecasts.md``). This module is the one place that shapes the planner's records into
those frames, so a forecast made from the live database and one made from a generated demo
council see exactly the same thing.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlmodel import Session, select

from planner.domain import Contract
from planner.domain.stays import current_mask
from planner.domain.suitability import is_suitable
from planner.models import Place, Provision, Stay, YoungPerson

PEOPLE_COLUMNS = [
    "person_id",
    "date_of_birth",
    "gender",
    "uasc",
    "in_care",
    "placement_type",
    "lot",
    "stay_start",
]
STAY_COLUMNS = ["person_id", "placement_type", "lot", "start", "end", "suitable"]
STAY_EXTRA_COLUMNS = ["date_of_birth", "uasc"]  # added from the young person
QUARTERS_AHEAD = 24


def forecast_frames(
    people: pd.DataFrame, stays: pd.DataFrame, as_of: date
) -> dict[str, pd.DataFrame]:
    """``people`` (one row per young person) and ``stays`` (all history), as they stood on
    ``as_of``: a stay planned to start later is not history yet, a stay that ends later is
    still going on, and each young person's placement now is their stay current on
    ``as_of`` (:func:`planner.domain.stays.current_mask`).

    ``people`` needs person_id, date_of_birth, gender, uasc, in_care, left_service_on;
    ``stays`` needs person_id, placement_type, lot, start, end, suitable.
    """
    stays = stays[STAY_COLUMNS].copy()
    for col in ("start", "end"):
        stays[col] = pd.to_datetime(stays[col])
    when = pd.Timestamp(as_of)
    stays = stays[stays["start"] <= when].copy()
    stays.loc[stays["end"] > when, "end"] = pd.NaT
    stays["lot"] = stays["lot"].fillna("").astype(str)
    stays["suitable"] = stays["suitable"].astype(bool)
    # every stay carries its young person's date of birth and UASC flag, so the forecasts
    # can learn from the stays of those who have since left the service too
    born = people[["person_id", "date_of_birth", "uasc"]].drop_duplicates("person_id")
    stays = stays.merge(born, on="person_id", how="left")
    stays["date_of_birth"] = pd.to_datetime(stays["date_of_birth"])
    stays["uasc"] = stays["uasc"].fillna(False).astype(bool)
    stays = stays.sort_values(["person_id", "start"], kind="stable").reset_index(drop=True)
    current = stays[current_mask(stays["start"], stays["end"], as_of)].drop_duplicates(
        "person_id", keep="last"
    )
    left = pd.to_datetime(people["left_service_on"])
    now = people[left.isna() | (left > when)][
        ["person_id", "date_of_birth", "gender", "uasc", "in_care"]
    ].merge(
        current[["person_id", "placement_type", "lot", "start"]].rename(
            columns={"start": "stay_start"}
        ),
        on="person_id",
        how="inner",
    )
    now["date_of_birth"] = pd.to_datetime(now["date_of_birth"])
    now["uasc"] = now["uasc"].astype(bool)
    now["in_care"] = now["in_care"].astype(bool)
    now = now[PEOPLE_COLUMNS].sort_values("person_id").reset_index(drop=True)
    return {"people": now, "stays": stays}


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def capacity_frame(places: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Planned places by placement type, lot and quarter, from the inventory.

    ``places`` needs placement_type, lot, opens_on, closes_on (the place's) and p_opens,
    p_closes (its provision's), and optionally ``block`` (its provision is block-contracted:
    paid for whether filled or not). A place counts in a quarter if it is open on the
    quarter's first day, so an opening mid-quarter counts from the next quarter (a cautious
    reading). ``block`` in the result counts the block-contracted places among ``places``.
    """
    first = quarter_start(as_of)
    quarters = pd.date_range(pd.Timestamp(first), periods=QUARTERS_AHEAD, freq="QS")
    frame = places.copy()
    for col in ("opens_on", "closes_on", "p_opens", "p_closes"):
        frame[col] = pd.to_datetime(frame.get(col))
    opens = frame[["opens_on", "p_opens"]].max(axis=1)
    closes = frame[["closes_on", "p_closes"]].min(axis=1)
    # every type and lot the inventory holds gets a row in every quarter, 0 when none of
    # its places is open: a missing row would let the model carry a neighbouring quarter's
    # count into a quarter with no places at all
    kinds = sorted(set(zip(frame["placement_type"], frame["lot"], strict=True)))
    block = (
        frame["block"].fillna(False).astype(bool)
        if "block" in frame
        else pd.Series(False, index=frame.index)
    )
    rows = []
    for q in quarters:
        open_now = (opens.isna() | (opens <= q)) & (closes.isna() | (closes > q))
        counts = frame[open_now].groupby(["placement_type", "lot"]).size().to_dict()
        blocks = frame[open_now & block].groupby(["placement_type", "lot"]).size().to_dict()
        for ptype, lot in kinds:
            rows.append(
                {
                    "placement_type": ptype,
                    "lot": lot,
                    "quarter_start": q,
                    "places": int(counts.get((ptype, lot), 0)),
                    "block": int(blocks.get((ptype, lot), 0)),
                }
            )
    return pd.DataFrame(rows, columns=["placement_type", "lot", "quarter_start", "places", "block"])


def frames_from_database(session: Session, as_of: date) -> dict[str, pd.DataFrame]:
    """The forecast frames (people, stays, capacity) read from the planner's tables."""
    people = pd.DataFrame(
        [
            {
                "person_id": p.reference,
                "date_of_birth": p.date_of_birth,
                "gender": str(p.gender),
                "uasc": p.uasc,
                "in_care": p.in_care,
                "left_service_on": p.left_service_on,
            }
            for p in session.exec(select(YoungPerson))
        ],
        columns=["person_id", "date_of_birth", "gender", "uasc", "in_care", "left_service_on"],
    )
    refs = dict(session.exec(select(YoungPerson.id, YoungPerson.reference)).all())
    provisions = {p.id: p for p in session.exec(select(Provision))}
    places = {p.id: p for p in session.exec(select(Place))}

    def lot_of(place_id: int | None) -> str:
        if place_id is None or place_id not in places:
            return ""
        cohort = str(provisions[places[place_id].provision_id].cohort)
        return "" if cohort == "any" else cohort

    stays = pd.DataFrame(
        [
            {
                "person_id": refs[s.young_person_id],
                "placement_type": str(s.placement_type),
                "lot": lot_of(s.place_id),
                "start": s.start_date,
                "end": s.end_date,
                "suitable": is_suitable(s.placement_type, s.suitable),
            }
            for s in session.exec(select(Stay))
        ],
        columns=STAY_COLUMNS,
    )
    frames = forecast_frames(people, stays, as_of)
    place_rows = _place_rows(provisions, places)
    frames["capacity"] = capacity_frame(place_rows, as_of)
    return frames


def _place_rows(provisions: dict, places: dict) -> pd.DataFrame:
    """One row per place of the inventory, as :func:`capacity_frame` reads them."""

    def lot_of(place_id: int | None) -> str:
        if place_id is None or place_id not in places:
            return ""
        cohort = str(provisions[places[place_id].provision_id].cohort)
        return "" if cohort == "any" else cohort

    place_rows = pd.DataFrame(
        [
            {
                "placement_type": str(provisions[p.provision_id].placement_type),
                "lot": lot_of(p.id),
                "opens_on": p.opens_on,
                "closes_on": p.closes_on,
                "p_opens": provisions[p.provision_id].opens_on,
                "p_closes": provisions[p.provision_id].closes_on,
                "block": str(provisions[p.provision_id].contract) == Contract.block.value,
            }
            for p in places.values()
        ],
        columns=["placement_type", "lot", "opens_on", "closes_on", "p_opens", "p_closes", "block"],
    )
    return place_rows


def inventory_places(session: Session) -> pd.DataFrame:
    """Every place of the inventory, as :func:`capacity_frame` reads them (no young person
    read): read once by whoever sizes the catalogue for several days."""
    provisions = {p.id: p for p in session.exec(select(Provision))}
    places = {p.id: p for p in session.exec(select(Place))}
    return _place_rows(provisions, places)


def capacity_now(session: Session, as_of: date) -> pd.DataFrame:
    """The planned places from the inventory alone: what the scenario catalogue is sized
    from (``forecasts.scenarios.places_now``) and what places needed may be asked about."""
    return capacity_frame(inventory_places(session), as_of)
