"""The batch assignment method (pure: no database): one proposed agency per subject, never over an agency's capacity
or a legal representative's national cap (第二十四条). See docs/matching.md.

The method is a min-cost flow, solved by successive shortest augmenting paths:

    source -> subject (1 each) -> agency (offered only, cost = -fit score) -> legal representative group
    (the agency's remaining capacity) -> sink (the group's national headroom; unlimited outside national evaluations)

Each augmentation places one more subject, moving already placed subjects between agencies when that is cheaper,
so the result places as many subjects as the capacities allow and, among such assignments, has the highest total fit
score. Subjects only ever enter as "moves", so the graph Dijkstra runs on is compressed to the agencies and groups
(about 60 nodes); each agency pair keeps a heap of its cheapest move, so a batch of 500 subjects by 30 agencies takes
a fraction of a second in pure Python.
"""
import heapq
from dataclasses import dataclass

METHOD = "容量内整体匹配度最高"  # stored with each batch (AssignmentBatch.method) and in the generated reason
NO_OFFERED = "没有可对接的机构（均已暂停、取消资格、未认可或国家级评价已满）"
CAPACITY_FULL = "可对接的机构本年度容量已满"
CAP_FULL = "可对接机构的法定代表人本年度国家级评价项目已满（第二十四条）"
ONLY_MARKED = "可对接的机构均有需说明的情形，未作建议；如需发送请选择机构并填写理由"


@dataclass
class Proposal:
    subject_id: int
    agency_id: int | None  # None: nobody could take it (why says why)
    score: float | None = None
    top: bool = False  # the proposal is the subject's recommended row (set by batch_operations.plan)
    why: str = ""


def solve(options, remaining, group_of=None, headroom=None):
    """{subject_id: agency_id or None}.

    options: {subject_id: [(agency_id, score), …]} the offered agencies only; remaining: {agency_id: free slots}
    (an agency missing from it has none); group_of: {agency_id: group key} (the legal representative) and headroom:
    {group key: free national slots}, both None when no shared cap applies.
    """
    agency_ids = sorted({a for rows in options.values() for a, _ in rows})
    A = len(agency_ids)
    index = {a: i for i, a in enumerate(agency_ids)}
    if group_of is None:
        group_keys = [("agency", a) for a in agency_ids]
        group_index = list(range(A))
        gfree = [len(options) + 1] * A
    else:
        group_keys = sorted({group_of[a] for a in agency_ids}, key=str)
        gpos = {g: i for i, g in enumerate(group_keys)}
        group_index = [gpos[group_of[a]] for a in agency_ids]
        gfree = [max(0, int(headroom.get(g, 0))) for g in group_keys]
    G = len(group_keys)
    T = A + G  # the sink; nodes: agencies 0..A-1, groups A..A+G-1
    free = [max(0, int(remaining.get(a, 0))) for a in agency_ids]
    members = [[] for _ in range(G)]
    for i, g in enumerate(group_index):
        members[g].append(i)

    subjects = list(options)
    top = max((round(score * 100) for rows in options.values() for _, score in rows), default=0)
    # integer costs, all positive: each unit of flow crosses exactly one more subject->agency edge than it undoes,
    # so the shift by `top + 1` adds the same to every assignment of a given size and changes no choice
    cost = [{index[a]: top + 1 - round(score * 100) for a, score in options[s]} for s in subjects]
    placed = [-1] * len(subjects)
    count = [0] * A  # flow agency -> group: subjects of the batch at the agency
    entry = [[] for _ in range(A)]  # (cost, subject) over subjects not yet placed
    for k, row in enumerate(cost):
        for i, c in row.items():
            entry[i].append((c, k))
    for heap in entry:
        heapq.heapify(heap)
    moves = [[[] for _ in range(A)] for _ in range(A)]  # moves[i][j]: (cost change, subject) for subjects at i
    potential = [0] * (T + 1)
    INF = float("inf")

    def place(k, i):
        placed[k] = i
        for j, c in cost[k].items():
            if j != i:
                heapq.heappush(moves[i][j], (c - cost[k][i], k))

    def cheapest_entry(i):
        heap = entry[i]
        while heap and placed[heap[0][1]] != -1:
            heapq.heappop(heap)
        return heap[0] if heap else None

    def cheapest_move(i, j):
        heap = moves[i][j]
        while heap and placed[heap[0][1]] != i:
            heapq.heappop(heap)
        return heap[0] if heap else None

    while True:
        dist = [INF] * (T + 1)
        pred = [None] * (T + 1)  # (previous node or None for the source, subject moved or entering)
        queue = []
        for i in range(A):
            best = cheapest_entry(i)
            if best is not None:
                d = best[0] - potential[i]
                if d < dist[i]:
                    dist[i], pred[i] = d, (None, best[1])
                    heapq.heappush(queue, (d, i))
        done = [False] * (T + 1)
        while queue:
            d, u = heapq.heappop(queue)
            if done[u] or d > dist[u]:
                continue
            done[u] = True
            if u == T:
                break
            edges = []
            if u < A:
                for j in range(A):
                    if j != u and not done[j]:
                        best = cheapest_move(u, j)
                        if best is not None:
                            edges.append((j, best[0], best[1]))
                if free[u] > 0:
                    edges.append((A + group_index[u], 0, None))
            else:
                g = u - A
                for i in members[g]:
                    if count[i] > 0:
                        edges.append((i, 0, None))
                if gfree[g] > 0:
                    edges.append((T, 0, None))
            for v, c, k in edges:
                nd = d + c + potential[u] - potential[v]
                if nd < dist[v]:
                    dist[v], pred[v] = nd, (u, k)
                    heapq.heappush(queue, (nd, v))
        if dist[T] == INF:
            break
        for v in range(T + 1):
            potential[v] += min(dist[v], dist[T])
        path, v = [], T
        while v is not None:
            u, k = pred[v]
            path.append((u, v, k))
            v = u
        for u, v, k in reversed(path):
            if u is None:
                place(k, v)
            elif u < A and v < A:
                place(k, v)
            elif u < A:
                count[u] += 1
                free[u] -= 1
            elif v == T:
                gfree[u - A] -= 1
            else:
                count[v] -= 1
                free[v] += 1
    return {s: (agency_ids[placed[k]] if placed[k] != -1 else None) for k, s in enumerate(subjects)}


