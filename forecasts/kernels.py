"""The microsimulation's per-cell month, compiled (numba), one pass over the cells.

Why compiled: a month must age every young person in every run, look up the move
probability again for those whose band, state or rule changes, and test every cell's draw.
In numpy each of those steps is a pass (or a gather that touches nearly every cache line)
over 760,000 cells for the demo and 7.6 million at ten times its size, about twenty-five a
month; one loop does them all in a single pass and gathers the few cells with an event as it
finds them. The logic is the numpy engine's, cell for cell, and so are the results (the
engine's outputs are compared bit for bit with the numpy engine's in
``benchmarks/forecast_compare.py``).

``cache=True`` keeps the compiled code beside the module (or in the user's cache when that
folder is read-only), so only the first forecast after an install pays the compilation.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numba
import numpy as np
from numba import literal_unroll, njit

# numba's settings (read from NUMBA_* variables when numba is imported); untyped
_NUMBA_CONFIG: Any = numba.config


def _cache_folder() -> str | None:
    """Where numba keeps the compiled passes when this package's folder is read-only (an
    installed package run by a service account): numba itself would then try the user's
    cache folder and, if there is none (no writable home), refuse to import this module at
    all. So a folder is chosen here: the user's cache folder, else the temporary folder
    (compiled again after a reboot: a few seconds once). None when numba's own choice works
    (a writable package folder) or the operator set ``NUMBA_CACHE_DIR``."""
    if _NUMBA_CONFIG.CACHE_DIR or os.access(Path(__file__).parent, os.W_OK):
        return None
    home = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    for folder in (
        Path(home) / "care-leaver-planner" / "numba",
        Path(tempfile.gettempdir()) / f"care-leaver-planner-numba-{user}",
    ):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            return str(folder)
    return None


_NUMBA_CONFIG.CACHE_DIR = _cache_folder() or _NUMBA_CONFIG.CACHE_DIR

# The engine's constants live here, where the compiled code reads them as constants;
# forecasts.simulation and forecasts.capacity import them.
NEVER = 32000  # a rule that never fires
AGE_GONE = -30000  # the age stored for a column whose young person has left
NOT_WAITING = 32000  # the wait_from of a young person who is not waiting
UNLIMITED = 1_000_000  # the room of a type with no planned places
# the bits of a cell's ``flags``: in care now, UASC (or former UASC), and known (in the
# service at the start, not an assumed arrival)
IN_CARE, UASC, KNOWN = 1, 2, 4
TINY = np.float32(1e-12)  # a move probability never divides by less
SCALE = np.float32(2.0**-24)  # numpy's float32 uniform is (bits >> 8) * 2**-24


@njit(cache=True, nogil=True, inline="always")
def _uniform(b):
    """The float32 uniform numpy's ``Generator.random`` makes of 32 random bits ``b``."""
    return np.float32(b >> 8) * SCALE


@njit(cache=True, nogil=True)
def uniforms(bits):
    """``_uniform`` of each of ``bits`` (the engine's own formula, for tests)."""
    out = np.empty(len(bits), np.float32)
    for k in range(len(bits)):
        out[k] = _uniform(bits[k])
    return out


@njit(cache=True, nogil=True, inline="always")
def _stay_ends(m, state, age, dur, max_months, max_age, leaving_age):
    """The month in which a rule will end this stay (in month ``m`` the young person is
    ``age`` months old and ``dur`` months into it): its maximum months, the state's
    maximum age or the leaving age, whichever comes first; -1 if already past, NEVER if no
    rule applies."""
    months_left = min(max_months[state] - dur, min(max_age[state], leaving_age) - age)
    return min(max(m + months_left, -1), NEVER)


@njit(cache=True, nogil=True)
def stays_end(m, states, ages, durs, max_months, max_age, leaving_age):
    """``_stay_ends`` for each young person (the starting population)."""
    out = np.empty(len(states), np.int16)
    for k in range(len(states)):
        out[k] = _stay_ends(
            m, states[k], np.int64(ages[k]), np.int64(durs[k]), max_months, max_age, leaving_age
        )
    return out


