"""The monthly Monte Carlo microsimulation, vectorised over runs (arrays are runs x people).

Why individual-level: dates of birth make turning 18, 21, 23 and 25 exact, and each stay's
start makes the 18-month framework limit exact; a cohort model with exponential ageing or a
memoryless stay cannot represent either.

One month, for every run at once:

1. everyone ages a month and a month longer in their placement;
2. rules first: at 25 the young person leaves; at 21 they carry on with the drawn
   probability of asking for support, else leave; a stay that reaches a state's limit (18
   months of framework, staying put at 21, supported lodgings at 23, care at 18) must move,
   to a destination drawn from that state's shares without the state itself;
3. otherwise a move happens with the state's monthly probability for the young person's age
   band and time in placement, to a destination drawn from the state's shares (the uniform
   that decided the move, rescaled, picks the destination, so no extra random numbers);
4. assumed arrivals join (UASC only while the council's UASC in care are below the transfer
   threshold);
5. in the capacity-constrained pass, moves into a full service are resolved by the stated
   overflow rule (see :mod:`forecasts.capacity`).

Arrivals take the next free column of their run, and every year the columns of young people
who have left are compacted away (a stable partition per run), so the arrays stay about as
wide as the number of young people in the service, not as wide as everyone who ever was.
Both passes use the same random numbers month by month (common random numbers), so the
difference between demand and the constrained outcome is not blurred by noise.

The month's work over the cells (steps 1-5 and the writing of each month's moves) is
compiled (:mod:`forecasts.kernels`); the random numbers are drawn here, with numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecasts.arrivals import STREAMS, ArrivalStream
from forecasts.capacity import CapacityPlan, allocate
from forecasts.kernels import (
    AGE_GONE,
    IN_CARE,
    KNOWN,
    NEVER,
    NOT_WAITING,
    UASC,
    compact_columns,
    month_cells,
    place_arrivals,
    settle_month,
    stays_end,
)
from forecasts.parameters import RunParameters
from forecasts.vocabulary import (
    AGE_BAND_STARTS,
    DURATION_BAND_STARTS,
    MOVE_ON_TYPES,
    PracticeRules,
    StateSpace,
)

COMPACT_EVERY = 12  # months between compactions of the columns of leavers


@dataclass(frozen=True)
class Population:
    """The young people now (one entry per person)."""

    state: np.ndarray  # int16
    age_months: np.ndarray  # int16, whole months at as_of
    months_in_placement: np.ndarray  # int16
    in_care: np.ndarray  # bool
    uasc: np.ndarray  # bool


@dataclass
class SimulationResult:
    """Counts recorded at the end of each month (first axis = month, second = run)."""

    stock: np.ndarray  # (M, R, S) young people per state
    waiting: np.ndarray  # (M, R, S) in unsuitable accommodation for want of a place of state
    turning_18_known: np.ndarray  # (M, R) young people in care now who turned 18
    turning_18_assumed: np.ndarray  # (M, R) arrivals in care who turned 18
    expiries: np.ndarray  # (M, R, S) stays ended by a maximum-months rule
    arrivals: np.ndarray  # (M, R, streams)
    uasc_in_care: np.ndarray  # (M, R) at the start of the month
    overflowed: np.ndarray  # (M, R) moves that ended in unsuitable accommodation this month
    # constrained pass only: young people waiting for a place, by the state they wait for
    queued: np.ndarray | None = None  # (M, R, S) all waiting, wherever they wait
    waited_long: np.ndarray | None = None  # (M, R, S) waiting longer than the set wait
    wait_months: np.ndarray | None = None  # (M, R) months waited so far, summed over waiters
    wait_started: np.ndarray | None = None  # (M, R) waits that began this month
    # where each month's change in a state's stock came from (end = start + arrived +
    # moved_in - moved_out - exited, exactly, per run), and who of the stock is UASC
    arrived: np.ndarray | None = None  # (M, R, S) new to the service, into the state
    moved_in: np.ndarray | None = None  # (M, R, S) from another state of the service
    moved_out: np.ndarray | None = None  # (M, R, S) to another state of the service
    exited: np.ndarray | None = None  # (M, R, S) left the service from the state
    move_on: np.ndarray | None = None  # (M, R, S) moves from the state into a move-on type
    stock_uasc: np.ndarray | None = None  # (M, R, S) UASC and former UASC young people


class _Columns:
    """The arrays of one pass: runs x columns, one young person per cell."""

    # in the order the compiled passes unpack them (``forecasts.kernels``)
    FIELDS = (
        "state",
        "age",
        "dur",
        "due",
        "flags",
        "cut",
        "band_due",
        "wanted",
        "wait_from",
    )

    def __init__(self, runs: int, width: int, left: int) -> None:
        self.state = np.full((runs, width), left, dtype=np.int16)
        self.age = np.full((runs, width), AGE_GONE, dtype=np.int16)
        self.dur = np.zeros((runs, width), dtype=np.int16)
        self.due = np.full((runs, width), NEVER, dtype=np.int16)
        # in care, UASC and known now as bits of one array: one read or write for all three
        self.flags = np.zeros((runs, width), dtype=np.uint8)
        self.wanted = np.full((runs, width), -1, dtype=np.int16)
        self.wait_from = np.full((runs, width), NOT_WAITING, dtype=np.int16)
        # the monthly probability of a move as a cut-off for 32 random bits (see ``_cuts``),
        # kept per cell and looked up again only when it can change: in the month
        # ``band_due`` (the next birthday or time in placement that starts a new band, or the
        # month after the young person moved or arrived)
        self.cut = np.zeros((runs, width), dtype=np.uint32)
        self.band_due = np.full((runs, width), NEVER, dtype=np.int16)
        self.filled = np.zeros(runs, dtype=np.int64)
        self.left = left

    @property
    def width(self) -> int:
        return int(self.filled.max(initial=0))

    def cells(self) -> tuple[np.ndarray, ...]:
        """The arrays as the compiled passes take them (in ``FIELDS`` order)."""
        return tuple(getattr(self, name) for name in self.FIELDS)

    def compact(self) -> None:
        """Move each run's young people still in the service to its first columns."""
        compact_columns(self.cells(), self.width, self.left, self.filled)


