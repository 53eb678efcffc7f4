#!/usr/bin/env bash
# Builds Hyperledger Fabric's commands (peer, orderer, configtxgen, cryptogen,
# osnadmin, configtxlator) at the version pinned in tools/fabric/go.mod into a
# cache outside the repository, with Fabric's sample configuration beside
# them, and prints the cache directory (holding bin/ and config/).
# The cache is keyed by the pin: it is rebuilt only when go.mod/go.sum change.
#
# Usage: scripts/fabric-bins.sh        (progress on stderr, the directory on stdout)
# Env:   GRANTLEDGER_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/grantledger)
set -euo pipefail

case "${1:-}" in
  -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mod="$root/tools/fabric"
version=$(awk '$1 == "require" && $2 == "github.com/hyperledger/fabric" { print $3 }' "$mod/go.mod")
if [ -z "$version" ]; then
  echo "fabric-bins: no github.com/hyperledger/fabric requirement in $mod/go.mod" >&2
  exit 1
fi
key=$(cat "$mod/go.mod" "$mod/go.sum" | sha256sum | cut -c1-12)
cache="${GRANTLEDGER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/grantledger}/fabric-$version-$key"
cmds=(peer orderer configtxgen cryptogen osnadmin configtxlator)

complete=1
for c in "${cmds[@]}"; do
  [ -x "$cache/bin/$c" ] || complete=0
done
if [ "$complete" = 1 ] && [ -f "$cache/config/core.yaml" ]; then
  echo "$cache"
  exit 0
fi

echo "fabric-bins: building Fabric $version into $cache (several minutes the first time)" >&2
tmp="$cache.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/config"
pkgs=()
for c in "${cmds[@]}"; do
  pkgs+=("github.com/hyperledger/fabric/cmd/$c")
done
(cd "$mod" && GOFLAGS=-mod=readonly go build -trimpath -buildvcs=false -o "$tmp/bin/" "${pkgs[@]}")
src=$(cd "$mod" && go list -m -f '{{.Dir}}' github.com/hyperledger/fabric)
cp "$src/sampleconfig/core.yaml" "$src/sampleconfig/orderer.yaml" "$src/sampleconfig/configtx.yaml" "$tmp/config/"
chmod -R u+w "$tmp/config"
rm -rf "$cache"
mv "$tmp" "$cache"
trap - EXIT
echo "fabric-bins: done" >&2
echo "$cache"