@njit(cache=True, nogil=True)
def month_cells(  # noqa: PLR0913, PLR0915 - the engine's arrays, passed once each
    m,
    w,
    bits,
    cells,
    tables,
    cut_flat,
    leave_flat,
    continue_21,
    destinations,
    max_months,
    sizes,
    turning_known,
    turning_assumed,
    uasc_care,
    expiries,
    exits,
    moves,
    forced_moves,
):
    """One month of every young person in every run (the first ``w`` columns), in one pass.

    1. Everyone ages a month and a month longer in their placement.
    2. Where ``band_due`` has come (a new age or time-in-placement band, 18 or 21, a stay a
       rule ends, the month after a move or arrival), the move probability's cut-off is
       looked up again, with the month it next can change.
    3. An event is a draw at or below the cut-off, or a rule, 18 or 21 that must end the
       stay. Turning 18 in care ends care (counted per run, known or assumed, and off the
       UASC in care); a rule's end at the leaving age, or no support asked for at 21, is an
       exit; a draw under the move probability (the uniform the draw makes, rescaled, picks
       the destination from the run's table for the state and age band), or a rule's end
       before the leaving age (the table without the state itself), is a move. A rule's end
       at a maximum-months limit is an expiry.

    ``tables`` holds the per-age and per-time look-ups (rows: age key, age gap, band of age,
    then time key and time gap padded), ``sizes`` the strides and ages (see
    ``Engine._sizes``). Exits go to ``exits`` (run, column), moves to ``moves`` (run,
    column, state, destination) and ``forced_moves`` (whether a rule forced it), in run and
    column order. Returns the numbers of exits and moves."""
    row_stride, state_stride, n_a, n_s = sizes[0], sizes[1], sizes[2], sizes[3]
    destination_rows, forced_rows = sizes[4], sizes[5]
    care_age, review_age, leaving_age = sizes[6], sizes[7], sizes[8]
    age_key, age_gap, band_of_age = tables[0], tables[1], tables[2]
    dur_key, dur_gap = tables[3], tables[4]
    state, age, dur, due, flags, cut, band_due = cells[:7]
    runs = state.shape[0]
    width = destinations.shape[1]
    n_ex = 0
    n_mv = 0
    for r in range(runs):
        if _warm(r, row_stride, destination_rows, cut_flat, leave_flat, destinations):
            n_ex += 1  # never happens (the sum is not negative); the reads must stay
        for c in range(w):
            a = age[r, c] + 1
            d = dur[r, c] + 1
            age[r, c] = a
            dur[r, c] = d
            band = a & 0xFFFF  # a gone column's negative age indexes the top half
            du = due[r, c]
            forced = du <= m
            must = False
            if band_due[r, c] <= m:
                key = r * row_stride + state[r, c] * state_stride + age_key[band] + dur_key[d]
                cut[r, c] = cut_flat[key]
                gap = min(age_gap[band], dur_gap[d])
                band_due[r, c] = min(min(m + gap, max(du, m + 1)), NEVER)
                must = forced or a in (care_age, review_age)
            b = bits[r * w + c]
            ct = cut[r, c]
            if not (must or b <= ct):
                continue
            u = _uniform(b)
            fl = flags[r, c]
            if a == care_age and (fl & IN_CARE) != 0:  # turns 18 in care
                if fl & KNOWN:
                    turning_known[r] += 1
                else:
                    turning_assumed[r] += 1
                if fl & UASC:
                    uasc_care[r] -= 1
                flags[r, c] = fl & ~np.uint8(IN_CARE)
            review = a == review_age and not forced
            if (forced and a >= leaving_age) or (review and u >= continue_21[r]):
                exits[0, n_ex] = r
                exits[1, n_ex] = c
                n_ex += 1
                continue
            natural = b <= ct and ct > 0 and not forced and not review
            if not (natural or forced):
                continue
            s = state[r, c]
            if forced:
                v = u
            else:
                key = r * row_stride + s * state_stride + age_key[band] + dur_key[d]
                v = u / max(leave_flat[key], TINY)
            row = r * destination_rows + s * n_a + band_of_age[band]
            if forced:
                row += forced_rows
            below = 0
            for j in range(width):
                if destinations[row, j] < v:
                    below += 1
            limit = max_months[s]
            if forced and limit < NEVER and d >= limit:
                expiries[r, s] += 1
            moves[0, n_mv] = r
            moves[1, n_mv] = c
            moves[2, n_mv] = s
            moves[3, n_mv] = min(below, n_s - 1)
            forced_moves[n_mv] = forced
            n_mv += 1
    return n_ex, n_mv


