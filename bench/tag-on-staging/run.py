#!/usr/bin/env python3
"""The tag-on-staging speed benchmark, in local mode.

Generates git repositories with git fast-import in a temporary directory:
a linear main with an annotated release tag on every second commit (v1.M.P
counting up) and 20 untagged conventional commits after the newest tag.
Each is measured twice: with one file per tag, as `git fetch` leaves them
(actions/checkout with fetch-depth: 0), and after `git pack-refs --all`, as
`git clone` leaves them (packed, with each tag's commit stored beside it).
The release binary (`--local --dry-run --format json`, the next version of
the tip) runs --runs times on each, after one run that warms the cache
(shown as "first"); it prints the median, fastest and slowest wall time per
run, the git processes one run starts, and the tag it proposes. The target:
0.02-0.04 s per run with hundreds of tags (300 here); the 12,000-tag
repository is measured and printed, with no target.

A benchmark, not a test: machines differ and shared ones are noisy, so each
figure is a median. Exit status: 0 when the target is met, 1 when it is
missed, 2 when something could not be measured (a failed build or run).

    python3 bench/tag-on-staging/run.py                  # builds, generates, measures
    python3 bench/tag-on-staging/run.py --runs 5         # a quicker look
    python3 bench/tag-on-staging/run.py --also DIR ""    # also a real clone (DIR, tag prefix "")
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TARGET_SECONDS = 0.04
SIZES = [300, 12_000]
TIP_MESSAGES = ["fix: a bug", "chore: tidy", "feat(manager:nuget): a feature", "docs: words"]


def fast_import_stream(tags):
    """The fast-import stream for a repository with `tags` release tags."""
    out = []
    mark = 0
    when = 1_700_000_000

    def data(text):
        raw = text.encode()
        out.append(b"data %d\n" % len(raw) + raw + b"\n")

    def commit(message):
        nonlocal mark, when
        mark += 1
        when += 60
        out.append(b"commit refs/heads/main\nmark :%d\n" % mark)
        out.append(b"committer Bench <bench@example.invalid> %d +0000\n" % when)
        data(message)
        if mark > 1:
            out.append(b"from :%d\n" % (mark - 1))
        out.append(b"M 644 inline file\n")
        data(f"{mark}\n")

    for k in range(tags):
        commit(f"feat(part{k % 7}): change {k}")
        commit(f"fix: follow-up {k}")
        version = f"v1.{k // 50}.{k % 50}"
        out.append(f"tag {version}\nfrom :{mark}\n".encode())
        out.append(b"tagger Bench <bench@example.invalid> %d +0000\n" % when)
        data(version)
    for i in range(20):
        commit(f"{TIP_MESSAGES[i % len(TIP_MESSAGES)]} ({i})")
    return b"".join(out)


def make_repo(path, tags):
    subprocess.run(["git", "init", "-q", "-b", "main", path], check=True)
    subprocess.run(["git", "-C", path, "fast-import", "--quiet"], input=fast_import_stream(tags), check=True)
    subprocess.run(["git", "-C", path, "checkout", "-q", "main"], check=True)


def packed_copy(path):
    """A copy of the repository with its refs packed, as a clone has them."""
    copy = path + "-packed"
    shutil.copytree(path, copy, symlinks=True)
    subprocess.run(["git", "-C", copy, "pack-refs", "--all"], check=True)
    return copy


def measure(binary, repo, runs, prefix):
    """Median, fastest and slowest seconds per run, the first run's, and
    the last report."""
    cmd = [binary, "--local", "--dry-run", "--format", "json", "--prefix", prefix]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "ACTIONS_", "INPUT_"))}
    times = []
    report = None
    for _ in range(runs + 1):
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=repo, env=env, capture_output=True)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            sys.stderr.write(done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace"))
            return None
        report = json.loads(done.stdout)
        times.append(elapsed)
    first, times = times[0], times[1:]  # the first run warms the page cache
    return statistics.median(times), min(times), max(times), first, report


def git_processes(binary, repo, prefix):
    """How many git processes one run starts (by strace), or None."""
    if not shutil.which("strace"):
        return None
    with tempfile.NamedTemporaryFile() as log:
        subprocess.run(
            ["strace", "-f", "-qq", "-e", "trace=execve", "-o", log.name, binary, "--local", "--dry-run", "--format", "json", "--prefix", prefix],
            cwd=repo,
            capture_output=True,
        )
        # PATH lookups fail with ENOENT before the one that runs.
        return sum(
            1 for line in open(log.name, errors="replace") if "execve(" in line and "/git\"" in line and "ENOENT" not in line
        )


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--bin", help="a built tag-on-staging (default: cargo build --release)")
    p.add_argument("--also", nargs=2, metavar=("DIR", "PREFIX"), help="also measure an existing checkout")
    args = p.parse_args()

    binary = args.bin
    if not binary:
        build = subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "tag-on-staging"], cwd=REPO)
        if build.returncode != 0:
            return 2
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
        binary = os.path.join(target, "release", "tag-on-staging")
    binary = os.path.abspath(binary)
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"tag-on-staging --local --dry-run, {args.runs} runs each, {git}, {os.cpu_count()} CPUs")
    print(f"{'repository':<34} {'tags':>6} {'commits':>8} {'median s':>9} {'fastest':>8} {'slowest':>8} {'first':>7} {'git runs':>8}  proposes")
    status = 0
    with tempfile.TemporaryDirectory() as work:
        cases = []
        for tags in SIZES:
            path = os.path.join(work, f"tags-{tags}")
            make_repo(path, tags)
            target = TARGET_SECONDS if tags < 1000 else None
            cases.append((f"generated, {tags} tags, fetched", path, "v", tags, target))
            cases.append((f"generated, {tags} tags, cloned", packed_copy(path), "v", tags, target))
        if args.also:
            cases.append((os.path.basename(os.path.normpath(args.also[0])), args.also[0], args.also[1], None, None))
        for name, path, prefix, _, target in cases:
            got = measure(binary, path, args.runs, prefix)
            if got is None:
                print(f"{name}: the run failed", file=sys.stderr)
                return 2
            median, fastest, slowest, first, report = got
            tag_count = int(subprocess.run(["git", "-C", path, "tag", "-l"], capture_output=True, text=True).stdout.count("\n"))
            commits = subprocess.run(["git", "-C", path, "rev-list", "--count", "HEAD"], capture_output=True, text=True).stdout.strip()
            spawned = git_processes(binary, path, prefix)
            verdict = ""
            if target is not None:
                met = median <= target
                verdict = f"  (target <= {target} s: {'met' if met else 'MISSED'})"
                status = status or (0 if met else 1)
            print(
                f"{name:<34} {tag_count:>6} {commits:>8} {median:>9.4f} {fastest:>8.4f} {slowest:>8.4f} {first:>7.3f} {spawned if spawned is not None else '-':>8}  "
                f"{report['tag']} (from {report['previous_tag']}, {report['commits_total']} commits){verdict}"
            )
    return status


if __name__ == "__main__":
    sys.exit(main())
