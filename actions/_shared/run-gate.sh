#!/usr/bin/env bash
# Obtains a Trunkline gate binary and runs it with --format github.
# Called by every actions/<gate>/action.yml as:
#   bash "${GITHUB_ACTION_PATH}/../_shared/run-gate.sh" <gate>
# Inputs reach the binary as INPUT_* variables set by the action's env:.
#
# Where the binary comes from, in order:
#   1. $TRUNKLINE_BIN_DIR/<gate> (tests, air-gapped runners);
#   2. the release archive for this runner, for the version in ./release,
#      downloaded over HTTPS with retries into the tool cache and checked
#      against ./checksums.sha256 (committed here, never fetched); a mismatch
#      is a hard error;
#   3. when this version has no archive for this platform (a branch ref, a
#      new platform): a build from the action's own source,
#      cargo build --locked --release -p <gate>.
set -euo pipefail

# Errors go to the step's stdout even from inside $(...).
exec 3>&1
die() {
  echo "::error title=Trunkline::$*" >&3
  exit 2
}

gate="${1:-}"
case "$gate" in
  pr-size-gate | checklist-gate | coverage-gate | tag-on-staging | post-deploy-watch) ;;
  *) die "unknown gate '${gate}'" ;;
esac

shared_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_dir="$(cd "${shared_dir}/../.." && pwd)"

os="${RUNNER_OS:-$(uname -s)}"
arch="${RUNNER_ARCH:-$(uname -m)}"
exe=""
case "$os" in
  Linux) os_part="unknown-linux-musl" ;;
  macOS | Darwin) os_part="apple-darwin" ;;
  Windows | MINGW* | MSYS* | CYGWIN*) os_part="pc-windows-msvc" exe=".exe" ;;
  *) os_part="" ;;
esac
case "$arch" in
  X64 | x86_64 | amd64) arch_part="x86_64" ;;
  ARM64 | arm64 | aarch64) arch_part="aarch64" ;;
  *) arch_part="" ;;
esac
target=""
[[ -n "$os_part" && -n "$arch_part" ]] && target="${arch_part}-${os_part}"

release_value() {
  sed -n "s/^$1=//p" "${shared_dir}/release" | head -n 1
}

sha256_of() {
  if command -v sha256sum > /dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

# Prints the path of the verified binary, or nothing when this version has
# no archive for this platform.
download() {
  local version repository asset expected base_url proto cache tmp code actual
  version="$(release_value version)"
  repository="$(release_value repository)"
  [[ -n "$target" && -n "$version" ]] || return 0
  [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] || die "actions/_shared/release: version '${version}' is not a semantic version"
  [[ "$repository" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || die "actions/_shared/release: repository '${repository}' is not owner/name"
  asset="trunkline-v${version}-${target}.tar.gz"
  expected="$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "${shared_dir}/checksums.sha256" | head -n 1)"
  [[ -n "$expected" ]] || return 0

  cache="${RUNNER_TOOL_CACHE:-${HOME}/.cache}/trunkline/${version}/${target}"
  if [[ -x "${cache}/${gate}${exe}" && -f "${cache}/.verified-${expected}" ]]; then
    echo "${cache}/${gate}${exe}"
    return 0
  fi

  base_url="https://github.com/${repository}/releases/download/v${version}"
  proto="=https"
  if [[ -n "${TRUNKLINE_DOWNLOAD_BASE_URL:-}" ]]; then
    # Only for tests: a server on this machine's loopback address.
    [[ "$TRUNKLINE_DOWNLOAD_BASE_URL" =~ ^http://127\.0\.0\.1(:[0-9]+)?(/.*)?$ ]] ||
      die "TRUNKLINE_DOWNLOAD_BASE_URL may only point at http://127.0.0.1 (tests); downloads are HTTPS from GitHub"
    base_url="${TRUNKLINE_DOWNLOAD_BASE_URL%/}"
    proto="=http"
  fi

  tmp="$(mktemp -d)"
  code="$(curl --proto "$proto" --tlsv1.2 --silent --show-error --location \
    --retry 3 --retry-delay 2 --connect-timeout 20 --max-time 300 \
    --output "${tmp}/${asset}" --write-out '%{http_code}' "${base_url}/${asset}" || true)"
  if [[ "$code" != "200" ]]; then
    rm -rf "$tmp"
    echo "No release archive ${asset} (HTTP ${code:-none}); building ${gate} from source instead." >&2
    return 0
  fi
  actual="$(sha256_of "${tmp}/${asset}")"
  if [[ "$actual" != "$expected" ]]; then
    rm -rf "$tmp"
    die "checksum mismatch for ${asset}: expected ${expected}, got ${actual}; refusing to run it"
  fi
  mkdir -p "${tmp}/x" || die "cannot create ${tmp}/x"
  tar -xzf "${tmp}/${asset}" -C "${tmp}/x" || die "cannot unpack ${asset}"
  [[ -f "${tmp}/x/${gate}${exe}" ]] || die "${asset} has no ${gate}${exe}"
  mkdir -p "$cache" || die "cannot create the tool cache ${cache}"
  for f in "${tmp}/x/"*; do
    mv -f "$f" "$cache/" || die "cannot move ${f} into ${cache}"
  done
  chmod +x "${cache}/${gate}${exe}" || die "cannot make ${gate} executable"
  touch "${cache}/.verified-${expected}" || die "cannot mark ${cache} verified"
  rm -rf "$tmp"
  echo "${cache}/${gate}${exe}"
}

bin=""
if [[ -n "${TRUNKLINE_BIN_DIR:-}" ]]; then
  bin="${TRUNKLINE_BIN_DIR}/${gate}${exe}"
  [[ -x "$bin" ]] || die "TRUNKLINE_BIN_DIR is set but ${bin} is not an executable; build it with cargo build --release -p ${gate}"
else
  bin="$(download)"
fi

if [[ -z "$bin" ]]; then
  command -v cargo > /dev/null 2>&1 ||
    die "no release archive of ${gate} for this version and platform, and no cargo to build it; install Rust on the runner or set TRUNKLINE_BIN_DIR"
  target_dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/trunkline-target"
  echo "Building ${gate} from ${source_dir}" >&2
  cargo build --quiet --locked --release -p "$gate" \
    --manifest-path "${source_dir}/Cargo.toml" --target-dir "$target_dir" >&2 ||
    die "building ${gate} from source failed (see the log above)"
  bin="${target_dir}/release/${gate}${exe}"
fi

exec "$bin" --format github