@njit(cache=True, nogil=True, inline="always")
def _warm(r, row_stride, destination_rows, cut_flat, leave_flat, destinations):
    """Read run ``r``'s rows of the look-up tables in order before its cells.

    Why: each run has its own drawn rates (about 1.4 KB of cut-offs, as much of
    probabilities and 9 KB of destination shares for the demo), and a run's few dozen
    look-ups fall at random in them, so each would wait for memory; one sequential read lets
    the processor's prefetcher bring the rows in at once (a third off the month's pass,
    measured on the demo)."""
    base = r * row_stride
    seen = np.uint32(0)
    total = np.float32(0)
    for q in range(0, row_stride, 16):  # one read per 64-byte cache line
        seen ^= cut_flat[base + q]
        total += leave_flat[base + q]
    for q in range(destination_rows * r, destination_rows * (r + 1)):
        total += destinations[q, 0]
    return seen == 1 and total < 0


@njit(cache=True, nogil=True)
def settle_month(  # noqa: PLR0913 - the engine's arrays, passed once each
    m,
    cells,
    exits,
    goers,
    max_months,
    max_age,
    move_on_type,
    sizes,
    uasc_care,
    uasc_stock,
    flows,
):
    """Write the month's exits and moves (and arrivals) into the cells, and count its flows.

    The counts go to ``flows``: (gone, arrived, moved_in, moved_out, went_from, move_on),
    runs x states each. Exits (``exits``: run, column) leave the service: counted in
    ``gone`` by the state they leave, off the UASC stock and the UASC in care, and their
    cell is cleared. Each goer
    (``goers``: run, column, new state) is counted once where it goes and once where it comes
    from: ``arrived`` (new to the service), ``moved_in``/``moved_out`` (from another state,
    ``move_on`` if into a move-on type), ``went_from`` (to "left"); a move to the same type
    changes neither. The goer starts a stay (time 0, the month a rule will end it, its move
    probability looked up next month). A goer to "left" is cleared like an exit."""
    state, age, dur, due, flags, cut, band_due, wanted, wait_from = cells
    gone, arrived, moved_in, moved_out, went_from, move_on = flows
    left, leaving_age = sizes[9], sizes[8]
    for k in range(exits.shape[1]):
        r, c = exits[0, k], exits[1, k]
        s = state[r, c]
        fl = flags[r, c]
        gone[r, s] += 1
        if fl & UASC:
            uasc_stock[r, s] -= 1
            if fl & IN_CARE:
                uasc_care[r] -= 1
        _clear(r, c, state, age, due, flags, cut, band_due, wanted, wait_from, left)
    for k in range(goers.shape[1]):
        r, c, to = goers[0, k], goers[1, k], goers[2, k]
        was = state[r, c]
        fl = flags[r, c]
        if fl & UASC:
            uasc_stock[r, to] += 1
            uasc_stock[r, was] -= 1
        if was == left:
            arrived[r, to] += 1
        elif to == left:
            went_from[r, was] += 1
        elif was != to:
            moved_in[r, to] += 1
            moved_out[r, was] += 1
            if move_on_type[to]:
                move_on[r, was] += 1
        dur[r, c] = 0
        if to == left:  # no longer in care (a UASC young person who left before 18 would
            # otherwise count towards the transfer threshold until their birthday)
            if (fl & (IN_CARE | UASC)) == (IN_CARE | UASC):
                uasc_care[r] -= 1
            _clear(r, c, state, age, due, flags, cut, band_due, wanted, wait_from, left)
            continue
        state[r, c] = to
        due[r, c] = _stay_ends(m, to, np.int64(age[r, c]), 0, max_months, max_age, leaving_age)
        # the move probability of the new stay is looked up in next month's pass, where
        # the run's rates are at hand (a look-up now would wait on memory for each goer)
        band_due[r, c] = m + 1