def propose(ranked, remaining, group_of=None, headroom=None):
    """{subject_id: Proposal} from candidates() output ({subject_id: [Candidate]}, best first; excluded ones are
    skipped): solve() over the offered agencies' scores, then why a subject got none. Whether a proposal is the
    subject's recommended row is matching's to say (batch_operations.plan sets Proposal.top)."""
    options = {s: [(c.agency.id, c.score) for c in rows if c.offered] for s, rows in ranked.items()}
    chosen = solve(options, remaining, group_of, headroom)
    proposals = {}
    for s, rows in options.items():
        agency_id = chosen[s]
        if agency_id is not None:
            score = dict(rows)[agency_id]
            proposals[s] = Proposal(s, agency_id, score)
        elif not rows:
            proposals[s] = Proposal(s, None, why=NO_OFFERED)
        elif group_of is not None and all(headroom.get(group_of[a], 0) <= 0 for a, _ in rows):
            proposals[s] = Proposal(s, None, why=CAP_FULL)
        else:
            proposals[s] = Proposal(s, None, why=CAPACITY_FULL)
    return proposals


def propose_from_options(options, remaining, group_of=None, headroom=None):
    """propose() over plain {subject_id: [(agency_id, score)]} options (best first)."""
    class _Row:
        def __init__(self, agency_id, score):
            self.agency = type("A", (), {"id": agency_id})
            self.score, self.offered = score, True
    return propose({s: [_Row(a, score) for a, score in rows] for s, rows in options.items()}, remaining, group_of,
                   headroom)


def generated_reason(method=METHOD):
    """The reason stored with a proposal that is not the subject's recommended row (capacity made the method pick a
    lower one)."""
    return f"批量分配：推荐的机构容量不足，按“{method}”分配"
