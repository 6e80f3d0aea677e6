#!/usr/bin/env bash
# How much CPU post-deploy-watch uses between ticks: a 60 s watch of a local
# endpoint every 5 s (13 ticks), with the process's state and CPU ticks read
# from /proc once a second, and GNU time's totals. Linux only.
#
#   bash bench/post-deploy-watch/idle.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
cargo build --quiet --release -p post-deploy-watch
bin="${CARGO_TARGET_DIR:-target}/release/post-deploy-watch"
work="$(mktemp -d)"
trap 'kill "${server:-}" 2> /dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$work" && exec python3 -m http.server "$port" --bind 127.0.0.1 > /dev/null 2>&1) &
server=$!
sleep 1
/usr/bin/time -v "$bin" --url "http://127.0.0.1:${port}/" --duration 60s --interval 5s \
  > "$work/out" 2> "$work/time" &
timer=$!
sleep 0.3
pid=$(pgrep -n -f "release/post-deploy-watch --url http://127.0.0.1:${port}/")
: > "$work/samples"
while kill -0 "$pid" 2> /dev/null; do
  # state, utime, stime (clock ticks)
  awk '{print $3, $14, $15}' "/proc/$pid/stat" 2> /dev/null >> "$work/samples" || true
  sleep 1
done
wait "$timer" || true
echo "ticks run: $(grep -c '^\[' "$work/out")"
echo "once-a-second samples (count, state, utime ticks, stime ticks; $(getconf CLK_TCK) ticks/s):"
sort "$work/samples" | uniq -c
grep -E "User time|System time|Elapsed|Maximum resident|context switches" "$work/time"