@njit(cache=True, nogil=True, inline="always")
def _clear(r, c, state, age, due, flags, cut, band_due, wanted, wait_from, left):
    """A column whose young person has left: nothing more can happen to it (as a column
    never filled, ``forecasts.simulation._Columns``; the time in placement is left as it
    is)."""
    state[r, c] = left
    age[r, c] = AGE_GONE
    due[r, c] = NEVER
    flags[r, c] = 0
    wanted[r, c] = -1
    wait_from[r, c] = NOT_WAITING
    cut[r, c] = 0
    band_due[r, c] = NEVER


@njit(cache=True, nogil=True)
def compact_columns(cells, w, left, filled):
    """Move each run's young people still in the service (``state`` not ``left``) to its
    first columns, in their order, and those who have left after them, in theirs (a stable
    partition of the first ``w`` columns), in every array of ``cells`` (``state`` first);
    ``filled`` gets each run's count of the first."""
    state = cells[0]
    runs = state.shape[0]
    order = np.empty(w, np.int64)
    for r in range(runs):
        n = 0
        for c in range(w):
            if state[r, c] != left:
                order[n] = c
                n += 1
        filled[r] = n
        k = n
        for c in range(w):
            if state[r, c] == left:
                order[k] = c
                k += 1
        for field in literal_unroll(cells):
            row = field[r]
            before = row[:w].copy()
            for j in range(w):
                row[j] = before[order[j]]


@njit(cache=True, nogil=True)
def overflow_requests(  # noqa: PLR0913 - the overflow rule's inputs, passed once each
    state,
    wanted,
    age,
    wait_from,
    scan_waiters,
    r_wt,
    c_wt,
    movers,
    forced_mv,
    exits,
    arrivals,
    limited,
    is_unsuitable,
    places,
    stock,
):
    """The requests of the overflow rule (``forecasts.capacity.allocate``), in its order:
    those waiting (not moving or leaving this month), then the movers, then the arrivals.

    Waiters are ``r_wt, c_wt`` or, with ``scan_waiters``, every cell with ``wanted >= 0``
    in row-major order. Exits stop waiting (``wanted`` and ``wait_from`` cleared). Returns
    the requests' run, column, first choice, age, priority (0 waiting in unsuitable
    accommodation, 1 a rule ends the stay or an arrival, 2 a chosen move or waiting
    elsewhere), whether each waits already and chose to move (``voluntary``), and each run
    and state's free places: planned places less the stock plus those left by exits and by
    moves that will happen whatever the capacity (forced, or to a type with no limit)."""
    runs, width = state.shape
    n_states = places.shape[1]
    n_mv, n_ex, n_ar = movers.shape[1], exits.shape[1], arrivals.shape[1]
    if scan_waiters:
        n = 0
        for r in range(runs):
            for c in range(width):
                if wanted[r, c] >= 0:
                    n += 1
        r_wt = np.empty(n, np.int64)
        c_wt = np.empty(n, np.int64)
        n = 0
        for r in range(runs):
            for c in range(width):
                if wanted[r, c] >= 0:
                    r_wt[n] = r
                    c_wt[n] = c
                    n += 1
    keep = np.ones(len(r_wt), np.bool_)
    if len(r_wt):  # drop those moving or leaving this month
        busy = np.zeros(runs * width, np.bool_)
        for k in range(n_mv):
            busy[movers[0, k] * width + movers[1, k]] = True
        for k in range(n_ex):
            busy[exits[0, k] * width + exits[1, k]] = True
        for k in range(len(r_wt)):
            keep[k] = not busy[r_wt[k] * width + c_wt[k]]
    n_wt = int(keep.sum())
    total = n_wt + n_mv + n_ar
    r = np.empty(total, np.int64)
    c = np.empty(total, np.int64)
    first = np.empty(total, np.int16)
    priority = np.empty(total, np.int8)
    is_waiting = np.zeros(total, np.bool_)
    voluntary = np.zeros(total, np.bool_)
    i = 0
    for k in range(len(r_wt)):
        if keep[k]:
            r[i], c[i] = r_wt[k], c_wt[k]
            first[i] = wanted[r[i], c[i]]
            unsuitable = is_unsuitable[state[r[i], c[i]]]
            priority[i] = 0 if unsuitable else 2
            is_waiting[i] = True
            voluntary[i] = not unsuitable
            i += 1
    vacated = np.zeros((runs, n_states), np.int64)
    for k in range(n_ex):
        rr, cc = exits[0, k], exits[1, k]
        wanted[rr, cc] = -1
        wait_from[rr, cc] = NOT_WAITING
        vacated[rr, state[rr, cc]] += 1
    for k in range(n_mv):
        r[i], c[i], first[i] = movers[0, k], movers[1, k], movers[3, k]
        priority[i] = 1 if forced_mv[k] else 2
        voluntary[i] = not forced_mv[k]
        if forced_mv[k] or not limited[movers[3, k]]:
            vacated[movers[0, k], movers[2, k]] += 1
        i += 1
    for k in range(n_ar):
        r[i], c[i], first[i] = arrivals[0, k], arrivals[1, k], arrivals[2, k]
        priority[i] = 1
        i += 1
    ages = np.empty(total, np.int32)
    for k in range(total):
        ages[k] = age[r[k], c[k]]
    free = np.empty((runs, n_states), np.int64)
    for rr in range(runs):
        for s in range(n_states):
            if limited[s]:
                free[rr, s] = places[rr, s] - stock[rr, s] + vacated[rr, s]
            else:
                free[rr, s] = UNLIMITED
    return r, c, first, ages, priority, is_waiting, voluntary, free