class Engine:
    """Runs one pass (demand, or capacity-constrained) for all runs at once."""

    def __init__(
        self,
        states: StateSpace,
        rules: PracticeRules,
        population: Population,
        params: RunParameters,
        streams: dict[str, ArrivalStream],
        months: int,
        seed: int,
    ) -> None:
        self.states = states
        self.population = population
        self.params = params
        self.streams = streams
        self.months = months
        self.runs = params.continue_21.shape[0]
        self.seed = seed
        self.n_a, n_d = len(AGE_BAND_STARTS), len(DURATION_BAND_STARTS)
        ages = np.arange(2**16, dtype=np.int64)
        ages = np.where(ages >= 2**15, 0, ages)  # negative ages (gone) index the top half
        self.band_of_age = np.searchsorted(np.array(AGE_BAND_STARTS[1:]) * 12, ages, "right")
        self.band_of_age = self.band_of_age.astype(np.int16)
        self.age_key = (self.band_of_age * n_d).astype(np.int16)
        durs = np.arange(2**15)
        self.dur_key = np.searchsorted(np.array(DURATION_BAND_STARTS[1:]), durs, "right")
        self.dur_key = self.dur_key.astype(np.int16)
        # months until the next age band and time-in-placement band begin (NEVER past the last)
        self.dur_gap = _gaps(np.array(DURATION_BAND_STARTS[1:]), durs)
        self.max_months = np.full(states.size, NEVER, dtype=np.int32)
        self.max_age = np.full(states.size, NEVER, dtype=np.int32)
        for i, name in enumerate(states.names):
            rule = rules.rule(name)
            if rule.max_months is not None:
                self.max_months[i] = rule.max_months
            if rule.max_age is not None:
                self.max_age[i] = round(rule.max_age * 12)
        self.move_on_type = states.mask(lambda n: n in MOVE_ON_TYPES)
        self.leaving_age = round(rules.leaving_age * 12)
        self.review_age = round(rules.review_age * 12)
        self.care_age = round(rules.care_leaving_age * 12)
        # the ages at which something happens: a new age band, leaving care, the review at 21
        edges = sorted({*(a * 12 for a in AGE_BAND_STARTS[1:]), self.care_age, self.review_age})
        self.age_gap = _gaps(np.array(edges), ages)
        self.age_gap[2**15 :] = NEVER  # the gone
        self.row_stride = params.leave_probability.shape[1]  # one row of rates per run
        self.state_stride = self.n_a * n_d
        self.leave_flat = params.leave_probability.ravel()
        self.cut_flat = _cuts(self.leave_flat)
        destinations = np.concatenate(
            [params.destination_cumulative, params.forced_cumulative], axis=1
        )
        # one row per run and (state, age band, forced or not): rows are taken by a flat index
        self.destination_rows = destinations.shape[1]
        self.destinations = destinations.reshape(-1, destinations.shape[2])
        self.forced_rows = params.destination_cumulative.shape[1]
        # the month's compiled passes read their look-ups as one table (rows: age key, age
        # gap, band of age, time-in-placement key and gap, by age or time as stored) and
        # their strides and ages as one vector (``forecasts.kernels``)
        self.tables = np.zeros((5, len(ages)), dtype=np.int32)
        self.tables[0], self.tables[1] = self.age_key, self.age_gap
        self.tables[2] = self.band_of_age
        self.tables[3, : len(durs)], self.tables[4, : len(durs)] = self.dur_key, self.dur_gap
        self.sizes = np.array(
            [
                self.row_stride,
                self.state_stride,
                self.n_a,
                states.size,
                self.destination_rows,
                self.forced_rows,
                self.care_age,
                self.review_age,
                self.leaving_age,
                states.left,
            ],
            dtype=np.int64,
        )
        rng = np.random.default_rng([seed, 1])
        self.arrival_counts = {
            name: rng.poisson(params.arrival_rate[name][None, :], size=(months, self.runs))
            for name in STREAMS
        }
        total = np.sum([c.astype(np.int64) for c in self.arrival_counts.values()], axis=(0, 1))
        self.capacity_width = len(population.state) + int(total.max(initial=0))
        # per pass: who waits for a place (see ``allocate``), and UASC in care per run
        self.waiters: tuple[np.ndarray, np.ndarray] | None = None
        self.uasc_care = np.zeros(self.runs, dtype=np.int64)

    def _start(self) -> _Columns:
        pop = self.population
        n0 = len(pop.state)
        cols = _Columns(self.runs, self.capacity_width, self.states.left)
        cols.state[:, :n0] = pop.state
        cols.age[:, :n0] = pop.age_months
        cols.dur[:, :n0] = pop.months_in_placement
        in_care = pop.in_care & (pop.age_months < self.care_age)
        cols.flags[:, :n0] = in_care * IN_CARE | pop.uasc * UASC | KNOWN
        cols.due[:, :n0] = stays_end(
            -1,
            pop.state,
            pop.age_months,
            pop.months_in_placement,
            self.max_months,
            self.max_age,
            self.leaving_age,
        )
        # looked up in the first month (never for anyone recorded as having left)
        cols.band_due[:, :n0] = np.where(pop.state == self.states.left, NEVER, 0)
        cols.filled[:] = n0
        return cols

    def run(self, plan: CapacityPlan | None = None) -> SimulationResult:
        """Simulate every month; ``plan`` switches on the capacity-constrained pass."""
        runs, months, n_s = self.runs, self.months, self.states.size
        cols = self._start()
        out = SimulationResult(
            stock=np.zeros((months, runs, n_s), dtype=np.int16),
            waiting=np.zeros((months, runs, n_s), dtype=np.int16),
            turning_18_known=np.zeros((months, runs), dtype=np.int16),
            turning_18_assumed=np.zeros((months, runs), dtype=np.int16),
            expiries=np.zeros((months, runs, n_s), dtype=np.int16),
            arrivals=np.zeros((months, runs, len(STREAMS)), dtype=np.int16),
            uasc_in_care=np.zeros((months, runs), dtype=np.int16),
            overflowed=np.zeros((months, runs), dtype=np.int16),
        )
        for name in ("arrived", "moved_in", "moved_out", "exited", "move_on", "stock_uasc"):
            setattr(out, name, np.zeros((months, runs, n_s), dtype=np.int16))
        if plan is not None:
            out.queued = np.zeros((months, runs, n_s), dtype=np.int16)
            out.waited_long = np.zeros((months, runs, n_s), dtype=np.int16)
            out.wait_months = np.zeros((months, runs), dtype=np.int32)
            out.wait_started = np.zeros((months, runs), dtype=np.int16)
        stock = _count(
            np.arange(runs).repeat(len(self.population.state)),
            np.tile(self.population.state, runs),
            runs,
            n_s,
        )
        uasc_now = self.population.state[self.population.uasc]
        self.uasc_stock = _count(
            np.arange(runs).repeat(len(uasc_now)), np.tile(uasc_now, runs), runs, n_s
        )
        self.waiters = None
        pop = self.population
        in_care_now = pop.in_care & (pop.age_months < self.care_age) & pop.uasc
        self.uasc_care = np.full(runs, int(in_care_now.sum()), dtype=np.int64)
        for m in range(months):
            if m and m % COMPACT_EVERY == 0:
                cols.compact()
                self.waiters = None  # the columns moved: find the waiters by a scan
            stock = self._month(m, cols, stock, plan, out)
            stock[:, self.states.left] = 0
            out.stock[m] = stock
            self.uasc_stock[:, self.states.left] = 0
            out.stock_uasc[m] = self.uasc_stock  # type: ignore[index]  # set above
        return out

    def _month(self, m, cols: _Columns, stock, plan, out) -> np.ndarray:
        runs, n_s = self.runs, self.states.size
        p = self.params
        w = cols.width
        rng = np.random.default_rng([self.seed, 2, m])
        bits = _random_bits(rng, runs * w)
        # one compiled pass over the cells (``forecasts.kernels.month_cells``): ageing, the
        # move probability looked up again where it can have changed, and each cell with an
        # event resolved as it is found: turning 18, exits, and moves with their destination
        exits = np.empty((2, runs * w), dtype=np.int64)  # pages are touched only as written
        moves = np.empty((4, runs * w), dtype=np.int64)
        forced_moves = np.empty(runs * w, dtype=bool)
        n_ex, n_mv = month_cells(
            m,
            w,
            bits,
            cols.cells(),
            self.tables,
            self.cut_flat,
            self.leave_flat,
            p.continue_21,
            self.destinations,
            self.max_months,
            self.sizes,
            out.turning_18_known[m],
            out.turning_18_assumed[m],
            self.uasc_care,
            out.expiries[m],
            exits,
            moves,
            forced_moves,
        )
        r_ex, c_ex = exits[0, :n_ex], exits[1, :n_ex]
        r_mv, c_mv = moves[0, :n_mv], moves[1, :n_mv]
        s_mv, dest = moves[2, :n_mv].astype(np.int16), moves[3, :n_mv].astype(np.int16)
        f_mv = forced_moves[:n_mv]

        r_ar, c_ar, s_ar = self._arrivals(m, rng, cols, out)
        if plan is None:
            r_go = np.concatenate([r_mv, r_ar])
            c_go = np.concatenate([c_mv, c_ar])
            s_go = np.concatenate([dest, s_ar])
        else:
            r_go, c_go, s_go, self.waiters = allocate(
                plan=plan,
                month=m,
                rng=rng,
                stock=stock,
                state=cols.state,
                wanted=cols.wanted,
                movers=(r_mv, c_mv, s_mv, dest, f_mv),
                leavers=(r_ex, c_ex),
                arrivals=(r_ar, c_ar, s_ar),
                overflowed=out.overflowed[m],
                age=cols.age,
                wait_from=cols.wait_from,
                waiting=self.waiters,
            )
        # the exits and moves written into the cells, and the month's flows counted, in one
        # compiled pass (``forecasts.kernels.settle_month``)
        arrived, moved_in, moved_out, went_from, move_on = np.zeros((5, runs, n_s), np.int64)
        gone = np.zeros((runs, n_s), dtype=np.int64)
        settle_month(
            m,
            cols.cells(),
            np.stack([r_ex, c_ex]),
            np.stack([r_go, c_go, s_go.astype(np.int64)]),
            self.max_months,
            self.max_age,
            self.move_on_type,
            self.sizes,
            self.uasc_care,
            self.uasc_stock,
            (gone, arrived, moved_in, moved_out, went_from, move_on),
        )
        out.arrived[m], out.moved_in[m], out.moved_out[m] = arrived, moved_in, moved_out
        out.exited[m], out.move_on[m] = gone + went_from, move_on
        # the change in each state's stock; the column of "left" is not kept (set to 0)
        stock = stock - gone + arrived + moved_in - moved_out - went_from
        if plan is not None:
            self._record_waits(m, cols, plan, out)
        return stock

    def _record_waits(self, m, cols: _Columns, plan: CapacityPlan, out) -> None:
        """Who waits for a place at the month-end: in unsuitable accommodation (``waiting``,
        as before), anywhere (``queued``), past the set wait (``waited_long``), how long."""
        runs, n_s = self.runs, self.states.size
        wanted = cols.wanted
        r_w, c_w = self.waiters if self.waiters is not None else np.nonzero(wanted >= 0)
        d_w = wanted[r_w, c_w]
        where = cols.state[r_w, c_w]
        unsuitable = (
            plan.is_unsuitable[where]
            if plan.is_unsuitable is not None
            else np.ones(len(r_w), dtype=bool)
        )
        out.waiting[m] = _count(r_w[unsuitable], d_w[unsuitable], runs, n_s)
        out.queued[m] = _count(r_w, d_w, runs, n_s)
        since = cols.wait_from[r_w, c_w].astype(np.int64)
        waited = m - since  # whole months since the wait began
        long = waited >= plan.max_wait_months - 1e-9  # a set wait of 0: counted at once
        out.waited_long[m] = _count(r_w[long], d_w[long], runs, n_s)
        out.wait_months[m] = np.bincount(r_w, weights=waited, minlength=runs).astype(np.int32)
        out.wait_started[m] = np.bincount(r_w[since == m], minlength=runs)

    def _arrivals(self, m, rng, cols: _Columns, out):
        """Place this month's arrivals in each run's next free columns."""
        pieces = []
        for k, name in enumerate(STREAMS):
            counts = self.arrival_counts[name][m].astype(np.int64)
            if name == "uasc":
                held = self.uasc_care
                out.uasc_in_care[m] = held
                counts = np.minimum(counts, np.clip(self.params.nts_threshold - held, 0, None))
            out.arrivals[m, :, k] = counts
            total = int(counts.sum())
            if total == 0:
                continue
            stream = self.streams[name]
            pick = rng.integers(0, len(stream.state), size=total)
            pieces.append(
                place_arrivals(
                    counts,
                    pick,
                    (stream.state, stream.age_months, stream.in_care, stream.uasc),
                    self.care_age,
                    cols.filled,
                    cols.cells(),
                    self.uasc_care,
                )
            )
        if not pieces:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty.astype(np.int16)
        r, c, state = (np.concatenate([piece[i] for piece in pieces]) for i in range(3))
        return r, c, state


