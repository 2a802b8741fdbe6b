"""The counts one audit report can publish, and the linear identities between them.

Every count a table could publish is a *variable*; every linear identity that holds
between them, for any population consistent with what the report shows, is an
*equation*:

* within a by-group row: n = positives + negatives = tp + fp + fn + tn, positives = tp + fn,
  negatives = fp + tn, selected = tp + fp; within a calibration row: n = positives + negatives;
* a group's n, positives and negatives are the sums of its calibration rows, and its
  confusion cells are the calibration rows of the bands wholly on (or wholly off) the list
  plus the unpublished split (listed x outcome) of any band the cutoff cuts;
* across features: the groups of two features that cover the same families (a group and
  the intersection groups inside it; every group, against the overall row) add up to the
  same count, column by column, band by band (also for the unpublished split counts).

The reader is assumed to know every published count exactly (rounding is ignored: published
rates and rounded counts can give exact counts back), which groups occur together, which
score bands are empty and which bands the cutoff splits (the report shows the cutoff and
each band's score range). :meth:`CountSystem.failures` says which sensitive counts the
published ones determine, exactly: unit propagation through the equations, then the rank
of each remaining connected block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

N, POS, NEG, SEL, TP, FP, FN, TN = range(8)
CONFUSION = (TP, FP, FN, TN)
CAL = 3  # calibration counts per row: n, positives, negatives


@dataclass(frozen=True)
class Links:
    """How the audit's tables are tied together, from the row-level data (never published).

    Attributes
    ----------
    cells : tuple of ndarray
        Per feature, all families first: counts of shape (groups, 2 listed, 2 outcome, bands).
        By-group rows are the groups in this order (the first is the overall row);
        calibration rows are each feature's (group, band) cells holding families.
    pairs : tuple of (int, int, ndarray, ndarray)
        Features ``i < j`` and the block of each of their groups: groups of one block
        cover the same families. Only pairs with more than one block, plus every feature
        against all families, are kept (the others add nothing).
    """

    cells: tuple[np.ndarray, ...]
    pairs: tuple[tuple[int, int, np.ndarray, np.ndarray], ...]


def _blocks(a: np.ndarray, n_a: int, b: np.ndarray, n_b: int) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the groups of two codings (linked where a family has both)."""
    parent = np.arange(n_a + n_b)

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for x, y in np.unique(np.column_stack([a, b + n_a]), axis=0):
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[ry] = rx
    roots = np.array([find(x) for x in range(n_a + n_b)])
    _, labels = np.unique(roots, return_inverse=True)
    return labels[:n_a], labels[n_a:]


def build_links(codes: Sequence[np.ndarray], cells: Sequence[np.ndarray]) -> Links:
    """:class:`Links` from each feature's group code per row and cell counts (all families first)."""
    sizes = [c.shape[0] for c in cells]
    pairs = [(0, i, np.zeros(1, dtype=np.int64), np.zeros(sizes[i], dtype=np.int64)) for i in range(1, len(cells))]
    for i in range(1, len(cells)):
        for j in range(i + 1, len(cells)):
            bi, bj = _blocks(codes[i], sizes[i], codes[j], sizes[j])
            if bi.max() > 0:
                pairs.append((i, j, bi, bj))
    return Links(cells=tuple(np.asarray(c) for c in cells), pairs=tuple(pairs))


