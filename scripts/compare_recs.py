#!/usr/bin/env python3
"""Compares two demo dumps (Demo --dump: user<TAB>item=score,... in rank order), e.g. the CPU and the
CUDA backend's runs on the same input. A user's lists are EQUAL when they hold the same items in the
same order with scores within --tol; TIE-EQUAL when they differ only where scores are within --tol of
each other (the order of near-tied items is float noise); DIFFERENT otherwise.

Prints one line: compare: users=<n> equal=<e> tie_equal=<t> different=<d> missing=<m> max_score_diff=<x>
and exits 1 when any list is DIFFERENT or missing."""
import sys


def load(path):
    out = {}
    for line in open(path):
        line = line.rstrip("\n")
        if not line:
            continue
        user, _, rest = line.partition("\t")
        items = []
        for part in rest.split(",") if rest else []:
            item, _, score = part.rpartition("=")
            items.append((item, float(score)))
        out[user] = items
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--tol=")]
    tol = next((float(a[6:]) for a in sys.argv[1:] if a.startswith("--tol=")), 1e-4)
    a, b = load(args[0]), load(args[1])
    users = sorted(set(a) | set(b))
    equal = tie = diff = missing = 0
    max_diff = 0.0
    examples = []
    for u in users:
        if u not in a or u not in b:
            missing += 1
            continue
        x, y = a[u], b[u]
        if [i for i, _ in x] == [i for i, _ in y]:
            d = max((abs(s - t) for (_, s), (_, t) in zip(x, y)), default=0.0)
            max_diff = max(max_diff, d)
            if d <= tol:
                equal += 1
                continue
        # same multiset of scores within tol, and every item that moved has a near-tied neighbour
        sx = dict(x)
        sy = dict(y)
        ok = len(x) == len(y)
        if ok:
            for (ix, s), (iy, t) in zip(x, y):
                if abs(s - t) > tol:
                    ok = False
                    break
                for it in (ix, iy):
                    if it in sx and it in sy and abs(sx[it] - sy[it]) > tol:
                        ok = False
            # items present in only one list must score within tol of that list's last score
            last = min(x[-1][1], y[-1][1]) if x and y else 0.0
            for it in set(sx) ^ set(sy):
                s = sx.get(it, sy.get(it))
                if abs(s - last) > tol:
                    ok = False
        if ok:
            tie += 1
        else:
            diff += 1
            if len(examples) < 3:
                examples.append((u, x[:5], y[:5]))
    for u, x, y in examples:
        print("compare: differs for %s:\n  a=%s\n  b=%s" % (u, x, y))
    print("compare: users=%d equal=%d tie_equal=%d different=%d missing=%d max_score_diff=%.3g tol=%g"
          % (len(users), equal, tie, diff, missing, max_diff, tol))
    sys.exit(1 if diff or missing else 0)


main()
