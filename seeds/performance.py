"""How well each 镇街 and department works: persistent profiles that the seed and the
simulator share, so the demo city's scoreboard spreads from A to D the way real ones do.

Every town and professional department gets a quality `q` (0 is typical, higher is better),
fixed by the random seed. Qualities sit on a ladder of normal quantiles, so every seed
gives the same spread (a few clearly behind, a few clearly ahead) and only who is where
changes. Town centres (街道) lean better resourced and water towns behind, as a tendency.
A case's quality mixes its department's with its town's (the town hosts, guides and
verifies the work). From it follow, per case:

- the handling time as a share of the limit (median HANDLE_SHARE at q = 0),
- the chance that a case which goes overdue is left open for weeks (积案, the backlog),
- the chance that verification fails and the case is reworked (返工).

The targets and sources are in seeds/PROVENANCE.md ("Performance of towns and departments").
"""
from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

TOWN_MEAN, TOWN_SPREAD = 0.0, 1.0  # quality ladder of the 32 towns
LAGGARD_TAIL = 0.2  # the ladder's lower end reaches further down: a few towns fall well behind
DEPARTMENT_MEAN, DEPARTMENT_SPREAD = 0.3, 0.6  # ladder of the professional departments
PROFILE_LEAN = {"centre": 0.5, "industrial": 0.0, "mixed": -0.35}  # tendency, in ladder steps' noise units
DEPARTMENT_SHARE, TOWN_SHARE = 0.7, 0.45  # a professional department's case: 0.7 q_dept + 0.45 q_town

HANDLE_SHARE = 0.55  # median handling time / limit at q = 0
HANDLE_SLOWDOWN = 0.55  # speed factor exp(-HANDLE_SLOWDOWN * q)
HANDLE_SIGMA = 0.8  # spread of one case's handling time around its median (lognormal)
BACKLOG_AT_ZERO, BACKLOG_SLOPE, BACKLOG_MAX = 0.4, 0.6, 0.9  # P(left open | overdue)
BACKLOG_DAYS, BACKLOG_SIGMA = 100, 1.0  # how long a left-open case waits past its deadline (median)
REWORK_AT_ZERO, REWORK_SLOPE = 0.035, 0.6  # P(rework)


def _ladder(count: int, mean: float, spread: float, tail: float = 0.0) -> np.ndarray:
    """`count` qualities at the normal quantiles (i + 0.5) / count, lowest first; `tail`
    stretches the part below the median down (by tail * z², a long tail of laggards)."""
    z = np.array([NormalDist().inv_cdf((i + 0.5) / count) for i in range(count)])
    return mean + spread * z - tail * np.minimum(z, 0) ** 2


def case_hash(ids) -> np.ndarray:
    """A fixed pseudo-random number in [0, 1) per case id (Knuth's multiplicative hash), so the
    seed and the simulator make the same once-per-case decision without storing it."""
    ids = np.asarray(ids, dtype=np.uint64)
    return ((ids * np.uint64(2654435761)) % np.uint64(2**32)).astype(float) / 2**32


@dataclass
class Performance:
    town_quality: np.ndarray  # by town index
    department_quality: dict  # professional department id -> quality
    town_of_department: dict  # town department id -> town index

    def quality(self, department_ids, town_index) -> np.ndarray:
        """The quality of cases handled by `department_ids` in towns `town_index` (arrays)."""
        town_q = self.town_quality[np.asarray(town_index, dtype=int)]
        dept_q = np.array([self.department_quality.get(d, np.nan) for d in department_ids], dtype=float)
        return np.where(np.isnan(dept_q), town_q, DEPARTMENT_SHARE * dept_q + TOWN_SHARE * town_q)


def speed(quality) -> np.ndarray:
    """Handling time factor: 1 at q = 0, higher is slower."""
    return np.exp(-HANDLE_SLOWDOWN * np.asarray(quality))


def backlog_chance(quality) -> np.ndarray:
    """P(an overdue case is left open for weeks)."""
    return np.clip(BACKLOG_AT_ZERO * np.exp(-BACKLOG_SLOPE * np.asarray(quality)), 0.0, BACKLOG_MAX)


def rework_chance(quality) -> np.ndarray:
    return np.clip(REWORK_AT_ZERO * np.exp(-REWORK_SLOPE * np.asarray(quality)), 0.005, 0.25)


def build(seed: int, towns, departments) -> Performance:
    """Profiles for the demo city of `seed`; `departments` are (id, code, name, kind, region_code)."""
    rng = np.random.default_rng([seed, 12])
    lean = np.array([PROFILE_LEAN[t.profile] for t in towns])
    order = np.argsort(lean + rng.normal(0, 0.8, len(towns)))  # worst first
    town_quality = np.empty(len(towns))
    town_quality[order] = _ladder(len(towns), TOWN_MEAN, TOWN_SPREAD, LAGGARD_TAIL)
    professional = [d for d in departments if d[3] == "professional"]
    ladder = _ladder(len(professional), DEPARTMENT_MEAN, DEPARTMENT_SPREAD)[rng.permutation(len(professional))]
    town_at = {t.code: i for i, t in enumerate(towns)}
    return Performance(
        town_quality=town_quality,
        department_quality={d[0]: float(q) for d, q in zip(professional, ladder)},
        town_of_department={d[0]: town_at[d[4]] for d in departments if d[3] == "town"},
    )
