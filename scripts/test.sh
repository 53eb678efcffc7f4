#!/usr/bin/env bash
# Runs grantledger's tests. `make test` calls it with "all".
#
# Usage: scripts/test.sh all|lint|unit|fuzz|e2e
#   lint  gofmt, go vet, staticcheck, shellcheck, Redocly lint of the
#         OpenAPI document (npm ci into tools/redocly once)
#   unit  go test -race over every package (no network needed)
#   fuzz  every fuzz target briefly, one at a time (FUZZTIME a target,
#         default 3s; docs/testing.md says how to run them long)
#   e2e   brings up a network of its own (state in var/e2e, ports shifted by
#         GLNET_PORT_OFFSET, default 18000, so it can run beside `make up`
#         and stays below the kernel's ephemeral ports, 32768 up),
#         runs the end-to-end tests against it, and takes it down again
#   all   lint, unit, fuzz, e2e
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
glnet="$root/bin/glnet"
cd "$root"

lint() {
  echo "== lint"
  local unformatted
  unformatted=$(git ls-files -z '*.go' | xargs -0 -r gofmt -l)
  if [ -n "$unformatted" ]; then
    echo "gofmt would change: $unformatted" >&2
    return 1
  fi
  # A merge's conflict markers left in a tracked file (a document the
  # compiler never reads would keep them silently).
  if git grep -n -E '^(<<<<<<<|>>>>>>>) ' -- . ':!scripts/test.sh'; then
    echo "merge conflict markers left in the files above" >&2
    return 1
  fi
  go vet ./...
  go vet -tags e2e ./test/...
  # staticcheck at the version pinned in tools/lint, built into bin/.
  (cd tools/lint && go build -o "$root/bin/staticcheck" honnef.co/go/tools/cmd/staticcheck)
  bin/staticcheck ./...
  bin/staticcheck -tags e2e ./test/...
  if command -v shellcheck >/dev/null 2>&1; then
    shellcheck scripts/*.sh .ci/run network/builders/ccaas/bin/*
  else
    echo "shellcheck not installed: .ci/run installs it" >&2
    return 1
  fi
  openapi_lint
}

# openapi_lint checks the OpenAPI document the API serves (GET
# /v1/openapi.json, printed by `grantledger-api openapi`, no network) with
# Redocly CLI's recommended rules (tools/redocly/redocly.yaml), at the
# version tools/redocly pins. npm ci installs it into
# tools/redocly/node_modules (git-ignored) when the lock file changed
# since the last install, so a warm run needs no registry.
openapi_lint() {
  local dir="$root/tools/redocly" stamp="$root/tools/redocly/node_modules/.installed-lock.json"
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm not installed: Redocly CLI needs Node.js 20.19 or later and npm" >&2
    return 1
  fi
  if ! cmp -s "$dir/package-lock.json" "$stamp"; then
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$stamp"
  fi
  mkdir -p bin
  go run ./cmd/grantledger-api openapi >bin/openapi.json
  REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
    "$dir/node_modules/.bin/redocly" lint --config "$dir/redocly.yaml" bin/openapi.json
}

unit() {
  echo "== unit tests"
  go test -race -count=1 ./...
}

# fuzz runs each Fuzz target of every package for FUZZTIME, one after
# the other (the fuzzer uses every core). A failing input is written to
# the package's testdata/fuzz/<target>/ and fails the stage.
fuzz() {
  echo "== fuzz"
  local fuzztime="${FUZZTIME:-3s}" first pkg name targets=() count=0
  local listing dirs=()
  # Only the packages with fuzz targets are listed (listing ./... would
  # build every test binary once more).
  mapfile -t dirs < <(find . -path ./var -prune -o -path ./tools -prune -o -name '*fuzz_test.go' -printf '%h\n' | sort -u)
  listing=$(go test -list '^Fuzz' "${dirs[@]}")
  while read -r first pkg _; do
    case "$first" in
      Fuzz*) targets+=("$first") ;;
      ok)
        for name in "${targets[@]}"; do
          fuzz_target "$name" "$pkg" "$fuzztime"
          count=$((count + 1))
        done
        targets=()
        ;;
      *) targets=() ;;
    esac
  done <<<"$listing"
  echo "fuzzed $count targets for $fuzztime each"
}

# fuzz_target fuzzes one target. Go's fuzzing engine can end a short run
# with "context deadline exceeded" and no failing input when a worker is
# still minimising a new interesting input at the deadline (more likely on
# a loaded machine): that is the engine's, not a finding, and the target is
# run once more. A failing input always fails the stage.
fuzz_target() {
  local name=$1 pkg=$2 fuzztime=$3 out
  out=$(mktemp)
  if go test -run '^$' -fuzz "^$name\$" -fuzztime "$fuzztime" "$pkg" 2>&1 | tee "$out"; then
    rm -f "$out"
    return 0
  fi
  if grep -q 'context deadline exceeded' "$out" && ! grep -q 'Failing input written' "$out"; then
    rm -f "$out"
    echo "fuzz: $name: the engine hit its deadline with no failing input; running it again"
    go test -run '^$' -fuzz "^$name\$" -fuzztime "$fuzztime" "$pkg"
    return
  fi
  rm -f "$out"
  return 1
}

e2e() {
  echo "== end-to-end tests"
  local fabric state status=0
  fabric=$(scripts/fabric-bins.sh)
  state="${GLNET_STATE:-$root/var/e2e}"
  go build -o "$glnet" ./cmd/glnet
  # The default topology plus a developer organisation (开发利用主体), so that
  # two-level authorization (sub-grants) runs end to end too.
  export GLNET_TOPOLOGY="${GLNET_TOPOLOGY:-$root/test/e2e/topology.json}"
  export GRANTLEDGER_FABRIC="$fabric" GLNET_STATE="$state" GLNET_PORT_OFFSET="${GLNET_PORT_OFFSET:-18000}" GRANTLEDGER_ROOT="$root"
  # What the tests leave to look at (the browser tests' screenshots),
  # kept when the network's state is cleaned.
  export E2E_ARTIFACTS="${E2E_ARTIFACTS:-$root/var/e2e-artifacts}"
  # Always take down what this run started, however it ends.
  trap '"$glnet" down >/dev/null 2>&1 || true' EXIT
  local t0=$SECONDS
  "$glnet" up
  echo "e2e network up in $((SECONDS - t0))s"
  # E2E_RUN narrows the run to matching tests (go test -run).
  go test -tags e2e -count=1 -timeout 40m -v -run "${E2E_RUN:-.}" ./test/e2e/... || status=$?
  "$glnet" status || true
  "$glnet" down
  trap - EXIT
  if [ "$status" != 0 ]; then
    echo "end-to-end tests failed; logs of every process are in $state/logs" >&2
    return "$status"
  fi
  "$glnet" clean >/dev/null
  echo "screenshots and other artifacts of the run: $E2E_ARTIFACTS"
}

case "${1:-}" in
  lint) lint ;;
  unit) unit ;;
  fuzz) fuzz ;;
  e2e) e2e ;;
  all) lint; unit; fuzz; e2e ;;
  *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