@njit(cache=True, nogil=True, inline="always")
def _first_eligible(choice, age, table):
    """The first type along the fallback chain from ``choice`` that a young person of this
    age may enter (``CapacityPlan.first_eligible_table``), or -1."""
    if choice < 0:
        return -1
    return table[choice, min(max(age, 0), table.shape[1] - 1)]


@njit(cache=True, nogil=True)
def first_eligible_of(choices, ages, table):
    """``_first_eligible`` of each choice, for a young person of each age."""
    out = np.empty(len(choices), np.int16)
    for k in range(len(choices)):
        out[k] = _first_eligible(choices[k], ages[k], table)
    return out


@njit(cache=True, nogil=True)
def overflow_admit(  # noqa: PLR0912, PLR0913, PLR0915 - the rule's loop, as in capacity.allocate
    month,
    requests,
    tie,
    limited,
    fallback,
    table,
    max_tries,
    unsuitable,
    overflowed,
    wanted,
    wait_from,
):
    """The overflow rule's attempts (``forecasts.capacity.allocate``) over the requests of
    ``overflow_requests``, and who waits after them.

    Each attempt: a choice with no limit is taken; for a limited one, everyone asking for
    the same run and type gets a place if there is room for them all, else the places go
    by priority and then at random (``tie``); whoever is refused and did not choose to move
    tries the next type along the fallback chain they may enter (none after the last
    attempt); who chose to move, or waits already (at the last attempt), stays. Who must
    move and found nowhere goes to unsuitable accommodation (counted in ``overflowed``).
    Everyone refused a limited first choice waits for it (``wanted``; ``wait_from`` keeps
    the month a wait began). Returns those who go (run, column, state, in request order)
    and those who wait (run, column, in row-major order)."""
    r, c, first, ages, priority, is_waiting, voluntary, free = requests
    n = len(r)
    n_states = free.shape[1]
    free_flat = free.reshape(-1)
    first_choice = first_eligible_of(first, ages, table)
    final = np.full(n, -1, np.int16)
    choice = first_choice.copy()
    is_open = np.ones(n, np.bool_)
    asked = np.zeros(free_flat.shape[0], np.int64)
    asking = np.empty(n, np.int64)
    groups = np.empty(n, np.int64)
    admitted = np.empty(n, np.bool_)
    crowded = np.empty(n, np.int64)
    for attempt in range(max_tries + 1):
        n_ask = 0
        for k in range(n):
            if is_open[k] and choice[k] >= 0:
                if not limited[choice[k]]:
                    final[k] = choice[k]
                    is_open[k] = False
                else:
                    asking[n_ask] = k
                    groups[n_ask] = r[k] * n_states + choice[k]
                    n_ask += 1
        if n_ask == 0:
            break
        for q in range(n_ask):
            asked[groups[q]] += 1
        n_crowded = 0
        for q in range(n_ask):
            admitted[q] = asked[groups[q]] <= free_flat[groups[q]]
            if not admitted[q]:
                crowded[n_crowded] = q
                n_crowded += 1
        if n_crowded:
            keys = np.empty(n_crowded, np.float64)
            for j in range(n_crowded):
                q = crowded[j]
                keys[j] = groups[q] * 8.0 + priority[asking[q]] + tie[asking[q]]
            order = np.argsort(keys, kind="mergesort")
            start = 0
            for j in range(n_crowded):
                q = crowded[order[j]]
                if j > 0 and groups[q] != groups[crowded[order[j - 1]]]:
                    start = j
                admitted[q] = j - start < free_flat[groups[q]]
        for q in range(n_ask):
            asked[groups[q]] = 0
        for q in range(n_ask):
            if admitted[q]:
                k = asking[q]
                final[k] = choice[k]
                free_flat[groups[q]] -= 1
                is_open[k] = False
        for q in range(n_ask):
            if admitted[q]:
                continue
            k = asking[q]
            if voluntary[k] or (is_waiting[k] and attempt >= max_tries):
                is_open[k] = False
            if not voluntary[k]:
                if attempt < max_tries:
                    choice[k] = _first_eligible(fallback[choice[k]], ages[k], table)
                else:
                    choice[k] = -1
    n_go = 0
    go = np.empty((3, n), np.int64)
    waits = np.zeros(n, np.bool_)
    for k in range(n):
        nowhere = (is_open[k] or (final[k] < 0 and not voluntary[k] and not is_waiting[k])) and (
            final[k] < 0
        )
        sent = nowhere and not is_waiting[k]
        if sent:
            final[k] = unsuitable
            overflowed[r[k]] += 1
        refused = final[k] < 0 or sent
        waits[k] = refused and first_choice[k] >= 0 and limited[first_choice[k]]
        rr, cc = r[k], c[k]
        wanted[rr, cc] = first_choice[k] if waits[k] else -1
        if not waits[k]:
            wait_from[rr, cc] = NOT_WAITING
        elif wait_from[rr, cc] == NOT_WAITING:
            wait_from[rr, cc] = month
        if final[k] >= 0:
            go[0, n_go], go[1, n_go], go[2, n_go] = rr, cc, final[k]
            n_go += 1
    width = wanted.shape[1]
    n_w = int(waits.sum())
    cells = np.empty(n_w, np.int64)
    j = 0
    for k in range(n):
        if waits[k]:
            cells[j] = r[k] * width + c[k]
            j += 1
    cells = cells[np.argsort(cells)]
    return go[:, :n_go], cells // width, cells % width


