#!/usr/bin/env python3
"""The coverage-gate patch benchmark: a 100 MB report and a 5,000-file diff.

Generates a ~100 MB lcov tracefile (generate.py), then a git repository in
a temporary directory holding 5,000 of the report's files (each as long as
its highest instrumented line), and a branch that edits all of them (a
tenth of their lines rewritten, two lines added), or adds new files the
report does not cover when it has fewer than 5,000. Then it
times the release binary's patch verdict on one core:

    coverage-gate --base main --min-patch 0 REPORT

which reads the whole report, runs `git diff` over the 5,000 files, and
measures every changed line. Targets: under 2 s, and peak memory (the
gate's, and any git child's, as GNU time reports it) under half the
report's size. Prints the figures; exit 0 when both targets are met, 1
when one is missed, 2 when something could not be measured.

    python3 bench/coverage/patch.py                # builds, generates, measures
    python3 bench/coverage/patch.py --size-mb 20   # a quicker look
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import GNU_TIME, HERE, WORKSPACE, build, mb, timed, warm  # noqa: E402

TARGET_SECONDS = 2.0


def report_files(path):
    """{repository path: highest instrumented line} from a tracefile."""
    files, current, top = {}, None, 0
    sf = re.compile(rb"^SF:(.*)$")
    da = re.compile(rb"^DA:(\d+),")
    with open(path, "rb") as f:
        for line in f:
            m = sf.match(line)
            if m:
                current = m.group(1).decode().removeprefix(WORKSPACE + "/")
                top = 0
                continue
            m = da.match(line)
            if m:
                top = max(top, int(m.group(1)))
            elif line.startswith(b"end_of_record") and current:
                files[current] = max(files.get(current, 0), top)
    return files


def git(repo, *args):
    subprocess.run(["git", "-C", repo, "-c", "user.name=bench", "-c", "user.email=bench@invalid", *args],
                   check=True, stdout=subprocess.DEVNULL)


def make_repo(repo, files, changed):
    """Base: the report files the change edits (the others need not be in
    the checkout: the gate counts them all the same); branch `head`:
    `changed` files edited, or new when the report has fewer."""
    git(repo, "init", "-q", "-b", "main")
    edited = list(files.items())[:changed]
    for path, n in edited:
        full = os.path.join(repo, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write("".join(f"    let v{i} = compute({i});\n" for i in range(1, n + 1)))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "head")
    for path, n in edited:
        full = os.path.join(repo, path)
        with open(full) as f:
            lines = f.readlines()
        for i in range(0, len(lines), 10):
            lines[i] = f"    let v{i + 1} = compute_changed({i + 1});\n"
        lines[len(lines) // 2:len(lines) // 2] = ["    // a new comment\n", "    log(\"added\");\n"]
        with open(full, "w") as f:
            f.writelines(lines)
    for k in range(changed - len(edited)):
        full = os.path.join(repo, "src", "new", f"added{k}.rs")
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write("fn added() {\n    println!(\"new\");\n}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "head")
    # A clone's objects are packed; 10,000 loose objects would be slower.
    git(repo, "repack", "-adq")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size-mb", type=float, default=100.0, help="size of the report (default 100)")
    p.add_argument("--changed-files", type=int, default=5000, help="files the diff changes (default 5000)")
    p.add_argument("--runs", type=int, default=5, help="runs; the median counts (default 5)")
    p.add_argument("--cpu", default="0,1", help="the cores to pin to (default 0,1: git diffs while the report is read)")
    p.add_argument("--bin", help="a coverage-gate binary to measure instead of building one")
    args = p.parse_args()
    if not shutil.which("taskset") or not os.access(GNU_TIME, os.X_OK):
        print("needs taskset (util-linux) and GNU time (apt-get install -y time)")
        return 2
    binary = build(args)
    work = tempfile.mkdtemp(prefix="coverage-patch-bench.")
    try:
        report = os.path.join(work, "lcov.info")
        print(f"generating: lcov, {args.size_mb:g} MB", flush=True)
        subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), "lcov", "--size-mb", str(args.size_mb),
                        "--out", report], check=True)
        files = report_files(report)
        repo = os.path.join(work, "repo")
        os.mkdir(repo)
        print(f"building the repository: {len(files)} report files, {args.changed_files} changed", flush=True)
        make_repo(repo, files, args.changed_files)
        size = os.path.getsize(report)
        warm(report)
        walls, cpus, peak, out_path = [], [], 0, os.path.join(work, "out.json")
        cmd = ["taskset", "-c", args.cpu, binary, "--format", "json", "--root", repo, "--strip-prefix", WORKSPACE,
               "--base", "main", "--min-patch", "0", report]
        for _ in range(args.runs):
            with open(out_path, "wb") as out:
                code, wall, rss, cpu = timed(cmd, out)
            if code not in (0, 1):
                print(f"coverage-gate exited {code}")
                return 2
            walls.append(wall)
            cpus.append(cpu)
            peak = max(peak, rss)
        import json
        with open(out_path) as f:
            patch = json.load(f)["patch"]
        wall = statistics.median(walls)
        ok_time, ok_mem = wall < TARGET_SECONDS, peak < size / 2
        print()
        print(f"patch verdict, cores {args.cpu} (taskset -c {args.cpu}), median of {args.runs} runs")
        print(f"report {mb(size):.1f} MB, {len(files)} files; diff of {args.changed_files} changed files")
        print(f"changed lines measured {patch['measured']}, covered {patch['covered']}, "
              f"{len(patch['files'])} files measured, {len(patch['unmeasured_files'])} unmeasured")
        print(f"time {wall:.3f} s (target < {TARGET_SECONDS:g} s: {'ok' if ok_time else 'MISSED'}); "
              f"peak RSS {mb(peak):.1f} MB = {peak / size:.2f} of the report (target < 0.5: {'ok' if ok_mem else 'MISSED'})")
        print(f"all runs: {', '.join(f'{w:.3f}' for w in walls)} s wall; "
              f"CPU (user + system, git included) median {statistics.median(cpus):.3f} s")
        with open("/proc/loadavg") as f:
            print(f"load average at the end: {f.read().split()[0]} on {os.cpu_count()} cores")
        return 0 if ok_time and ok_mem else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
