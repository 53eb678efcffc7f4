#!/usr/bin/env bash
# Walks the whole process of the seeds through the organisations' grantledger
# APIs of a running network (`make up`), with plain curl calls, one line per
# step: parties registered, datasets listed, call published, application,
# reviews, grant issued and approved by the providers, agreement signed,
# attestor registered, signed usage receipts (single and batch, with an
# inclusion proof), product reviewed (expert and platform opinions), approved
# and listed by the data exchange, the regulator reading its provenance and a
# history, a security incident reported late, decided and closed, a
# revocation marking the product, and the month's platform fees stated from
# the receipts, paid and acknowledged.
#
# Usage: scripts/demo.sh [-h] [-p PROFILE] [-t TOKENS]
#   -p PROFILE  the connection profile `make up` wrote, which names each
#               organisation's API address (default: var/network.json)
#   -t TOKENS   the directory holding <org>/tokens.env, each API's bearer
#               tokens as USER=token lines (default: var/api)
#   -h          this help
#
# Every run uses IDs of its own, so it can run again and again on the same
# network. It needs curl, jq and go (to build cmd/glsign, which signs the
# receipts as a test attestor), and exits non-zero at the first answer whose
# status is not the one the step expects.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
profile="$root/var/network.json"
tokens="$root/var/api"

# usage prints the comment at the top of this file.
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }

while getopts ":hp:t:" opt; do
  case "$opt" in
    h) usage; exit 0 ;;
    p) profile=$OPTARG ;;
    t) tokens=$OPTARG ;;
    :) echo "demo: -$OPTARG needs a value" >&2; usage >&2; exit 2 ;;
    *) echo "demo: unknown option -$OPTARG" >&2; usage >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ $# -gt 0 ]; then
  echo "demo: unexpected arguments: $*" >&2
  usage >&2
  exit 2
fi

for tool in curl jq go; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "demo: $tool is not installed; the demo needs curl, jq and go" >&2
    exit 2
  fi
done
if [ ! -f "$profile" ]; then
  echo "demo: no connection profile at $profile: is the network up? Run make up" >&2
  exit 2
fi

# The expert committee member (专家咨询委员会成员) of the demo: an individual
# identity the authority registers as an expert.
expert_org=authority
expert_user=User2

