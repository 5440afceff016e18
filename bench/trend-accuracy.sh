#!/bin/sh
# trend-accuracy.sh: how well pr-trend finds change points, and how fast,
# by simulation against a plain Python reference of the same method.
#
#   bench/trend-accuracy.sh [--trials N] [--seed S] [--noise gauss|lognormal|laplace]
#                           [--sd F] [--points N] [--gap N] [--speed-points N]
#                           [--speed-metrics N] [--ref-metrics N] [--no-speed]
#
# Writes synthetic histories (pr-tools/history/1 JSON Lines: one metric per
# simulated history, N points each, level 100 with noise of relative scale
# --sd, shifts of 20 % up or down at random places at least --gap points
# from each other and from the ends), runs bin/pr-trend --recent 0 on them and
# prints, for 0, 1 and 3 shifts:
#   - histories where every shift has a change point within 5 points;
#   - false change points (within 5 points of no shift), and histories with any.
# Then the speed: --speed-points x --speed-metrics (10,000 x 10) analysed by
# pr-trend on one core (taskset), and by the Python reference (stdlib only,
# the same splitmix64 permutations, so it must find the very same change
# points: checked) on --ref-metrics of them (default 1, 0 for none; its time
# per metric times --speed-metrics is printed as the estimate for all).  The accuracy
# runs are checked against the reference too, on the first 3 histories of
# each case.  A malformed line is added to one history: pr-trend must name
# its line number and skip it.
set -eu
cd "$(dirname "$0")/.."
[ -x bin/pr-trend ] || make -s bin/pr-trend
dir=$(mktemp -d "${TMPDIR:-/tmp}/pr-trend-acc.XXXXXX")
trap 'rm -rf "$dir"' EXIT

cat >"$dir/trendref.py" <<'EOF'
"""The method of lib/trend.c in plain Python: binary segmentation with a
permutation test of the maximally selected rank statistic, then each change
point placed and tested again between its neighbours.  Same splitmix64
stream, same arithmetic order: the same change points and p-values."""
import math

M64 = (1 << 64) - 1

def rand(state):
    state[0] = (state[0] + 0x9E3779B97F4A7C15) & M64
    z = state[0]
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)

def centred_ranks(x):
    n = len(x)
    order = sorted(range(n), key=lambda i: (x[i], i))
    c = [0] * n
    a = 0
    while a < n:
        b = a + 1
        while b < n and x[order[b]] == x[order[a]]:
            b += 1
        for j in range(a, b):
            c[order[j]] = (a + 1 + b) - (n + 1)
        a = b
    return c

def weights(n):
    return [0.0] + [1.0 / (float(k) * float(n - k)) for k in range(1, n)]

def max_stat(c, w, m):
    n = len(c)
    s, best, at = sum(c[:m - 1]), -1.0, 0
    for k in range(m, n - m + 1):
        s += c[k - 1]
        t = float(s) * float(s) * w[k]
        if t > best:
            best, at = t, k
    return best, at

def seg_seed(seed, lo, hi):
    st = [seed ^ ((lo * 0x9E3779B97F4A7C15) & M64) ^ ((hi * 0xC2B2AE3D27D4EB4F) & M64)]
    return rand(st)

def perm_p(c, w, stat, alpha, perms, m, st):
    limit = int(math.floor(alpha * (perms + 1.0)))
    if limit == 0:
        return 1.0
    state, reach, n = [st], 0, len(c)
    for _ in range(perms):
        for i in range(n - 1, 0, -1):
            j = ((rand(state) >> 32) * (i + 1)) >> 32
            c[i], c[j] = c[j], c[i]
        if max_stat(c, w, m)[0] >= stat:
            reach += 1
            if reach >= limit:
                return 1.0
    return (reach + 1.0) / (perms + 1.0)

def test_segment(x, lo, hi, alpha, perms, m, seed):
    n = hi - lo
    if n < 2 * m or n < 2:
        return None
    c = centred_ranks(x[lo:hi])
    w = weights(n)
    stat, k = max_stat(c, w, m)
    if stat <= 0:
        return None
    p = perm_p(c, w, stat, alpha, perms, m, seg_seed(seed, lo, hi))
    return (lo + k, p) if p <= alpha else None

def change_points(x, alpha=0.01, perms=199, m=5, seed=0x70727472656E6431):
    cps = []
    def segment(lo, hi):
        r = test_segment(x, lo, hi, alpha, perms, m, seed)
        if r:
            cps.append(r)
            segment(lo, r[0])
            segment(r[0], hi)
    segment(0, len(x))
    cps.sort()
    for _ in range(10):
        moved, i = False, 0
        while i < len(cps):
            lo = cps[i - 1][0] if i else 0
            hi = cps[i + 1][0] if i + 1 < len(cps) else len(x)
            r = test_segment(x, lo, hi, alpha, perms, m, seed)
            if r is None:
                del cps[i]
                moved = True
                continue
            moved |= r[0] != cps[i][0]
            cps[i] = r
            i += 1
        if not moved:
            break
    return cps
EOF

cat >"$dir/acc.py" <<'EOF'
import json, math, os, random, resource, subprocess, sys, time
sys.path.insert(0, os.environ["ACC_DIR"])
import trendref

args = sys.argv[1:]
trials, seed, noise, sd, points, gap = 100, 1, "gauss", 0.05, 500, 30
speed_points, speed_metrics, ref_metrics, speed = 10000, 10, 1, True
while args:
    a = args.pop(0)
    if a == "--trials": trials = int(args.pop(0))
    elif a == "--seed": seed = int(args.pop(0))
    elif a == "--noise": noise = args.pop(0)
    elif a == "--sd": sd = float(args.pop(0))
    elif a == "--points": points = int(args.pop(0))
    elif a == "--gap": gap = int(args.pop(0))
    elif a == "--speed-points": speed_points = int(args.pop(0))
    elif a == "--speed-metrics": speed_metrics = int(args.pop(0))
    elif a == "--ref-metrics": ref_metrics = int(args.pop(0))
    elif a == "--no-speed": speed = False
    else: raise SystemExit("trend-accuracy.sh: unknown option " + a)
