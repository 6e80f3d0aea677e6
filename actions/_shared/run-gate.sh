#!/usr/bin/env bash
# Obtains a Trunkline gate binary and runs it with --format github.
# Called by every actions/<gate>/action.yml as:
#   bash "${GITHUB_ACTION_PATH}/../_shared/run-gate.sh" <gate>
# Inputs reach the binary as INPUT_* variables set by the action's env:.
#
# Where the binary comes from, in order:
#   1. $TRUNKLINE_BIN_DIR/<gate> (tests, air-gapped runners);
#   2. a build from the action's own source: cargo build --locked --release.
set -euo pipefail

gate="${1:-}"
case "$gate" in
  pr-size-gate | checklist-gate | coverage-gate | tag-on-staging | post-deploy-watch) ;;
  *)
    echo "::error title=Trunkline::unknown gate '${gate}'"
    exit 2
    ;;
esac

exe=""
case "${RUNNER_OS:-$(uname -s)}" in
  Windows | MINGW* | MSYS* | CYGWIN*) exe=".exe" ;;
esac

action_dir="${GITHUB_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../${gate}" && pwd)}"
source_dir="$(cd "${action_dir}/../.." && pwd)"

if [[ -n "${TRUNKLINE_BIN_DIR:-}" ]]; then
  bin="${TRUNKLINE_BIN_DIR}/${gate}${exe}"
  if [[ ! -x "$bin" ]]; then
    echo "::error title=Trunkline::TRUNKLINE_BIN_DIR is set but ${bin} is not an executable; build it with cargo build --release -p ${gate}"
    exit 2
  fi
else
  if ! command -v cargo > /dev/null 2>&1; then
    echo "::error title=Trunkline::no prebuilt ${gate} and no cargo to build it; install Rust on the runner or set TRUNKLINE_BIN_DIR"
    exit 2
  fi
  target_dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/trunkline-target"
  echo "Building ${gate} from ${source_dir}"
  cargo build --quiet --locked --release -p "$gate" \
    --manifest-path "${source_dir}/Cargo.toml" --target-dir "$target_dir" >&2
  bin="${target_dir}/release/${gate}${exe}"
fi

exec "$bin" --format github