tmp=$(mktemp -d)
streams=()
cleanup() {
  local pid
  for pid in "${streams[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "demo: failed at line $LINENO" >&2' ERR

# --- the organisations' APIs ------------------------------------------------

# api_url ORG: the base URL of an organisation's API (ORG is its short name).
api_url() {
  local addr
  addr=$(jq -er --arg o "$1" '.orgs[] | select(.name == $o) | .api // empty' "$profile") || {
    echo "demo: $profile names no API of $1" >&2
    exit 2
  }
  echo "http://$addr"
}

# token ORG USER: the bearer token of one of an organisation's identities.
token() {
  local file="$tokens/$1/tokens.env" line
  line=$(grep -m1 "^$2=" "$file" 2>/dev/null) || {
    echo "demo: no token of $2 in $file" >&2
    exit 2
  }
  echo "${line#*=}"
}

# msp ORG: an organisation's MSP ID.
msp() { jq -er --arg o "$1" '.orgs[] | select(.name == $o) | .mspId' "$profile"; }

orgs=(authority health market operator platform regulator exchange)
declare -A url
for o in "${orgs[@]}"; do
  url[$o]=$(api_url "$o")
  for _ in $(seq 50); do
    if curl -fsS -o /dev/null "${url[$o]}/readyz" 2>/dev/null; then
      continue 2
    fi
    sleep 0.2
  done
  echo "demo: the API of $o at ${url[$o]} is not ready (GET /readyz): is the network up? Run make up" >&2
  exit 1
done

# Each API's event stream, followed for the whole run: a step that changes
# the ledger waits until every organisation's API has streamed its
# transaction's event, that is until every peer has committed it, before the
# next organisation acts on it.
for o in "${orgs[@]}"; do
  curl -sSN -H "Authorization: Bearer $(token "$o" User1)" "${url[$o]}/v1/events" >"$tmp/events-$o" 2>"$tmp/events-$o.err" &
  streams+=("$!")
done
for o in "${orgs[@]}"; do
  for _ in $(seq 100); do
    grep -qs '^retry:' "$tmp/events-$o" && continue 2
    sleep 0.1
  done
  echo "demo: the event stream of $o did not open: $(cat "$tmp/events-$o.err")" >&2
  exit 1
done

# The organisations of the run with their MSP IDs and roles, for telling
# who may read an event: an API streams only the events its caller may read.
orgs_json=$(jq -c '[.orgs[] | select(.name as $n | $ARGS.positional | index($n)) | {name, msp: .mspId, role}]' "$profile" --args "${orgs[@]}")

# wait_tx TX: returns once every API that may read the event of transaction
# TX has streamed it. The regulator's API streams every event; its copy names
# who may read the object (its audience).
wait_tx() {
  local o line
  local -a readers
  for _ in $(seq 300); do
    line=$(grep -m1 -s "\"txId\":\"$1\"" "$tmp/events-regulator") && [ -n "$line" ] && break
    sleep 0.1
  done
  if [ -z "$line" ]; then
    echo "demo: transaction $1 was not committed by the regulator's peer within 30s" >&2
    exit 1
  fi
  mapfile -t readers < <(jq -r --argjson orgs "$orgs_json" '.payload.audience as $a | $orgs[] | . as $o
    | select($o.role == "authority" or $o.role == "regulator" or ($a != null and ($a.public == true
        or (($a.orgs // []) | index($o.msp)) != null or (($a.roles // []) | index($o.role)) != null)))
    | $o.name' <<<"${line#data: }")
  for _ in $(seq 300); do
    for o in "${readers[@]}"; do
      grep -qs "\"txId\":\"$1\"" "$tmp/events-$o" || { sleep 0.1; continue 2; }
    done
    return 0
  done
  echo "demo: transaction $1 was not committed by every peer that may read it within 30s" >&2
  exit 1
}

# --- steps -------------------------------------------------------------------

n=0
body="$tmp/body"

# call WHO METHOD PATH WANT SUMMARY [JSON]: one step. WHO is ORG or
# ORG/USER (default User1). Sends JSON as the body, fails unless the status
# is WANT, waits for the transaction of a change to be committed everywhere,
# and prints one line whose last part is the jq filter SUMMARY applied to
# the answer. The answer stays in $body.
call() {
  local who=$1 method=$2 path=$3 want=$4 summary=$5 data=${6-}
  local org=${who%/*} user=User1 status tx line
  if [ "$who" != "$org" ]; then
    user=${who#*/}
  fi
  local args=(-sS -o "$body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $(token "$org" "$user")")
  if [ -n "$data" ]; then
    args+=(-H 'Content-Type: application/json' --data-binary "$data")
  fi
  status=$(curl "${args[@]}" "${url[$org]}$path") || status=000
  n=$((n + 1))
  line=$(printf '[%2d] %-15s → %-4s %-48s %s' "$n" "$who" "$method" "$path" "$status")
  if [ "$status" != "$want" ]; then
    echo "$line  unexpected: want $want" >&2
    cat "$body" >&2 2>/dev/null && echo >&2
    exit 1
  fi
  # Every change answers the object it changed, stamped with the
  # transaction; a proof check (POST …/verify) is a query.
  if [ "$method" != GET ] && [ "${path##*/}" != verify ] && [ "${status:0:1}" = 2 ]; then
    tx=$(jq -r '.updated.txId // .recorded.txId // .created.txId // empty' "$body")
    if [ -z "$tx" ]; then
      echo "$line  the answer names no transaction: $(cat "$body")" >&2
      exit 1
    fi
    wait_tx "$tx"
  fi
  echo "$line  $(jq -r "$summary" "$body")"
}

# digest TEXT: a stand-in document digest, 0x + sha256 of TEXT.
digest() { echo "0x$(printf %s "$1" | sha256sum | cut -d' ' -f1)"; }
# at OFFSET: an RFC 3339 time, now shifted by a GNU date offset ("-1 hour").
at() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }

run="$(date -u +%y%m%d%H%M%S)-$$"
id() { echo "$1-$run"; }

health=$(msp health) operator=$(msp operator)

echo "grantledger demo, run $run"
go build -o "$tmp/glsign" "$root/cmd/glsign"

# 1. The authority registers the parties (an MSP is registered once: a later
# run finds them) and admits the operator.
for o in health market operator platform regulator exchange; do
  m=$(msp "$o")
  role=$(jq -r --arg o "$o" '.orgs[] | select(.name == $o) | .role' "$profile")
  status=$(curl -sS -o "$body" -w '%{http_code}' -H "Authorization: Bearer $(token authority User1)" "${url[authority]}/v1/participants/$m")
  if [ "$status" = 404 ]; then
    call authority POST /v1/participants 201 '"participant \(.msp) registered as \(.role)"' \
      "$(jq -nc --arg m "$m" --arg r "$role" --arg n "$o" '{msp: $m, role: $r, name: $n}')"
  else
    call authority GET "/v1/participants/$m" 200 '"participant \(.msp) already registered as \(.role)"'
  fi
done
call operator GET "/v1/participants/$operator" 200 '"operator \(.msp) is \(.status)"'
if [ "$(jq -r .status "$body")" = applicant ]; then
  call authority POST "/v1/participants/$operator/status" 200 '"operator \(.msp) \(.status)"' '{"status":"admitted"}'
fi

# The expert committee member: the authority registers an individual
# identity, as GET /v1/me reports it to that identity, as an expert.
call "$expert_org/$expert_user" GET /v1/me 200 '"\(.org)/\(.user) acts as \(.caller.role // "nobody")"'
if [ "$(jq -r '.caller.role // ""' "$body")" != expert ]; then
  client=$(jq -r .caller.client "$body") expert_msp=$(jq -r .caller.msp "$body")
  call authority POST /v1/experts 201 '"expert \(.name) registered"' \
    "$(jq -nc --arg m "$expert_msp" --arg c "$client" --arg n "Expert $run" '{msp: $m, client: $c, name: $n}')"
fi

# 2. The providers list their datasets in the catalogue; the authority
# publishes a call for operators.
visits=$(id visits) loans=$(id loans)
call health POST /v1/datasets 201 '"dataset \(.id) of \(.owner) \(.status)"' \
  "$(jq -nc --arg id "$visits" '{id: $id, name: "Outpatient visits", domain: "medical", classification: "important", personalInfo: true,
     fields: [{name: "age", sensitivity: 2}, {name: "diagnosis", sensitivity: 3}, {name: "name", sensitivity: 4}]}')"
call market POST /v1/datasets 201 '"dataset \(.id) of \(.owner) \(.status)"' \
  "$(jq -nc --arg id "$loans" '{id: $id, name: "SME loans", domain: "finance", classification: "general",
     fields: [{name: "amount", sensitivity: 2}, {name: "term", sensitivity: 1}]}')"
call operator GET "/v1/datasets?owner=$health&pageSize=100" 200 '"\(.items | length) datasets of '"$health"' in the catalogue"'
callid=$(id call)
call authority POST /v1/calls 201 '"call \(.id) \(.status) (\(.mode), \(.domains | join(", ")))"' \
  "$(jq -nc --arg id "$callid" --arg opens "$(at '-1 hour')" --arg closes "$(at '+1 day')" \
     '{id: $id, title: "Inclusive credit", mode: "scenario", domains: ["finance", "medical"],
       conditions: "registered legal person", criteria: "scenario value and security", opens: $opens, closes: $closes}')"

# 3. The operator applies; the authority reviews the operator and the
# application.
scope=$(jq -nc --arg v "$visits" --arg l "$loans" \
  '{datasets: [{id: $v, fields: ["age", "diagnosis"]}, {id: $l, fields: ["amount"]}],
    purposes: ["credit-assessment"], operations: ["statistics", "joint-modelling"]}')
app=$(id app)
call operator POST /v1/applications 201 '"application \(.id) \(.status)"' \
  "$(jq -nc --arg id "$app" --arg call "$callid" --argjson scope "$scope" \
     --arg plan "$(digest "emergency plan $app")" --arg docs "$(digest "security docs $app")" \
     '{id: $id, callId: $call, scenario: {name: "inclusive-credit", domain: "finance", description: "credit scoring for small firms"},
       scope: $scope, termMonths: 12, trialMonths: 3, emergencyPlanDigest: $plan, securityDocsDigest: $docs}')"
for review in basic-security:"$operator" technical-security:"$operator" network-security:"$app" scenario:"$app"; do
  kind=${review%%:*} subject=${review#*:} rid=$(id "rev-${review%%:*}")
  call authority POST /v1/reviews 201 '"\(.kind) review of \(.subject): \(.outcome)"' \
    "$(jq -nc --arg id "$rid" --arg k "$kind" --arg s "$subject" --arg d "$(at '-1 minute')" --arg r "$(digest "report $rid")" \
       '{id: $id, kind: $k, subject: $s, outcome: "pass", date: $d, reportDigest: $r}')"
done
call operator GET "/v1/applications/$app" 200 '"application \(.id) \(.status)"'

# 4. The authority issues the grant; both providers approve it; both
# parties sign its agreement.
grant=$(id grant) agreement=$(id agr)
term=$(jq -nc --arg from "$(at '-1 minute')" --arg to "$(at '+6 months')" '{validFrom: $from, validTo: $to}')
call authority POST /v1/grants 201 '"grant \(.id) \(.status), waiting for \(.providers | join(" and "))"' \
  "$(jq -nc --arg id "$grant" --arg app "$app" --argjson scope "$scope" --argjson term "$term" \
     '{id: $id, applicationId: $app, scope: $scope, quota: {records: 1000, calls: 10}, term: $term}')"
call health POST "/v1/grants/$grant/approve" 200 '"grant \(.id) \(.status)"'
call market POST "/v1/grants/$grant/approve" 200 '"grant \(.id) \(.status)"'
call authority POST /v1/agreements 201 '"agreement \(.id) \(.status)"' \
  "$(jq -nc --arg id "$agreement" --arg g "$grant" --arg t "$(digest "agreement $agreement")" --argjson term "$term" \
     '{id: $id, grantId: $g, textDigest: $t, term: $term}')"
call authority POST "/v1/agreements/$agreement/sign" 200 '"agreement \(.id) \(.status)"'
call operator POST "/v1/agreements/$agreement/sign" 200 '"agreement \(.id) \(.status) from \(.inForceFrom)"'
# The platform's fees (平台使用费) for the grant, from this month on: per
# record used, per call and a fixed monthly part, in fen.
platform_msp=$(msp platform) month=$(date -u +%Y-%m)
call authority PUT "/v1/grants/$grant/fee-schedule" 200 '"fee schedule of \(.grantId): \(.versions[-1].perRecord) fen a record, \(.versions[-1].perCall) a call, \(.versions[-1].fixedPerMonth) a month, to \(.versions[-1].payee)"' \
  "$(jq -nc --arg m "$month" --arg p "$platform_msp" '{effectiveFrom: $m, payee: $p, perRecord: 2, perCall: 50, fixedPerMonth: 10000}')"

# 5. The platform registers its trusted environment; its signed receipts
# are recorded, one alone and three in a batch.
seed="demo-$run"
attestor=$("$tmp/glsign" address -seed "$seed")
call platform POST /v1/attestors 201 '"attestor \(.address) \(.status)"' \
  "$(jq -nc --arg a "$attestor" --arg n "TEE $run" '{address: $a, name: $n}')"
# receipt ID RECORDS: the receipt request of a use of visits(age) now, signed.
receipt() {
  jq -nc --arg id "$(id "$1")" --arg g "$grant" --arg v "$visits" --argjson n "$2" --argjson t "$(($(date +%s) + 1))" \
    --arg in "$(digest "in $1")" --arg out "$(digest "out $1")" \
    '{receiptId: $id, grantId: $g, datasets: [{id: $v, fields: ["age"]}], operation: "statistics",
      purpose: "credit-assessment", records: $n, inputDigest: $in, outputDigest: $out, time: $t}' |
    "$tmp/glsign" sign -seed "$seed" -receipt
}
call operator POST /v1/receipts 201 '"receipt \(.id): \(.records) records of \(.grantId) signed by \(.attestor)"' "$(receipt r1 5)"
batch=$(id batch) r3=$(receipt r3 10)
call platform POST /v1/batches 201 '"batch \(.id): \(.count) receipts, root \(.root)"' \
  "$(jq -nc --arg id "$batch" --argjson a "$(receipt r2 10)" --argjson b "$r3" --argjson c "$(receipt r4 10)" \
     '{id: $id, receipts: [$a, $b, $c]}')"
call regulator GET "/v1/receipts/$(id r3)/proof" 200 '"receipt \(.receiptId) is leaf \(.index) of \(.batchId), \(.proof | length) proof steps"'
proof=$(jq -c .proof "$body")
call market POST "/v1/batches/$batch/verify" 200 '"proof of \(.receiptId): valid \(.valid) under \(.root)"' \
  "$(jq -nc --argjson s "$(jq -c .statement <<<"$r3")" --argjson p "$proof" '{statement: $s, proof: $p}')"
call operator GET "/v1/grants/$grant/usage" 200 '"grant \(.grantId) used \(.records) records in \(.calls) calls"'

# 6. The operator's product is reviewed with the platform's and an expert's
# opinions and approved; the operator offers it to the data exchange, which
# lists it under the registration number it issues.
product=$(id prod)
call operator POST /v1/products 201 '"product \(.id) \(.status), from \(.grants | join(", ")) and \(.receipts | length) receipts"' \
  "$(jq -nc --arg id "$product" --arg d "$(digest "model card $run")" --arg g "$grant" --arg r1 "$(id r1)" --arg r2 "$(id r2)" \
     '{id: $id, type: "model", name: "SME credit model", descriptionDigest: $d, grants: [$g], receipts: [$r1, $r2]}')"
call operator POST "/v1/products/$product/submit" 200 '"product \(.id) \(.status)"'
opinion() {
  jq -nc --arg id "$(id "$1")" --arg p "$product" --arg d "$(digest "opinion $1 $run")" \
    '{id: $id, subjectType: "product", subjectId: $p, recommendation: "approve", digest: $d}'
}
call platform POST /v1/opinions 201 '"opinion \(.id): \(.recommendation)"' "$(opinion op-platform)"
call "$expert_org/$expert_user" POST /v1/opinions 201 '"expert opinion \(.id): \(.recommendation)"' "$(opinion op-expert)"
call authority POST "/v1/products/$product/review" 200 '"product \(.id) \(.status)"' '{"approve":true}'
call operator POST "/v1/products/$product/list" 200 '"product \(.id) \(.status)"'
call exchange POST "/v1/products/$product/listing/confirm" 200 '"product \(.id) \(.status) as \(.registrationNo) by \(.exchange)"' \
  "$(jq -nc --arg r "HZDE-$run" '{registrationNo: $r}')"
call health GET "/v1/disclosure/products?pageSize=100" 200 '"\(.items | length) listed products disclosed to the public"'

# 7. The regulator traces the product back to the providers and reads the
# grant's history.
call regulator GET "/v1/products/$product/provenance" 200 \
  '"\(.product.id) ← receipts \([.receipts[].id] | join(", ")) ← grants \([.grants[].id] | join(", ")) ← datasets \([.datasets[].id] | join(", ")) ← providers \([.providers[].id] | join(", "))"'
call regulator GET "/v1/grants/$grant/history" 200 '"\(.items | length) versions of the grant, newest first: \([.items[].value.status] | join(" ← "))"'

# 8. A security incident (数据安全事件) on the grant: the operator reports a
# major one three hours after its detection, an hour past the two hours its
# level allows, so the ledger flags it late; the authority orders
# rectification, then closes it; the product's provenance shows it.
incident=$(id inc)
call operator POST /v1/incidents 201 '"incident \(.id) on \(.subjectType) \(.subjectId): \(.severity), \(.status)\(if .late then ", reported late by \(.lateBy)" else "" end)"' \
  "$(jq -nc --arg id "$incident" --arg g "$grant" --arg occ "$(at '-4 hours')" --arg det "$(at '-3 hours')" --arg d "$(digest "incident report $run")" \
     '{id: $id, subjectType: "grant", subjectId: $g, severity: "major", occurred: $occ, detected: $det, reportDigest: $d}')"
call authority POST "/v1/incidents/$incident/decide" 200 '"incident \(.id) \(.status): \(.decision.action)"' \
  "$(jq -nc --arg d "$(digest "decision $run")" '{action: "rectify", reasonDigest: $d}')"
call authority POST "/v1/incidents/$incident/close" 200 '"incident \(.id) \(.status)"' \
  "$(jq -nc --arg d "$(digest "rectification report $run")" '{reportDigest: $d}')"
call regulator GET "/v1/products/$product/provenance" 200 '"incidents on the path of \(.product.id): \([.incidents[] | "\(.id) (\(.status))"] | join(", "))"'

# 9. The authority revokes the grant: the product is marked, and no later use
# of the grant is accepted.
call authority POST "/v1/grants/$grant/revoke" 200 '"grant \(.id) \(.status): \(.reason)"' '{"reason":"breach of agreement"}'
call operator GET "/v1/products/$product" 200 '"product \(.id) \(.status), marked: \([.marks[] | "\(.change) \(.grantId)"] | join(", "))"'
call operator POST /v1/receipts 422 '"\(.code): \(.message)"' "$(receipt r-late 1)"

# 10. The grant's use has ended, so the platform states this month's fees:
# the contract sums the receipts it recorded and prices them by the
# schedule; the platform confirms the payment, the operator acknowledges.
statement=$(id fs)
call platform POST /v1/fee-statements 201 '"fee statement \(.id) of \(.period): \(.receipts) receipts, \(.records) records, \(.calls) calls = \(.recordsAmount) + \(.callsAmount) + \(.fixedAmount) = \(.amount) fen"' \
  "$(jq -nc --arg id "$statement" --arg g "$grant" --arg m "$month" '{id: $id, grantId: $g, period: $m}')"
call platform POST "/v1/fee-statements/$statement/confirm" 200 '"fee statement \(.id) \(.status)"' \
  "$(jq -nc --arg d "$(digest "payment $statement")" '{referenceDigest: $d}')"
call operator POST "/v1/fee-statements/$statement/acknowledge" 200 '"fee statement \(.id) \(.status)"'

echo "done: run $run, $n steps"
