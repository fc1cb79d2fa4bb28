"""Adding reports to stored events without clustering the stored events again.

:func:`tracker.core.merge.cluster` is a greedy pass in seed order: each report joins the best
of the clusters it is *eligible* for (every member compatible with it) among those formed
before it. Its outcome is fixed by two facts per report, which storage keeps: the cluster it
joined (its event) and the clusters it was eligible for (its *trace*).

New reports change nothing for a stored report placed before all of them. For a later one,
the clusters before it differ from the stored run only by the new reports that joined them
(as long as no stored report has moved, which is checked). So a stored report needs a look
only when a cluster of its trace (or its own) gained a new member before it, or when it is
compatible with a new report before it; what it is checked against is the new members, not
the whole event. Mean scores are computed only when two or more clusters are eligible and
one of them changed.

When any stored report would choose differently (a split, a chain), the answer is
:class:`Unsettled` and the caller clusters the whole neighbourhood again, as before; the
result is then the same as clustering every report at once, either way. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tracker.core.merge import Report, _CandidateIndex, best_cluster, compatible, seed_order


@dataclass(frozen=True, slots=True)
class Stored:
    """A stored report: its event and the events it was eligible for when placed."""

    report: Report
    block: int
    trace: frozenset[int]


@dataclass(frozen=True, slots=True)
class Extension:
    """What adding the new reports changes.

    ``placed``: new report key -> event id (negative: a new event, numbered -1, -2, ... in
    seed order of their first report). ``traces``: every report whose trace is new or
    changed (may name new events). ``grown``: events that gained reports (new ones
    included) -> all their reports in seed order.
    """

    placed: dict[str, int]
    traces: dict[str, frozenset[int]]
    grown: dict[int, list[Report]]


@dataclass(frozen=True, slots=True)
class Missing:
    """The members of these stored events are needed (a score between several clusters)."""

    blocks: frozenset[int]


@dataclass(frozen=True, slots=True)
class Unsettled:
    """A stored report would be placed differently: cluster the neighbourhood again."""

    reason: str


def extend(
    blocks: Mapping[int, Sequence[Stored]], new: Sequence[Report]
) -> Extension | Missing | Unsettled:
    """Place ``new`` reports among stored events, exactly as clustering everything would.

    ``blocks`` must hold every report of each event given, and include every event that
    holds a report compatible with a new one, and every event of a report whose trace
    names one of those (the caller loads them). Reports of other events are unaffected.
    """
    stored = {s.report.key: s for members in blocks.values() for s in members}
    if not new:
        return Extension({}, {}, {})
    return _extend(stored, new, _partners(list(stored.values()), new))


@dataclass(frozen=True, slots=True)
class Parts:
    """:func:`extend_parts`: what could be placed, and the new reports that could not."""

    extension: Extension
    unsettled: list[Report]


def extend_parts(
    blocks: Mapping[int, Sequence[Stored]],
    new: Sequence[Report],
    stored_partners: Mapping[str, Sequence[str]] | None = None,
) -> Parts | Missing:
    """:func:`extend` for each group of new reports that share no event (directly, through a
    compatible pair or through a trace): the groups that settle are placed, the others are
    left for the caller to cluster again with their neighbourhood. Groups do not interact,
    so placing some first changes nothing for the others.

    ``stored_partners``: when the caller has tested the new reports against the stored ones
    already (new report key -> the keys of every stored report compatible with it), those
    pairs are not tested again; pairs of new reports still are."""
    stored = {s.report.key: s for members in blocks.values() for s in members}
    if stored_partners is None:
        partners = _partners(list(stored.values()), new)
    else:
        partners = _given_partners(stored, new, stored_partners)
    parent: dict[object, object] = {}

    def root(x: object) -> object:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def link(a: object, b: object) -> None:
        parent[root(a)] = root(b)

    for s in stored.values():
        for b in s.trace:
            if b in blocks:
                link(("event", s.block), ("event", b))
    for report in new:
        link(("new", report.key), ("new", report.key))
        for other in partners.get(report.key, ()):
            link(("new", report.key), ("event", stored[other.key].block)
                 if other.key in stored else ("new", other.key))
    groups: dict[object, tuple[dict[int, Sequence[Stored]], list[Report]]] = {}
    for block, members in blocks.items():
        groups.setdefault(root(("event", block)), ({}, []))[0][block] = members
    for report in new:
        groups.setdefault(root(("new", report.key)), ({}, []))[1].append(report)
    placed: dict[str, int] = {}
    traces: dict[str, frozenset[int]] = {}
    grown: dict[int, list[Report]] = {}
    unsettled: list[Report] = []
    missing: set[int] = set()
    made = 0
    for part_blocks, part_new in groups.values():
        if not part_new:
            continue
        part_stored = {s.report.key: s for ms in part_blocks.values() for s in ms}
        result = _extend(part_stored, part_new, partners)
        if isinstance(result, Missing):
            missing |= result.blocks
        elif isinstance(result, Unsettled):
            unsettled += part_new
        else:
            # New events are numbered -1, -2, ... across the groups.
            # (a group's own numbers may have gaps: a renamed cluster keeps its event's id).
            ours = sorted((b for b in result.grown if b < 0), reverse=True)
            fresh = {b: -(made + n + 1) for n, b in enumerate(ours)}
            made += len(fresh)
            placed.update({k: fresh.get(b, b) for k, b in result.placed.items()})
            traces.update(
                {k: frozenset(fresh.get(b, b) for b in t) for k, t in result.traces.items()}
            )
            grown.update({fresh.get(b, b): ms for b, ms in result.grown.items()})
    if missing:
        return Missing(frozenset(missing))
    return Parts(Extension(placed, traces, grown), unsettled)


def _extend(
    stored: Mapping[str, Stored], new: Sequence[Report], partners: Mapping[str, list[Report]]
) -> Extension | Missing | Unsettled:
    fresh = {r.key: r for r in new}
    order = sorted([s.report for s in stored.values()] + list(new), key=seed_order)
    first_new = min(i for i, r in enumerate(order) if r.key in fresh)

    members: dict[int, list[Report]] = {}  # the clusters so far, by event id
    added: dict[int, list[Report]] = {}  # the new reports among them
    head: dict[int, int] = {}  # position of each cluster's first report (its age)
    block_of: dict[str, int] = {}
    traces: dict[str, frozenset[int]] = {}
    placed: dict[str, int] = {}
    missing: set[int] = set()
    next_block = -1

    def join(position: int, report: Report, block: int) -> None:
        members.setdefault(block, []).append(report)
        head.setdefault(block, position)
        block_of[report.key] = block

    for position, report in enumerate(order):
        if report.key in fresh:
            seen = {block_of[p.key] for p in partners.get(report.key, ()) if p.key in block_of}
            eligible = sorted(
                (b for b in seen if all(compatible(report, m) for m in members[b])),
                key=head.__getitem__,
            )
            chosen = best_cluster(report, [(b, members[b]) for b in eligible])
            if chosen is None:
                chosen, next_block = next_block, next_block - 1
            traces[report.key] = frozenset(eligible)
            placed[report.key] = chosen
            added.setdefault(chosen, []).append(report)
            join(position, report, chosen)
            continue
        own = stored[report.key]
        if position > first_new:
            verdict = _recheck(report, own, members, added, head, partners, block_of)
            if isinstance(verdict, Unsettled):
                return verdict
            if isinstance(verdict, Missing):
                missing |= verdict.blocks
            elif isinstance(verdict, _Renamed):
                # A new report now heads this report's event: its cluster is that event.
                _rename(verdict.block, own.block, members, added, head, block_of, placed, traces)
                traces[report.key] = verdict.trace
            elif verdict is not None:
                traces[report.key] = verdict
        join(position, report, own.block)
    if missing:
        return Missing(frozenset(missing))
    return Extension(placed, traces, {b: members[b] for b in added})


def _partners(stored: Sequence[Stored], new: Sequence[Report]) -> dict[str, list[Report]]:
    """Report key -> the reports compatible with it, for every pair with a new report."""
    found: dict[str, dict[str, Report]] = {}
    _pair_compatible(found, new, [*(s.report for s in stored), *new])
    return {key: list(reports.values()) for key, reports in found.items()}


def _given_partners(
    stored: Mapping[str, Stored], new: Sequence[Report], given: Mapping[str, Sequence[str]]
) -> dict[str, list[Report]]:
    """:func:`_partners` from the caller's compatible new-to-stored pairs (the same pairs:
    only which reports are partners matters, not their order)."""
    found: dict[str, dict[str, Report]] = {}
    for report in new:
        for key in given.get(report.key, ()):
            _pair(found, report, stored[key].report)
    _pair_compatible(found, new, new)
    return {key: list(reports.values()) for key, reports in found.items()}


def _pair(found: dict[str, dict[str, Report]], a: Report, b: Report) -> None:
    """Record ``a`` and ``b`` as partners of each other."""
    found.setdefault(a.key, {})[b.key] = b
    found.setdefault(b.key, {})[a.key] = a


def _pair_compatible(
    found: dict[str, dict[str, Report]], new: Sequence[Report], pool: Sequence[Report]
) -> None:
    """Pair every new report with the reports of ``pool`` it is compatible with."""
    index = _CandidateIndex(pool)
    for report in new:
        for other in index.candidates(report):
            if other.key != report.key and compatible(report, other):
                _pair(found, report, other)


def _recheck(
    report: Report,
    own: Stored,
    members: Mapping[int, list[Report]],
    added: Mapping[int, list[Report]],
    head: Mapping[int, int],
    partners: Mapping[str, list[Report]],
    block_of: Mapping[str, int],
) -> frozenset[int] | Missing | Unsettled | _Renamed | None:
    """A stored report placed after new ones: its new trace (None when unchanged), or why it
    cannot be settled here."""
    touched = [b for b in (*own.trace, own.block) if added.get(b)]
    # A stored report's partners are new reports; those before it are placed already.
    fresh_before = [block_of[p.key] for p in partners.get(report.key, ()) if p.key in block_of]
    if not touched and not fresh_before:
        return None
    eligible = {
        b for b in own.trace if all(compatible(report, n) for n in added.get(b, ()))
    }
    for b in {*fresh_before, *(b for b in touched if b not in own.trace)}:
        if b in eligible:
            continue
        # A cluster whose stored reports before this one were not all compatible with it
        # stays ineligible; one made only of new reports so far is checked whole.
        if len(members.get(b, ())) == len(added.get(b, ())) and all(
            compatible(report, m) for m in members.get(b, ())
        ):
            eligible.add(b)
    if not eligible:
        # It starts a cluster: right only if it started its event and nothing came before.
        if own.trace or members.get(own.block):
            return Unsettled(f"{report.key} would start a new event")
        return None
    if len(eligible) == 1:
        chosen = next(iter(eligible))
    else:
        unknown = frozenset(b for b in eligible if b not in members)
        if unknown:
            return Missing(unknown)
        ordered = sorted(eligible, key=head.__getitem__)
        best = best_cluster(report, [(b, members[b]) for b in ordered])
        assert best is not None
        chosen = int(best)
    if chosen != own.block:
        if chosen < 0 and not own.trace and len(members[chosen]) == len(added[chosen]):
            # It headed its event and joins a cluster of new reports only: that cluster is
            # its event with new reports in front (it is renamed so).
            return _Renamed(chosen, frozenset(own.block if b == chosen else b for b in eligible))
        return Unsettled(f"{report.key} would leave its event")
    trace = frozenset(eligible)
    return None if trace == own.trace else trace


@dataclass(frozen=True, slots=True)
class _Renamed:
    """The new cluster ``block`` is the checked report's event (its new trace given)."""

    block: int
    trace: frozenset[int]


def _rename(
    old: int,
    new: int,
    members: dict[int, list[Report]],
    added: dict[int, list[Report]],
    head: dict[int, int],
    block_of: dict[str, int],
    placed: dict[str, int],
    traces: dict[str, frozenset[int]],
) -> None:
    """Call cluster ``old`` (new reports only so far) ``new`` everywhere."""
    members[new] = members.pop(old)
    added[new] = added.pop(old)
    head[new] = head.pop(old)
    for table in (block_of, placed):
        for key, block in table.items():
            if block == old:
                table[key] = new
    for key, trace in traces.items():
        if old in trace:
            traces[key] = frozenset(new if b == old else b for b in trace)
