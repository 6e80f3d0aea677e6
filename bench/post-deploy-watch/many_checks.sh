#!/usr/bin/env bash
# What a watch of many checks costs: N (default 10,000) HTTP checks of a
# local endpoint for one tick, run by the release binary under GNU time
# (elapsed, CPU, peak memory), against a threaded Python server that counts
# the most requests it had in flight at once (the watch runs at most 32).
# Linux only.
#
#   bash bench/post-deploy-watch/many_checks.sh [N]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
n="${1:-10000}"
cargo build --quiet --release -p post-deploy-watch
bin="${CARGO_TARGET_DIR:-target}/release/post-deploy-watch"
work="$(mktemp -d)"
trap 'kill "${server:-}" 2> /dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/server.py" << 'PY'
import http.server, sys, threading
lock = threading.Lock()
state = {"now": 0, "most": 0, "total": 0}
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with lock:
            state["now"] += 1; state["total"] += 1
            state["most"] = max(state["most"], state["now"])
        body = b"ok" if self.path != "/stats" else (
            "%d requests in all (a readiness check and two runs), at most %d in flight" % (state["total"] - 1, state["most"])).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with lock:
            state["now"] -= 1
    def log_message(self, *a):
        pass
class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 256  # the default 5 refuses a burst of 32 connects
Server(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$work/server.py" "$port" &
server=$!
python3 - "$n" "$port" > "$work/checks.toml" << 'PY'
import sys
n, port = int(sys.argv[1]), sys.argv[2]
for i in range(n):
    print(f'[[check]]\nname = "c{i}"\nurl = "http://127.0.0.1:{port}/{i}"\n')
PY
until python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2> /dev/null; do sleep 0.1; done
echo "checks file: $(du -k "$work/checks.toml" | cut -f1) KiB, $n checks"
for format in text json; do
  /usr/bin/time -f "$format: %e s elapsed, %U s user, %S s system, %M KB peak memory" \
    "$bin" --checks "$work/checks.toml" --interval 1s --duration 0s --format "$format" \
    > "$work/out" 2> "$work/err" || true
  tail -n 1 "$work/err"
  echo "  report: $(wc -c < "$work/out") bytes; tick line: $(grep -m1 -o '^\[+0:00\] [0-9]* ok, [0-9]* not' "$work/out" "$work/err" | head -n 1 | cut -d: -f2-)"
done
python3 -c "import urllib.request; print('server:', urllib.request.urlopen('http://127.0.0.1:$port/stats').read().decode())"