def _cuts(probability: np.ndarray) -> np.ndarray:
    """Each float32 probability ``p`` as the cut-off ``c`` for 32 random bits ``b`` with
    ``b <= c`` exactly when the float32 uniform numpy makes of ``b``, ``(b >> 8) / 2**24``,
    is below ``p`` (``c = 256 * ceil(p * 2**24) - 1``; 0 for ``p = 0``, where a draw of 0
    also passes and is left out by the caller). Comparing the bits with the cut-off gives the
    same moves as drawing float32 uniforms, with half the work of making them."""
    steps = np.ceil(probability.astype(np.float64) * 2.0**24).astype(np.int64)
    return np.maximum(steps * 256 - 1, 0).astype(np.uint32)


def _random_bits(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` draws of 32 random bits: the ones ``rng.random(n, dtype=np.float32)`` would turn
    into uniforms (two per 64-bit output, low half first), leaving ``rng`` where it would."""
    raw = rng.bit_generator.random_raw((n + 1) // 2)
    if n % 2:  # the generator keeps the unused high half for its next 32-bit draw
        state = dict(rng.bit_generator.state)
        state["has_uint32"], state["uinteger"] = 1, int(raw[-1] >> np.uint64(32))
        rng.bit_generator.state = state
    return raw.view(np.uint32)[:n]


def _gaps(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each value, how many months until it reaches the next edge above it (NEVER if
    none): the month a band changes."""
    pos = np.searchsorted(edges, values, side="right")
    nxt = np.append(edges, NEVER)[pos]
    return np.where(pos < len(edges), nxt - values, NEVER).astype(np.int32)


def _count(runs_of: np.ndarray, states_of: np.ndarray, runs: int, n_states: int) -> np.ndarray:
    """(runs, states) counts of the given (run, state) pairs."""
    flat = runs_of.astype(np.int64) * n_states + states_of
    return np.bincount(flat, minlength=runs * n_states).reshape(runs, n_states)
