"""fastrp: FastRP embeddings, tested by what they are for and against an independent implementation.

On the generated smart city (3,000 twins) with a tenth of the relationships held out: the engine's
vectors equal a numpy FastRP built from the same random projection (splitmix64, reimplemented
here) on the undirected union graph; the held-out relationships score above random unrelated
pairs by cosine (ROC AUC well above 0.5, the figure printed); the same seed gives the same
vectors on 1 and 3 threads, another seed other vectors; dim and the weights are honoured."""
import math
import os
import random
import subprocess

import numpy as np

from twintest import REPO, Database, Tally, run_job

tally = Tally()
check = tally.check
MASK = (1 << 64) - 1
AUC_FLOOR = 0.85  # measured 0.941 on this data


def splitmix_unit(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    z ^= z >> 31
    return (z >> 11) * 2.0 ** -53


def projection(seed, n, d):
    r = np.zeros((n, d))
    for v in range(n):
        for j in range(d):
            u = splitmix_unit(seed ^ ((v * 0x9E3779B97F4A7C15) & MASK) ^ ((j * 0xD1B54A32D192ED03) & MASK))
            r[v, j] = math.sqrt(3) if u < 1 / 6 else -math.sqrt(3) if u < 2 / 6 else 0.0
    return r


def fastrp(neighbours, r, iterations, first_weight, self_weight, beta):
    n = len(neighbours)
    degree = np.array([len(nb) for nb in neighbours], dtype=float)
    scale = np.where(degree > 0, np.power(np.maximum(degree, 1), beta), 1.0)
    current = r * scale[:, None]
    total = self_weight * r
    for i in range(iterations):
        nxt = np.zeros_like(current)
        for v in range(n):
            if neighbours[v]:
                row = current[sorted(neighbours[v])].sum(axis=0)
                norm = np.linalg.norm(row)
                nxt[v] = row / norm if norm > 0 else 0
        total = total + (first_weight if i == 0 else 1.0) * nxt
        current = nxt
    return total


def auc(positive, negative):
    """Mann-Whitney: the chance a held-out pair scores above a random pair (ties count half)."""
    scores = sorted([(s, 1) for s in positive] + [(s, 0) for s in negative])
    rank_sum, i = 0.0, 0
    while i < len(scores):
        j = i
        while j < len(scores) and scores[j][0] == scores[i][0]:
            j += 1
        rank = (i + j + 1) / 2
        rank_sum += rank * sum(1 for k in range(i, j) if scores[k][1])
        i = j
    return (rank_sum - len(positive) * (len(positive) + 1) / 2) / (len(positive) * len(negative))


def vectors(db, column):
    return {t: np.array(v) for t, v in db.query(f"SELECT device_id, {column} FROM features.device_features")}


with Database("fastrp") as db:
    env = dict(os.environ, PGHOST=db.env["PGHOST"], PGPORT=db.env["PGPORT"], PGUSER=db.env["PGUSER"], PGDATABASE=db.name)
    subprocess.run([os.path.join(REPO, "datasets", "load_smart_city.sh"), "--twins", "3000", "--seed", "7"], env=env,
                   check=True, capture_output=True)
    held = db.query("SELECT DISTINCT source_id, target_id FROM twin.relationships"
                    " WHERE abs(hashtext(source_id || '>' || target_id)) % 10 = 0 AND source_id <> target_id")
    db.execute("DELETE FROM twin.relationships WHERE abs(hashtext(source_id || '>' || target_id)) % 10 = 0")
    seed = 1234567
    spec = {"graph": {"layers": ["hierarchy", "relationships"]}, "seed": seed,
            "features": [{"name": "fastrp"},
                         {"name": "fastrp", "dim": 16, "iterations": 2, "first_weight": 0.5, "self_weight": 1,
                          "normalization_strength": -0.5, "column": "fr16"}]}
    run_job(db, spec, env_extra={"TWINGRAPH_THREADS": "1"})
    got64, got16 = vectors(db, "fastrp"), vectors(db, "fr16")

    # The graph as the engine sees it: twins in device_id byte order, the undirected simple union.
    twins = sorted(got64, key=lambda t: t.encode())
    index = {t: i for i, t in enumerate(twins)}
    neighbours = [set() for _ in twins]
    links = db.query("SELECT parent_id, device_id FROM twin.devices WHERE parent_id IS NOT NULL"
                     " UNION ALL SELECT source_id, target_id FROM twin.relationships")
    for a, b in links:
        if a != b:
            neighbours[index[a]].add(index[b])
            neighbours[index[b]].add(index[a])
    for column, got, d, args in (("fastrp", got64, 64, (3, 0.0, 0.0, 0.0)), ("fr16", got16, 16, (2, 0.5, 1.0, -0.5))):
        want = fastrp(neighbours, projection(seed, len(twins), d), *args)
        check(all(len(got[t]) == d for t in twins), f"{column}: {d} values per twin")
        worst = max(float(np.max(np.abs(got[t] - want[index[t]]))) for t in twins)
        check(worst < 1e-4, f"{column}: largest difference from numpy FastRP {worst:.2e}")
        print(f"{column}: largest difference from numpy FastRP {worst:.2e}")

    # Link prediction: held-out relationships against random pairs the graph does not link.
    rng = random.Random(5)

    def cosine(a, b):
        na, nb = np.linalg.norm(got64[a]), np.linalg.norm(got64[b])
        return float(got64[a] @ got64[b] / (na * nb)) if na > 0 and nb > 0 else 0.0

    linked = {(a, b) for a, b in links} | {(b, a) for a, b in links} | set(held) | {(b, a) for a, b in held}
    negatives = []
    while len(negatives) < 5 * len(held):
        a, b = rng.choice(twins), rng.choice(twins)
        if a != b and (a, b) not in linked:
            negatives.append((a, b))
    score = auc([cosine(a, b) for a, b in held], [cosine(a, b) for a, b in negatives])
    print(f"fastrp link prediction: ROC AUC {score:.3f} on {len(held)} held-out relationships "
          f"against {len(negatives)} random unlinked pairs")
    check(score >= AUC_FLOOR, f"link prediction AUC {score:.3f} below {AUC_FLOOR}")

    # Same seed, 3 threads: the same vectors; another seed: other vectors.
    run_job(db, spec, env_extra={"TWINGRAPH_THREADS": "3"})
    again = vectors(db, "fastrp")
    check(all(np.array_equal(again[t], got64[t]) for t in twins), "3 threads: other vectors than 1 thread")
    run_job(db, dict(spec, seed=seed + 1))
    other = vectors(db, "fastrp")
    check(sum(not np.array_equal(other[t], got64[t]) for t in twins) > len(twins) // 2, "another seed: same vectors")

tally.report("fastrp")
