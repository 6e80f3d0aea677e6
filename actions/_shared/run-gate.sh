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
#      against ./checksums.sha256 (committed here, never fetched) on every
#      use; a mismatch is a hard error;
#   3. when this version has no archive for this platform (a branch ref, a
#      new platform): a build from the action's own source,
#      cargo build --locked --release -p <gate>, isolated from the workspace
#      and from the job's secrets (see build_from_source).
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

# A private directory for this run (the gate's extracted binary, downloads).
run_tmp() {
  mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/trunkline.XXXXXX" || die "cannot create a temporary directory"
}

# TRUNKLINE_DOWNLOAD_BASE_URL (tests only) must be plain http on the IPv4
# loopback address: parsed into scheme, authority and path rather than
# matched loosely, so userinfo (`http://127.0.0.1:80@evil/`), a host suffix
# (`127.0.0.1.evil`) or a path trick (`/@evil`, `\`) is refused.
check_loopback_url() {
  local url="$1" rest authority path
  [[ "$url" == http://* ]] || return 1
  rest="${url#http://}"
  authority="${rest%%[/?#\\]*}"
  path="${rest#"$authority"}"
  [[ "$authority" =~ ^127\.0\.0\.1(:[0-9]{1,5})?$ ]] || return 1
  [[ -z "$path" || "$path" =~ ^/[A-Za-z0-9._~/-]*$ ]] || return 1
}

# Prints the path of a verified binary, or nothing when this version has no
# archive for this platform. The tool cache holds the archive, never a
# loose binary: every use hashes the archive against ./checksums.sha256
# (milliseconds) and extracts the gate into a fresh private directory, so
# nothing planted in the cache (a binary, a marker file) is ever run. A
# cached archive that no longer matches is downloaded again.
download() {
  local version repository asset expected base_url cache tmp code actual
  local -a curl_args
  version="$(release_value version)"
  repository="$(release_value repository)"
  [[ -n "$target" && -n "$version" ]] || return 0
  [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] || die "actions/_shared/release: version '${version}' is not a semantic version"
  [[ "$repository" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || die "actions/_shared/release: repository '${repository}' is not owner/name"
  asset="trunkline-v${version}-${target}.tar.gz"
  expected="$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "${shared_dir}/checksums.sha256" | head -n 1)"
  [[ -n "$expected" ]] || return 0

  cache="${RUNNER_TOOL_CACHE:-${HOME}/.cache}/trunkline/${version}/${target}"
  if [[ -f "${cache}/${asset}" && "$(sha256_of "${cache}/${asset}")" != "$expected" ]]; then
    echo "The cached ${asset} does not match its checksum; downloading it again." >&2
    rm -f "${cache}/${asset}" || die "cannot remove the mismatching ${cache}/${asset}"
  fi

  if [[ ! -f "${cache}/${asset}" ]]; then
    base_url="https://github.com/${repository}/releases/download/v${version}"
    # Real downloads: HTTPS only, redirects included (GitHub redirects
    # release assets to its object store; never down to http).
    curl_args=(--proto =https --proto-redir =https --tlsv1.2 --location)
    if [[ -n "${TRUNKLINE_DOWNLOAD_BASE_URL:-}" ]]; then
      check_loopback_url "$TRUNKLINE_DOWNLOAD_BASE_URL" ||
        die "TRUNKLINE_DOWNLOAD_BASE_URL may only point at http://127.0.0.1 (tests); downloads are HTTPS from GitHub"
      base_url="${TRUNKLINE_DOWNLOAD_BASE_URL%/}"
      # The test override follows no redirect at all, so it never leaves
      # the loopback address.
      curl_args=(--proto =http --proto-redir =http --max-redirs 0)
    fi
    tmp="$(run_tmp)"
    code="$(curl "${curl_args[@]}" --silent --show-error \
      --retry 3 --retry-delay 2 --connect-timeout 20 --max-time 300 \
      --output "${tmp}/${asset}" --write-out '%{http_code}' "${base_url}/${asset}" || true)"
    if [[ "$code" =~ ^3 ]]; then
      rm -rf "$tmp"
      die "downloading ${asset}: the server answered a redirect (HTTP ${code}), which the loopback test override never follows"
    fi
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
    mkdir -p "$cache" || die "cannot create the tool cache ${cache}"
    mv -f "${tmp}/${asset}" "${cache}/${asset}" || die "cannot move ${asset} into ${cache}"
    rm -rf "$tmp"
  fi

  # Extract from the archive just verified, into a directory of our own.
  tmp="$(run_tmp)"
  cp "${cache}/${asset}" "${tmp}/${asset}" || die "cannot copy ${asset} out of the tool cache"
  [[ "$(sha256_of "${tmp}/${asset}")" == "$expected" ]] ||
    die "checksum mismatch for the cached ${asset}; refusing to run it"
  tar -xzf "${tmp}/${asset}" -C "$tmp" "${gate}${exe}" 2> /dev/null || die "${asset} has no ${gate}${exe}"
  [[ -f "${tmp}/${gate}${exe}" && ! -L "${tmp}/${gate}${exe}" ]] || die "${asset} has no ${gate}${exe}"
  chmod +x "${tmp}/${gate}${exe}" || die "cannot make ${gate} executable"
  echo "${tmp}/${gate}${exe}"
}

# A directory to run the source build from, where neither cargo nor rustup
# finds a settings file: both search the current directory and its parents
# (.cargo/config.toml can set a rustc-wrapper, a runner, [env]; a
# rust-toolchain.toml can point at any program), and the step's current
# directory is the checked-out workspace, which a pull request controls.
clean_build_dir() {
  local root dir d workspace
  workspace="$(cd "${GITHUB_WORKSPACE:-$PWD}" 2> /dev/null && pwd -P)" || workspace=""
  for root in "${RUNNER_TEMP:-}" "${TMPDIR:-}" /tmp; do
    [[ -n "$root" && -d "$root" ]] || continue
    root="$(cd "$root" && pwd -P)" || continue
    # Never inside the workspace, whose parents' settings it would share.
    [[ -n "$workspace" && "${root}/" == "${workspace}/"* ]] && continue
    d="$root"
    while :; do
      if [[ -e "${d}/.cargo/config.toml" || -e "${d}/.cargo/config" ||
        -e "${d}/rust-toolchain.toml" || -e "${d}/rust-toolchain" ]]; then
        continue 2
      fi
      [[ "$d" == / ]] && break
      d="$(dirname "$d")"
    done
    dir="$(mktemp -d "${root}/trunkline-build.XXXXXX")" || continue
    echo "$dir"
    return 0
  done
  die "no directory to build ${gate} in that is free of cargo and rustup settings files (checked \$RUNNER_TEMP, \$TMPDIR and /tmp); set TRUNKLINE_BIN_DIR to a built gate"
}

# Builds the gate from the action's own source. The build sees none of the
# workspace's settings and none of the job's secrets: it runs from a clean
# directory, with its own CARGO_HOME and an explicit toolchain, and with an
# environment of only what a build needs (no GITHUB_TOKEN, INPUT_*, ACTIONS_*).
build_from_source() {
  local build_dir cargo_home target_dir toolchain name
  local -a keep
  build_dir="$(clean_build_dir)"
  cargo_home="${RUNNER_TOOL_CACHE:-${HOME}/.cache}/trunkline/cargo-home"
  mkdir -p "$cargo_home" || die "cannot create ${cargo_home}"
  # Ours alone: settings found there were planted.
  rm -f "${cargo_home}/config.toml" "${cargo_home}/config" "${cargo_home}/credentials.toml" "${cargo_home}/credentials" ||
    die "cannot clear settings from ${cargo_home}"
  target_dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/trunkline-target"
  # The machine's default toolchain, named explicitly so no override file
  # can choose another.
  toolchain="$(cd "$build_dir" && rustup default 2> /dev/null | awk 'NR == 1 { print $1 }')" || toolchain=""
  keep=(PATH="$PATH" HOME="$HOME" CARGO_HOME="$cargo_home" CARGO_TARGET_DIR="$target_dir")
  [[ -n "$toolchain" ]] && keep+=(RUSTUP_TOOLCHAIN="$toolchain")
  for name in RUSTUP_HOME TMPDIR TEMP TMP USER LANG \
    HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy SSL_CERT_FILE SSL_CERT_DIR \
    SYSTEMROOT SystemRoot WINDIR USERPROFILE LOCALAPPDATA APPDATA PATHEXT COMSPEC; do
    [[ -n "${!name:-}" ]] && keep+=("${name}=${!name}")
  done
  echo "Building ${gate} from ${source_dir}" >&2
  (cd "$build_dir" && env -i "${keep[@]}" cargo build --quiet --locked --release -p "$gate" \
    --manifest-path "${source_dir}/Cargo.toml" --target-dir "$target_dir") >&2 ||
    die "building ${gate} from source failed (see the log above)"
  rmdir "$build_dir" 2> /dev/null || true
  echo "${target_dir}/release/${gate}${exe}"
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
  bin="$(build_from_source)"
fi

exec "$bin" --format github
