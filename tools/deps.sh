#!/usr/bin/env bash
# Installs the Debian packages zeroserve's build and tests need, when missing.
# Idempotent: prints what it installs and does nothing when all is present.
set -euo pipefail

# h2spec (HTTP/2 conformance, e2e TestH2Spec) is a Go tool, not a Debian package.
if ! command -v h2spec >/dev/null 2>&1 && [ ! -x "$(go env GOPATH)/bin/h2spec" ]; then
  echo "deps: installing h2spec"
  go install github.com/summerwind/h2spec/cmd/h2spec@v2.2.1+incompatible
fi

# command -> Debian package
declare -A want=(
  [clang-19]=clang-19      # BPF back end with -mcpu=v4 (Debian 12's default clang is 14)
  [llvm-objdump-19]=llvm-19
  [curl]=curl
  [openssl]=openssl
  [nginx]=nginx            # side-by-side benchmarks and interop
  [caddy]=caddy            # side-by-side benchmarks (tools/bench config test)
  [wrk]=wrk
  [h2load]=nghttp2-client
  [tar]=tar
  [chromium]=chromium      # zspack dev's browser test (headless)
)
missing=()
for cmd in "${!want[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${want[$cmd]}")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
