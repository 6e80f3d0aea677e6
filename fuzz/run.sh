#!/usr/bin/env bash
# Runs one fuzz target (or every target, one after another) under AFL++ for
# a chosen time, then prints what the run found and replays every crash
# through the uninstrumented harness. See fuzz/README.md.
#
#   fuzz/run.sh TARGET SECONDS     one target
#   fuzz/run.sh all SECONDS        every target in turn, SECONDS each
#   FUZZ_JOBS=2 fuzz/run.sh all SECONDS
#                                  every target, two at a time
#
# Needs cargo-afl (`cargo install cargo-afl && cargo afl config --build`),
# on the stable toolchain. Output goes under fuzz/target/afl/TARGET (deleted
# and remade on each run); crashes stay there until you delete fuzz/target.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

usage() {
  echo "usage: fuzz/run.sh TARGET|all SECONDS (targets: $(ls corpus | tr '\n' ' '))" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
target="$1"
seconds="$2"
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || usage
if [[ "$target" != all && ! -d "corpus/$target" ]]; then
  usage
fi
command -v cargo-afl > /dev/null 2>&1 || {
  echo "fuzz/run.sh: cargo-afl is not installed; run: cargo install cargo-afl --locked && cargo afl config --build" >&2
  exit 2
}

jobs="${FUZZ_JOBS:-1}"
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || {
  echo "fuzz/run.sh: FUZZ_JOBS=$jobs: give a number of targets to run at once (1 or more)" >&2
  exit 2
}

export CARGO_INCREMENTAL=0
# Built once; the per-target runs FUZZ_JOBS starts reuse the build.
if [[ -z "${TRUNKLINE_FUZZ_BUILT:-}" ]]; then
  cargo afl build --release --features afl --locked --quiet
fi

# No status screen (a log line every minute instead); no CPU binding, since
# the machine is shared; no complaints about the CPU governor or where core
# dumps go, which AFL++ cannot change without root on a shared host.
export AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_SHUFFLE_QUEUE=0 AFL_QUIET=1

stat() { sed -n "s/^$1 *: //p" "$2"; }

run_one() {
  local t="$1" out="target/afl/$1"
  rm -rf "$out"
  mkdir -p "$out"
  local started
  started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  # -V: stop after SECONDS; -t 1000+: an input running over a second is a
  # hang (the seeds are exempt from the limit).
  cargo afl fuzz -i "corpus/$t" -o "$out" -x "dict/$t.dict" -V "$seconds" -t 1000+ \
    -- "target/release/$t" > "$out/afl.log" 2>&1 || {
    echo "fuzz/run.sh: AFL++ failed on $t; the end of $out/afl.log:" >&2
    tail -n 20 "$out/afl.log" >&2
    return 1
  }
  local s="$out/default/fuzzer_stats"
  local crashes hangs
  crashes="$(stat saved_crashes "$s")"
  hangs="$(stat saved_hangs "$s")"
  printf '%s: started %s, %s s, %s execs (%s/s), corpus %s (from %s seeds), edges %s/%s (%s), stability %s, crashes %s, hangs %s\n' \
    "$t" "$started" "$(stat run_time "$s")" "$(stat execs_done "$s")" "$(stat execs_per_sec "$s")" \
    "$(stat corpus_count "$s")" "$(ls "corpus/$t" | wc -l)" "$(stat edges_found "$s")" "$(stat total_edges "$s")" \
    "$(stat bitmap_cvg "$s")" "$(stat stability "$s")" "$crashes" "$hangs"
  if [[ "$crashes" != 0 ]]; then
    echo "$t: replaying the crashes in $out/default/crashes:"
    cargo run --locked --quiet --bin replay -- "$t" "$out"/default/crashes/id:* || true
  fi
}

if [[ "$target" == all && "$jobs" -gt 1 ]]; then
  # Each run has its own output directory; the lines come out as runs end.
  ls corpus | TRUNKLINE_FUZZ_BUILT=1 FUZZ_JOBS=1 xargs -P "$jobs" -I{} bash ./run.sh {} "$seconds"
elif [[ "$target" == all ]]; then
  for t in $(ls corpus); do run_one "$t"; done
else
  run_one "$target"
fi
