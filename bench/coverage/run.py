#!/usr/bin/env python3
"""The coverage-gate speed benchmark.

Generates a ~100 MB lcov tracefile and a ~100 MB Cobertura report in a
temporary directory (generate.py), then runs the release binary on each,
pinned to one core with `taskset`, and prints its speed (MB/s, 10^6 bytes)
and peak memory (maximum resident set) next to the targets: lcov at least
300 MB/s, Cobertura at least 150 MB/s, peak memory below half the input. In
the same run it times Debian's `lcov --summary` on the same tracefile and
prints the ratio, and checks that both tools count the same totals.

A benchmark, not a test: machines differ and shared ones are noisy, so each
figure is the median of --runs runs. Exit status: 0 when every target is
met, 1 when one is missed, 2 when something could not be measured (no
`lcov`, no `taskset` or GNU time, a failed build or run).

    python3 bench/coverage/run.py                 # builds, generates, measures
    python3 bench/coverage/run.py --size-mb 20    # a quicker look
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# Where the generated reports say the checkout was (GITHUB_WORKSPACE on a
# hosted runner); stripped like a real run on that runner would.
WORKSPACE = "/home/runner/work/app/app"

GNU_TIME = "/usr/bin/time"
LCOV_TARGET = 300.0
COBERTURA_TARGET = 150.0


def timed(cmd, stdout):
    """Runs cmd; returns (exit status, wall seconds, peak RSS in bytes, CPU
    seconds, user and system, the command's children included).

    The peak comes from GNU time, not from this process's rusage: a child
    forked from Python starts with Python's pages, and Linux keeps that
    high-water mark across exec.
    """
    with tempfile.NamedTemporaryFile() as rss, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        code = subprocess.run([GNU_TIME, "-f", "%M %U %S", "-o", rss.name] + cmd, stdout=stdout, stderr=err).returncode
        wall = time.perf_counter() - start
        if code != 0:
            err.seek(0)
            sys.stderr.write(err.read().decode(errors="replace"))
        found = re.findall(rb"^(\d+) ([\d.]+) ([\d.]+)$", rss.read(), re.M)
    if not found:
        return code, wall, 0, 0.0
    kb, user, system = found[-1]
    return code, wall, int(kb) * 1024, float(user) + float(system)


def warm(path):
    """Reads a file once so every run finds it in the page cache."""
    with open(path, "rb") as f:
        while f.read(1 << 20):
            pass


def build(args):
    if args.bin:
        return args.bin
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    print("building: cargo build --release -p coverage-gate", flush=True)
    r = subprocess.run(["cargo", "build", "--release", "--locked", "-p", "coverage-gate"], cwd=REPO)
    if r.returncode != 0:
        sys.exit("the build failed")
    return os.path.join(target, "release", "coverage-gate")


def lcov_command():
    """`lcov --summary` with branches counted, or None when lcov is missing."""
    exe = shutil.which("lcov")
    if not exe:
        return None, None
    out = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    m = re.search(r"(\d+)\.(\d+)", out)
    major = int(m.group(1)) if m else 1
    # lcov 1.x counts branches only when asked, under this name; 2.x renamed it.
    rc = "lcov_branch_coverage=1" if major < 2 else "branch_coverage=1"
    return [exe, "--rc", rc, "--summary"], out


def lcov_totals(text):
    """(hit, found) per measure from `lcov --summary` output."""
    totals = {}
    for measure in ("lines", "functions", "branches"):
        m = re.search(measure + r"\.*: [\d.]+% \((\d+) of (\d+)", text)
        if m:
            totals[measure] = (int(m.group(1)), int(m.group(2)))
    return totals


def mb(n):
    return n / 1e6


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size-mb", type=float, default=100.0, help="size of each generated report (default 100)")
    p.add_argument("--runs", type=int, default=5, help="runs of coverage-gate per report; the median counts (default 5)")
    p.add_argument("--lcov-runs", type=int, default=1, help="runs of lcov --summary (default 1: it is slow)")
    p.add_argument("--cpu", default="0", help="the core to pin to (default 0)")
    p.add_argument("--bin", help="a coverage-gate binary to measure instead of building one")
    p.add_argument("--keep", action="store_true", help="keep the generated reports and print where")
    args = p.parse_args()

    if not shutil.which("taskset"):
        print("taskset not found: it pins the benchmark to one core (Debian: util-linux)")
        return 2
    if not os.access(GNU_TIME, os.X_OK):
        print(f"{GNU_TIME} not found: GNU time measures peak memory (apt-get install -y time)")
        return 2
    lcov, lcov_version = lcov_command()
    if lcov is None:
        print(
            "\n*** lcov not found: the lcov --summary comparison will be missing.\n"
            "*** Install Debian's lcov (apt-get install -y lcov) and run again.\n",
            flush=True,
        )
    binary = build(args)
    pin = ["taskset", "-c", args.cpu]
    work = tempfile.mkdtemp(prefix="coverage-bench.")
    status = 0
    try:
        checkout = os.path.join(work, "checkout")
        os.mkdir(checkout)
        reports = [
            ("lcov", os.path.join(work, "lcov.info"), LCOV_TARGET),
            ("cobertura", os.path.join(work, "coverage.xml"), COBERTURA_TARGET),
        ]
        for fmt, path, _ in reports:
            print(f"generating: {fmt}, {args.size_mb:g} MB", flush=True)
            subprocess.run(
                [sys.executable, os.path.join(HERE, "generate.py"), fmt, "--size-mb", str(args.size_mb), "--out", path],
                check=True,
            )
        rows = []
        ours = {}
        for fmt, path, target in reports:
            size = os.path.getsize(path)
            warm(path)
            walls, peak = [], 0
            out_path = os.path.join(work, f"{fmt}.json")
            for _ in range(args.runs):
                with open(out_path, "wb") as out:
                    code, wall, rss, _cpu = timed(
                        pin + [binary, "--format", "json", "--root", checkout, "--strip-prefix", WORKSPACE, path], out
                    )
                if code != 0:
                    print(f"coverage-gate exited {code} on the {fmt} report")
                    return 2
                walls.append(wall)
                peak = max(peak, rss)
            wall = statistics.median(walls)
            with open(out_path) as f:
                ours[fmt] = json.load(f)["totals"]
            rows.append((fmt, size, wall, peak, target))

        lcov_row = None
        if lcov:
            path = reports[0][1]
            warm(path)
            walls, peak = [], 0
            for _ in range(args.lcov_runs):
                with open(os.path.join(work, "lcov-summary.txt"), "wb") as out:
                    code, wall, rss, _cpu = timed(pin + lcov + [path], out)
                if code != 0:
                    print(f"lcov --summary exited {code}")
                    return 2
                walls.append(wall)
                peak = max(peak, rss)
            with open(os.path.join(work, "lcov-summary.txt")) as f:
                summary = f.read()
            lcov_row = (statistics.median(walls), peak, lcov_totals(summary))

        print()
        print(f"coverage-gate speed, one core (taskset -c {args.cpu}), median of {args.runs} runs")
        print(f"{'report':<22}{'size':>10}{'time':>10}{'speed':>13}{'peak RSS':>11}{'RSS/size':>10}   targets")
        for fmt, size, wall, peak, target in rows:
            speed = mb(size) / wall
            ratio = peak / size
            ok_speed = speed >= target
            ok_mem = ratio < 0.5
            status = max(status, 0 if ok_speed and ok_mem else 1)
            verdict = (
                f">= {target:g} MB/s: {'ok' if ok_speed else 'MISSED'}; "
                f"RSS < half: {'ok' if ok_mem else 'MISSED'}"
            )
            name = "lcov tracefile" if fmt == "lcov" else "Cobertura XML"
            print(
                f"{name:<22}{mb(size):>7.1f} MB{wall:>8.3f} s{speed:>8.1f} MB/s{mb(peak):>8.1f} MB{ratio:>10.2f}   {verdict}"
            )
        if lcov_row:
            wall, peak, totals = lcov_row
            size = rows[0][1]
            name = "lcov --summary"
            print(
                f"{name:<22}{mb(size):>7.1f} MB{wall:>8.3f} s{mb(size) / wall:>8.1f} MB/s{mb(peak):>8.1f} MB{peak / size:>10.2f}   ({lcov_version})"
            )
            print(f"\nlcov --summary took {wall / rows[0][2]:.1f}x as long as coverage-gate on the same tracefile.")
            t = ours["lcov"]
            mine = {
                "lines": (t["lines_hit"], t["lines_found"]),
                "functions": (t["functions_hit"], t["functions_found"]),
                "branches": (t["branches_hit"], t["branches_found"]),
            }
            same = all(totals.get(k) == v for k, v in mine.items())
            detail = ", ".join(f"{k} {h} of {n}" for k, (h, n) in mine.items())
            print(f"totals {'agree' if same else 'DIFFER'} with lcov --summary: {detail}")
            if not same:
                print(f"lcov --summary said: {totals}")
                status = 2
        else:
            print("\nlcov --summary: not measured, lcov is not installed (apt-get install -y lcov).")
            status = 2
        cpu = ""
        try:
            with open("/proc/cpuinfo") as f:
                m = re.search(r"model name\s*:\s*(.+)", f.read())
                cpu = m.group(1) if m else ""
        except OSError:
            pass
        print(f"machine: {os.cpu_count()} cores{', ' + cpu if cpu else ''}")
        if args.keep:
            print(f"reports kept in {work}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