@njit(cache=True, nogil=True)
def place_arrivals(counts, pick, stream, care_age, filled, cells, uasc_care):
    """Put one stream's arrivals this month in each run's next free columns: ``counts`` per
    run, ``pick`` the recorded arrival each copies (``stream``: their state, age in months,
    in care, UASC). An arrival is in care only under the age care ends; not known now (an
    assumed arrival). Returns their run, column and state, run by run."""
    stream_state, stream_age, stream_in_care, stream_uasc = stream
    state, age, dur, due, flags, cut, band_due, wanted, wait_from = cells
    total = len(pick)
    runs_of = np.empty(total, np.int64)
    columns = np.empty(total, np.int64)
    states = np.empty(total, np.int16)
    i = 0
    for r in range(len(counts)):
        for j in range(counts[r]):
            p = pick[i]
            c = filled[r] + j
            a = np.int16(stream_age[p])
            in_care = stream_in_care[p] and a < care_age
            uasc = stream_uasc[p]
            if in_care and uasc:
                uasc_care[r] += 1
            age[r, c] = a
            dur[r, c] = 0
            flags[r, c] = (IN_CARE if in_care else 0) | (UASC if uasc else 0)
            wanted[r, c] = -1
            wait_from[r, c] = NOT_WAITING
            runs_of[i], columns[i], states[i] = r, c, stream_state[p]
            i += 1
        filled[r] += counts[r]
    return runs_of, columns, states
