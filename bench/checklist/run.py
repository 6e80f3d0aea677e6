#!/usr/bin/env python3
"""The checklist-gate time and memory benchmark.

Generates descriptions and templates in a temporary directory, runs the
release binary on each with `--format json`, and prints the median wall time
and the peak memory (maximum resident set, from GNU time) next to the
targets:

- a 64 KB description (GitHub's limit) with one 32 KB heading over ~4,000
  items: under 50 ms and under 30 MB;
- the same shape at 1 MB;
- a 5,000-item template matched against a description holding its items;
- template matching at 4,000 x 4,000 and 50,000 x 50,000 items, and 4,000
  copies of one text on each side (the duplicate queues);

the last four report figures only. The JSON report's size is printed too: a
section is named once, not per item. CPU time (user + system) is printed
beside the wall time, which on a busy machine also counts waiting for a core.

A benchmark, not a test: machines differ and shared ones are noisy, so each
figure is the median of --runs runs. Exit status: 0 when every target is
met, 1 when one is missed, 2 when something could not be measured (no GNU
time, a failed build or run).

    python3 bench/checklist/run.py
    python3 bench/checklist/run.py --runs 3 --bin target/release/checklist-gate --cpu 0
"""

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
GNU_TIME = "/usr/bin/time"

TARGET_MS = 50.0
TARGET_MB = 30.0


def cpu_of_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd, stdout):
    """Runs cmd; returns (exit status, wall seconds, CPU seconds, peak RSS in
    bytes). CPU time (user + system of the run, GNU time's own included) is
    printed beside wall time: on a shared machine the wall clock also counts
    the time spent waiting for a core. The peak comes from GNU time, not from
    this process's rusage, which keeps the largest child's peak."""
    with tempfile.NamedTemporaryFile() as rss, tempfile.TemporaryFile() as err:
        cpu = cpu_of_children()
        start = time.perf_counter()
        code = subprocess.run([GNU_TIME, "-f", "%M", "-o", rss.name] + cmd, stdout=stdout, stderr=err).returncode
        wall = time.perf_counter() - start
        cpu = cpu_of_children() - cpu
        if code not in (0, 1):
            err.seek(0)
            sys.stderr.write(err.read().decode(errors="replace"))
        kb = re.findall(rb"^(\d+)$", rss.read(), re.M)
    return code, wall, cpu, int(kb[-1]) * 1024 if kb else 0


def build(args):
    if args.bin:
        return args.bin
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    print("building: cargo build --release -p checklist-gate", flush=True)
    r = subprocess.run(["cargo", "build", "--release", "--locked", "-p", "checklist-gate"], cwd=REPO)
    if r.returncode != 0:
        sys.exit("the build failed")
    return os.path.join(target, "release", "checklist-gate")


def long_heading_description(size, heading_chars):
    """One long heading, then ticked items up to `size` characters."""
    parts = ["## " + "h" * heading_chars + "\n"]
    n = len(parts[0])
    i = 0
    while True:
        item = f"- [x] {i}\n"
        if n + len(item) > size:
            break
        parts.append(item)
        n += len(item)
        i += 1
    return "".join(parts), i


def numbered(n, box):
    return "".join(f"- {box} Item {i}: tests cover the change in module {i % 97}\n" for i in range(n))


def scenarios():
    """(name, description text, template text or None, items, target?)"""
    small, small_items = long_heading_description(65_536, 32_000)
    big, big_items = long_heading_description(1_000_000, 64_000)
    yield ("64 KB description, 32 KB heading", small, None, small_items, True)
    yield ("1 MB description, 64 KB heading", big, None, big_items, False)
    yield ("5,000-item template", numbered(5_000, "[x]"), numbered(5_000, "[ ]"), 5_000, False)
    yield ("4,000 x 4,000 matching", numbered(4_000, "[x]"), numbered(4_000, "[ ]"), 4_000, False)
    yield ("50,000 x 50,000 matching", numbered(50_000, "[x]"), numbered(50_000, "[ ]"), 50_000, False)
    yield ("4,000 copies of one text", "- [x] Tested\n" * 4_000, "- [ ] Tested\n" * 4_000, 4_000, False)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5, help="runs per scenario; the median counts (default 5)")
    p.add_argument("--bin", help="a checklist-gate binary to measure instead of building one")
    p.add_argument("--cpu", help="pin every run to this core with taskset (default: no pinning)")
    p.add_argument("--keep", action="store_true", help="keep the generated files and print where")
    args = p.parse_args()

    if not os.access(GNU_TIME, os.X_OK):
        print(f"{GNU_TIME} not found: GNU time measures peak memory (apt-get install -y time)")
        return 2
    binary = build(args)
    if args.cpu is not None and not shutil.which("taskset"):
        print("taskset not found: it pins the runs to one core (Debian: util-linux)")
        return 2
    pin = ["taskset", "-c", args.cpu] if args.cpu is not None else []
    work = tempfile.mkdtemp(prefix="checklist-bench.")
    status = 0
    rows = []
    try:
        for name, body, template, items, targeted in scenarios():
            body_path = os.path.join(work, "body.md")
            with open(body_path, "w") as f:
                f.write(body)
            cmd = pin + [binary, "--format", "json", "--body-file", body_path]
            if template is not None:
                template_path = os.path.join(work, "template.md")
                with open(template_path, "w") as f:
                    f.write(template)
                cmd += ["--template", template_path]
            out_path = os.path.join(work, "out.json")
            walls, cpus, peak = [], [], 0
            for _ in range(args.runs):
                with open(out_path, "wb") as out:
                    code, wall, cpu, rss = timed(cmd, out)
                if code != 0:
                    print(f"checklist-gate exited {code} on {name}")
                    return 2
                walls.append(wall)
                cpus.append(cpu)
                peak = max(peak, rss)
            rows.append(
                (
                    name,
                    len(body.encode()),
                    items,
                    statistics.median(walls),
                    statistics.median(cpus),
                    peak,
                    os.path.getsize(out_path),
                    targeted,
                )
            )
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print()
    where = f"pinned to core {args.cpu}" if pin else "not pinned"
    print(f"checklist-gate, {where}, median of {args.runs} runs")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{os.cpu_count()} cores, load average {load:.1f} at the end")
    print(f"{'scenario':<36}{'input':>10}{'items':>8}{'wall':>11}{'CPU':>11}{'peak RSS':>11}{'JSON':>10}   target (wall)")
    for name, size, items, wall, cpu, peak, json_size, targeted in rows:
        ms = wall * 1000
        mem = peak / 1e6
        verdict = ""
        if targeted:
            ok = ms < TARGET_MS and mem < TARGET_MB
            status = max(status, 0 if ok else 1)
            verdict = f"< {TARGET_MS:g} ms and < {TARGET_MB:g} MB: {'ok' if ok else 'MISSED'}"
        print(
            f"{name:<36}{size / 1e3:>7.0f} KB{items:>8}{ms:>8.1f} ms{cpu * 1000:>8.1f} ms"
            f"{mem:>8.1f} MB{json_size / 1e3:>7.0f} KB   {verdict}"
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
