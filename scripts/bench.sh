#!/usr/bin/env bash
# Runs grantledger's benchmark on a network of its own. `make bench` calls it.
#
# Usage: scripts/bench.sh [glbench flags]      (docs/performance.md)
# Env:   QUICK=1            run every scenario briefly (a few minutes)
#        BENCH_SCENARIOS    comma-separated scenarios to run, e.g.
#                           bare-write,read-grant (default: all of them)
#        BENCH_STATE        the bench network's state (default var/bench/net)
#        BENCH_PORT_OFFSET  added to every port (default 10000), so the
#                           bench runs beside `make up` and the e2e tests
#        BENCH_KEEP=1       leave the network up at the end (development)
#        and the other BENCH_* settings glbench reads (docs/performance.md)
# Prints one table; writes var/bench/latest.json and var/bench/latest.svg.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

fabric=$(scripts/fabric-bins.sh)
go build -o bin/glnet ./cmd/glnet
go build -o bin/glbench ./cmd/glbench

# glbench and the glnet below read the same network: the default topology
# with its own state directory and ports.
export GRANTLEDGER_ROOT="$root" GRANTLEDGER_FABRIC="$fabric"
export GLNET_STATE="${BENCH_STATE:-$root/var/bench/net}"
export GLNET_PORT_OFFSET="${BENCH_PORT_OFFSET:-10000}"
unset GLNET_TOPOLOGY

# CPU profiles (BENCH_PROFILE=1) are recorded with Linux perf: install it
# when it is missing (Debian's linux-perf; a machine without it still runs
# the bench, and the report says the profiles were not recorded).
if [ -n "${BENCH_PROFILE:-}" ] && [ "${BENCH_PROFILE}" != 0 ] && ! command -v perf >/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && apt-get install -y -qq linux-perf; } >/dev/null 2>&1 || echo "bench: could not install linux-perf; no profiles" >&2
  fi
fi

args=()
if [ -n "${QUICK:-}" ] && [ "${QUICK}" != 0 ]; then
  args+=(-quick)
fi
keep=0
if [ -n "${BENCH_KEEP:-}" ] && [ "${BENCH_KEEP}" != 0 ] && [ "${BENCH_KEEP}" != false ]; then
  keep=1
fi
# glbench takes its network down itself; this catches a glbench that was
# killed before it could (glnet down stops the baseline services too).
if [ "$keep" = 0 ]; then
  trap '"$root/bin/glnet" down >/dev/null 2>&1 || true' EXIT
fi
bin/glbench "${args[@]}" "$@"