class CountSystem:
    """Variables (counts), their true values and the equations between them."""

    def __init__(self, links: Links, limit: int):
        cells = links.cells
        self.limit = limit
        self.pairs = links.pairs
        self.row_start = np.cumsum([0] + [c.shape[0] for c in cells])
        self.n_rows = int(self.row_start[-1])
        self.row_feature = np.repeat(np.arange(len(cells)), [c.shape[0] for c in cells])
        self.feature_groups = np.array([c.shape[0] for c in cells])
        everyone = cells[0][0]
        listed, families = everyone[1].sum(axis=0), everyone.sum(axis=(0, 1))
        self.on = (listed == families) & (families > 0)
        self.off = listed == 0
        self.split = np.flatnonzero(~self.on & ~self.off)
        values, cal_ids, cal_values, cal_row_of = [], [], [], []
        occupied = families > 0  # bands holding families: every group has a calibration row there
        for f, c in enumerate(cells):
            conf = c.sum(axis=-1)
            tp, fp, fn, tn = conf[:, 1, 1], conf[:, 1, 0], conf[:, 0, 1], conf[:, 0, 0]
            values.append(np.column_stack([tp + fp + fn + tn, tp + fn, fp + tn, tp + fp, tp, fp, fn, tn]))
            per_band = c.sum(axis=1)  # (groups, outcome, bands)
            ids = -np.ones(per_band[:, 0, :].shape, dtype=np.int64)
            present = np.broadcast_to(occupied, ids.shape)
            ids[present] = np.arange(present.sum()) + len(cal_row_of)
            cal_ids.append(ids)
            g, b = np.nonzero(present)
            cal_values.append(np.column_stack([per_band[g, :, b].sum(axis=1), per_band[g, 1, b], per_band[g, 0, b]]))
            cal_row_of += list(self.row_start[f] + g)
        self.bg_values = np.vstack(values).astype(float)
        self.cal_ids = cal_ids
        self.cal_row_of = np.array(cal_row_of, dtype=np.int64)
        self.n_cal = len(cal_row_of)
        self.cal_values = np.vstack(cal_values).astype(float) if cal_values else np.zeros((0, CAL))
        self.cal_base = self.n_rows * 8
        self.m_base = self.cal_base + self.n_cal * CAL
        # split-band counts: one variable per (row, split band, listed, outcome) holding families
        self.m_ids, m_values = [], []
        next_id = self.m_base
        for f, c in enumerate(cells):
            ids = -np.ones((c.shape[0], len(self.split), 2, 2), dtype=np.int64)
            for t, b in enumerate(self.split):
                for g in np.flatnonzero(cal_ids[f][:, b] >= 0):
                    ids[g, t] = np.arange(4).reshape(2, 2) + next_id
                    m_values += c[g, :, :, b].ravel().tolist()
                    next_id += 4
            self.m_ids.append(ids)
        self.n_vars = next_id
        self.values = np.concatenate([self.bg_values.ravel(), self.cal_values.ravel(), np.array(m_values, float)])
        self._equations()

    def bg(self, f: int, g, column: int):
        return (self.row_start[f] + np.asarray(g)) * 8 + column

    def cal(self, f: int, g: int, b: int, column: int) -> int:
        j = self.cal_ids[f][g, b]
        return -1 if j < 0 else self.cal_base + j * CAL + column

    def _equations(self):
        eqs: list[tuple[list[int], list[int]]] = []

        def add(plus, minus=()):
            plus, minus = [v for v in plus if v >= 0], [v for v in minus if v >= 0]
            if plus or minus:
                eqs.append((plus + minus, [1] * len(plus) + [-1] * len(minus)))

        n_bands = self.on.size
        self.defs = []  # (variable, rhs variables, coefficients), each rhs defined earlier or never
        split_of = {int(b): t for t, b in enumerate(self.split)}
        for f, ids in enumerate(self.cal_ids):
            for g in range(ids.shape[0]):
                v = [int(self.bg(f, g, c)) for c in range(8)]
                for target, cells in ((SEL, (TP, FP)), (POS, (TP, FN)), (NEG, (FP, TN)), (N, CONFUSION)):
                    self.defs.append((v[target], [v[c] for c in cells], [1.0] * len(cells)))
                for b in np.flatnonzero(ids[g] >= 0):
                    if int(b) in split_of:
                        m = self.m_ids[f][g, split_of[int(b)]]
                        self.defs.append((self.cal(f, g, b, POS), [int(m[1, 1]), int(m[0, 1])], [1.0, 1.0]))
                        self.defs.append((self.cal(f, g, b, NEG), [int(m[1, 0]), int(m[0, 0])], [1.0, 1.0]))
                    self.defs.append((self.cal(f, g, b, N), [self.cal(f, g, b, POS), self.cal(f, g, b, NEG)],
                                      [1.0, 1.0]))
        for f, ids in enumerate(self.cal_ids):
            for g in range(ids.shape[0]):
                v = [int(self.bg(f, g, c)) for c in range(8)]
                add([v[N]], [v[POS], v[NEG]])
                add([v[N]], [v[TP], v[FP], v[FN], v[TN]])
                add([v[POS]], [v[TP], v[FN]])
                add([v[NEG]], [v[FP], v[TN]])
                add([v[SEL]], [v[TP], v[FP]])
                bands = range(n_bands)
                for c in range(CAL):
                    add([v[c]], [self.cal(f, g, b, c) for b in bands])
                for b in np.flatnonzero(ids[g] >= 0):
                    add([self.cal(f, g, b, N)], [self.cal(f, g, b, POS), self.cal(f, g, b, NEG)])
                m = self.m_ids[f][g]
                for listed, pos_cell, neg_cell in ((1, TP, FP), (0, FN, TN)):
                    full = np.flatnonzero(self.on if listed else self.off)
                    add([v[pos_cell]], [self.cal(f, g, b, POS) for b in full] + list(m[:, listed, 1]))
                    add([v[neg_cell]], [self.cal(f, g, b, NEG) for b in full] + list(m[:, listed, 0]))
                for t, b in enumerate(self.split):
                    add([self.cal(f, g, b, POS)], list(m[t, :, 1]))
                    add([self.cal(f, g, b, NEG)], list(m[t, :, 0]))
        for i, j, bi, bj in self.pairs:
            for block in range(int(bi.max()) + 1):
                gi, gj = np.flatnonzero(bi == block), np.flatnonzero(bj == block)
                for c in range(8):
                    add(list(self.bg(i, gi, c)), list(self.bg(j, gj, c)))
                for b in range(n_bands):
                    for c in range(CAL):
                        add([self.cal(i, g, b, c) for g in gi], [self.cal(j, g, b, c) for g in gj])
                for t in range(len(self.split)):
                    for cell in range(4):
                        add(list(self.m_ids[i][gi, t].reshape(len(gi), 4)[:, cell]),
                            list(self.m_ids[j][gj, t].reshape(len(gj), 4)[:, cell]))
        self.def_target = np.array([d[0] for d in self.defs], dtype=np.int64)
        self.eq_ptr = np.cumsum([0] + [len(e[0]) for e in eqs])
        self.eq_var = np.array([v for e in eqs for v in e[0]], dtype=np.int64)
        self.eq_coef = np.array([c for e in eqs for c in e[1]], dtype=float)
        self.n_eqs = len(eqs)
        self.eq_of = np.repeat(np.arange(self.n_eqs), np.diff(self.eq_ptr))
        order = np.argsort(self.eq_var, kind="stable")
        self.var_eq = self.eq_of[order]
        self.var_ptr = np.searchsorted(self.eq_var[order], np.arange(self.n_vars + 1))
        self.structural = np.zeros(self.n_vars, dtype=bool)
        self.structural = self._peel(np.ones(self.n_vars, dtype=bool))[0]

    def _peel(self, unknown: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unknowns fixed one at a time by an equation in which they are the only unknown."""
        unknown = unknown & ~self.structural
        count = np.bincount(self.eq_of, weights=unknown[self.eq_var].astype(float), minlength=self.n_eqs)
        count = count.astype(np.int64)
        determined = np.zeros(self.n_vars, dtype=bool)
        via = -np.ones(self.n_vars, dtype=np.int64)
        queue = list(np.flatnonzero(count == 1))
        while queue:
            e = queue.pop()
            if count[e] != 1:
                continue
            members = self.eq_var[self.eq_ptr[e]:self.eq_ptr[e + 1]]
            free = members[unknown[members] & ~determined[members]]
            if free.size != 1:
                continue
            v = int(free[0])
            determined[v], via[v] = True, e
            for e2 in self.var_eq[self.var_ptr[v]:self.var_ptr[v + 1]]:
                count[e2] -= 1
                if count[e2] == 1:
                    queue.append(int(e2))
        return determined, via

    def _blocks_of(self, remaining: np.ndarray) -> list[np.ndarray]:
        """Groups of remaining unknowns tied together through equations (label propagation)."""
        on = remaining[self.eq_var]
        eq, var = self.eq_of[on], self.eq_var[on]
        label = np.arange(self.n_vars)
        while True:
            low = np.full(self.n_eqs, self.n_vars)
            np.minimum.at(low, eq, label[var])
            new = label.copy()
            np.minimum.at(new, var, low[eq])
            new = new[new]
            if np.array_equal(new, label):
                break
            label = new
        ids = np.flatnonzero(remaining)
        order = np.argsort(label[ids], kind="stable")
        return np.split(ids[order], np.flatnonzero(np.diff(label[ids][order])) + 1) if ids.size else []

    def _rank_determined(self, remaining: np.ndarray, sensitive: np.ndarray) -> np.ndarray:
        """Remaining unknowns fixed by the equations jointly (only blocks holding a sensitive count).

        Within a block, the defining equations (a row's margins from its cells, a calibration
        row's n from its outcome counts, a split band's counts from its split) are substituted
        first; a variable is fixed when it is orthogonal to every null vector of what is left.
        """
        out = np.zeros(self.n_vars, dtype=bool)
        for members in self._blocks_of(remaining):
            if sensitive[members].any():
                out[members] = self._fixed_in(members)
        return out

    def _fixed_in(self, members: np.ndarray) -> np.ndarray:
        local = -np.ones(self.n_vars, dtype=np.int64)
        local[members] = np.arange(members.size)
        rows = {}  # eliminated variable (local) -> {kept local column: coefficient}
        for d in np.flatnonzero(local[self.def_target] >= 0):
            v, rhs, coefs = self.defs[d]
            row = {}
            for u, a in zip(rhs, coefs, strict=True):
                if local[u] < 0:
                    continue
                for col, b in rows.get(local[u], {local[u]: 1.0}).items():
                    row[col] = row.get(col, 0.0) + a * b
            rows[local[v]] = row
        gone = np.zeros(members.size, dtype=bool)
        gone[list(rows)] = True
        keep = np.flatnonzero(~gone)
        kept = -np.ones(members.size, dtype=np.int64)
        kept[keep] = np.arange(keep.size)
        # substitution x = S x_kept as triplets (member, kept column, coefficient)
        src = [keep, np.array([v for v, row in rows.items() for _ in row], dtype=np.int64)]
        dst = [np.arange(keep.size), kept[np.array([c for row in rows.values() for c in row], dtype=np.int64)]]
        val = [np.ones(keep.size), np.array([a for row in rows.values() for a in row.values()], dtype=float)]
        src, dst, val = np.concatenate(src), np.concatenate(dst), np.concatenate(val)
        order = np.argsort(src, kind="stable")
        src, dst, val = src[order], dst[order], val[order]
        start = np.searchsorted(src, np.arange(members.size))
        count = np.diff(np.append(start, src.size))
        on = local[self.eq_var] >= 0
        eqs, eq_row = np.unique(self.eq_of[on], return_inverse=True)
        var, coef = local[self.eq_var[on]], self.eq_coef[on]
        reps = count[var]
        pick = np.repeat(start[var] - np.cumsum(np.append(0, reps[:-1])), reps) + np.arange(reps.sum())
        matrix = np.zeros((eqs.size, keep.size))
        np.add.at(matrix, (np.repeat(eq_row, reps), dst[pick]), np.repeat(coef, reps) * val[pick])
        matrix = matrix[np.abs(matrix).sum(axis=1) > 1e-9]
        if not keep.size:
            return np.ones(members.size, dtype=bool)
        if not matrix.size:
            return np.zeros(members.size, dtype=bool)
        w, vecs = np.linalg.eigh(matrix.T @ matrix)
        null = vecs[:, w < 1e-9 * max(w.max(), 1.0)]
        test = np.zeros((members.size, keep.size))
        np.add.at(test, (src, dst), val)
        return np.linalg.norm(test @ null, axis=1) < 1e-6

    def failures(self, hidden: np.ndarray, sensitive: np.ndarray, small: np.ndarray, ignored=(),
                 quick: bool = False) -> list[tuple]:
        """Failures of the rule, in a stable order: ("determined", var, via) or ("sum", equation).

        ``quick`` skips the rank step: every failure it reports is real (a count it finds
        determined is; a one-sign sum over a superset of the free counts bounds the true
        one, or a small count in it is determined), but it may miss some.
        """
        unknown = hidden.copy()
        unknown[self.m_base:] = True
        peeled, via = self._peel(unknown)
        remaining = unknown & ~peeled & ~self.structural
        ranked = np.zeros_like(remaining) if quick else self._rank_determined(remaining, sensitive)
        out = [("determined", int(v), int(via[v])) for v in np.flatnonzero((peeled | ranked) & sensitive)]
        free = remaining & ~ranked
        f = free[self.eq_var]

        def per_equation(weights):
            return np.bincount(self.eq_of, weights=np.asarray(weights, dtype=float), minlength=self.n_eqs)

        plus, minus = per_equation(f & (self.eq_coef > 0)), per_equation(f & (self.eq_coef < 0))
        total = per_equation(np.where(f, self.values[self.eq_var], 0.0))
        tiny = per_equation(f & small[self.eq_var])
        one_sign = ((plus > 0) & (minus == 0)) | ((minus > 0) & (plus == 0))
        out += [("sum", int(e)) for e in np.flatnonzero(one_sign & (tiny > 0) & (total < self.limit))
                if int(e) not in ignored]
        self._last = (peeled, via, ranked, free)
        return out

    def candidates(self, failure: tuple, hidden: np.ndarray) -> set[int]:
        """Published counts the failure rests on: its equation's, and those that fixed its known terms."""
        peeled, via, ranked, _ = self._last

        def equations_of(v):
            return [int(e) for e in self.var_eq[self.var_ptr[v]:self.var_ptr[v + 1]]]

        if failure[0] == "sum":
            start = [failure[1]]
        else:
            start = [failure[2]] if failure[2] >= 0 else equations_of(failure[1])
        published, seen, stack = set(), set(start), list(start)
        while stack:
            e = stack.pop()
            for u in self.eq_var[self.eq_ptr[e]:self.eq_ptr[e + 1]]:
                u = int(u)
                if u < self.m_base and not hidden[u]:
                    published.add(u)
                    continue
                more = [int(via[u])] if peeled[u] else equations_of(u) if ranked[u] else []
                for e2 in more:
                    if e2 not in seen:
                        seen.add(e2)
                        stack.append(e2)
        return published