d = os.environ["ACC_DIR"]
rng = random.Random(seed)
TOL, SHIFT = 5, 0.20
START_S, STEP_S = 1767225600, 1800	# from 2026-01-01, every 30 minutes

def draw():
    if noise == "gauss":
        return 1 + rng.gauss(0, sd)
    if noise == "lognormal":
        return math.exp(rng.gauss(0, sd))
    if noise == "laplace":  # the same variance as the Gaussian
        u = rng.random() - 0.5
        return 1 - math.copysign(1, u) * math.log(1 - 2 * abs(u)) * sd / math.sqrt(2)
    raise SystemExit("unknown --noise " + noise)

def shifts(k, n):
    while True:
        pos = sorted(rng.randrange(gap, n - gap) for _ in range(k))
        if all(b - a >= gap for a, b in zip(pos, pos[1:])):
            return pos

def series(k, n):
    pos, level, x = shifts(k, n), 100.0, []
    for i in range(n):
        if i in pos:
            level *= (1 + SHIFT) if rng.random() < 0.5 else 1 / (1 + SHIFT)
        x.append(round(level * draw(), 3))
    return pos, x

def write_history(path, hists, bad_line=None):
    with open(path, "w") as f:
        for h, (_, x) in enumerate(hists):
            for i, v in enumerate(x):
                t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(START_S + i * STEP_S))
                f.write(json.dumps({"schema": "pr-tools/history/1", "time": t, "label": None,
                    "commit": "%07x" % (0x1000000 + i), "metric": "h%d" % h, "unit": "ms", "better": "lower",
                    "n": 1, "p50": v, "errors": 0}, separators=(",", ":")) + "\n")
                if bad_line is not None and h == 0 and i == bad_line:
                    f.write('{"schema":"pr-tools/history/1","time":"yesterday"}\n')

def pr_trend(path, extra=()):
    p = subprocess.run(["bin/pr-trend", "--format", "json", "--recent", "0"] + list(extra) + [path],
                       capture_output=True, text=True)
    if p.returncode not in (0, 1):
        raise SystemExit("pr-trend failed: " + p.stderr)
    return json.loads(p.stdout), p.stderr

print("noise %s (scale %g%% of the level), %d points, shifts of 20%% at least %d points apart; "
      "%d histories per case; seed %d" % (noise, sd * 100, points, gap, trials, seed))
mismatch = 0
for k in (0, 1, 3):
    hists = [series(k, points) for _ in range(trials)]
    path = os.path.join(d, "h%d.jsonl" % k)
    write_history(path, hists, bad_line=7 if k == 0 else None)
    doc, err = pr_trend(path)
    if k == 0:
        line = next((l for l in err.splitlines() if "skipped" in l), "")
        print("  malformed line: %s (%s)" % ("reported with its line number, skipped" if ":9: skipped:" in line
              else "NOT REPORTED", line.split("warning: ")[-1]))
    found = false_cps = any_false = 0
    for h, (pos, x) in enumerate(hists):
        cps = [c["index"] for c in doc["metrics"]["h%d" % h]["change_points"]]
        found += all(any(abs(c - p) <= TOL for c in cps) for p in pos)
        f = sum(1 for c in cps if not any(abs(c - p) <= TOL for p in pos))
        false_cps += f
        any_false += f > 0
        if h < 3:
            ref = [c for c, _ in trendref.change_points(x)]
            mismatch += ref != cps
    if k == 0:
        print("  0 shifts: %d/%d false change points in flat histories (%d/%d histories with any)"
              % (false_cps, trials, any_false, trials))
    else:
        print("  %d shift%s: every shift found within %d points in %d/%d histories; %d/%d false change points"
              % (k, "" if k == 1 else "s", TOL, found, trials, false_cps, trials))
print("  reference: %s on the first 3 histories of each case" % ("the same change points" if mismatch == 0
      else "%d DIFFERENT" % mismatch))

if speed:
    hists = [series(3, speed_points) for _ in range(speed_metrics)]
    path = os.path.join(d, "speed.jsonl")
    write_history(path, hists)
    cmd = ["bin/pr-trend", "--format", "json", "--recent", "0", path]
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass
    best = cpu = None
    for _ in range(3):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True)
        dt = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        dc = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
        best = dt if best is None or dt < best else best
        cpu = dc if cpu is None or dc < cpu else cpu
    doc = json.loads(out.stdout)
    line = ("  speed: %d points x %d metrics in %.3f s on one core (%.3f s CPU; pr-trend, best of 3, "
            "reading included)" % (speed_points, speed_metrics, best, cpu))
    if ref_metrics > 0:
        t0 = time.perf_counter()
        same = True
        for h in range(ref_metrics):
            ref = [c for c, _ in trendref.change_points(hists[h][1])]
            same &= ref == [c["index"] for c in doc["metrics"]["h%d" % h]["change_points"]]
        ref_s = (time.perf_counter() - t0) / ref_metrics
        line += "; Python reference %.1f s per metric (%d measured), about %.0f s for all (%.0fx); %s" % (
            ref_s, ref_metrics, ref_s * speed_metrics, ref_s * speed_metrics / best,
            "same change points" if same else "DIFFERENT change points")
    print(line)
EOF
ACC_DIR=$dir python3 "$dir/acc.py" "$@"
