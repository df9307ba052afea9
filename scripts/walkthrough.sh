#!/usr/bin/env bash
# Drive three cases end to end through the HTTP API of `make run`, with curl and jq only:
#   1. an ordinary case (普通程序) from a 12345 hotline lead to closing, paid;
#   2. a first minor violation (首违不罚): verified, educated, closed without penalty;
#   3. an on-the-spot fine (简易程序): decided on the spot, filed, paid, closed.
# Usage: scripts/walkthrough.sh [API base URL]   (default http://127.0.0.1:8000)
set -euo pipefail
API=${1:-${ZHIFA_API:-http://127.0.0.1:8000}}
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)

say() { printf '\n== %s\n' "$*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

token() {  # token USER → bearer token (password demo)
  curl -sf -X POST "$API/api/v1/auth/token" -d "username=$1" -d "password=demo" | jq -r .access_token
}
OFFICER1=$(token officer1); OFFICER2=$(token officer2); HEAD1=$(token head1); AUDITOR1=$(token auditor1)
KEY="X-API-Key: demo-integrator-key"
auth() { printf 'Authorization: Bearer %s' "$1"; }

# The two investigating officers, as the forms name them (user id and 执法证号).
TEAM=$(for t in "$OFFICER1" "$OFFICER2"; do
  curl -sf "$API/api/v1/me" -H "$(auth "$t")" | jq '{user_id: .id, name: .display_name, certificate_no}'
done | jq -s .)
INSPECTION=$(jq -n --argjson team "$TEAM" --arg at "$NOW" \
  '{inspected_at: $at, place: "望江路1号门前", officers: $team, party_present: true}')
FACTS='{"minor_violation": false, "first_offence": true, "area_m2": 3.5, "corrected_promptly": false,
        "harmful_result": false, "harm_minor": false}'

open_case() {  # open_case HEADER → case id (as the integrator or an officer)
  local body
  body=$(jq -n '{violation_code: "street_vending_jiaxing", source: "hotline",
    location: {lon: 120.132, lat: 30.278}, address: "示范市清河区望江路1号门前", district: "990102",
    description: "市民来电反映流动摊贩占道经营", party: {type: "person", name: "张三", id_number: "110101199001011234"}}')
  curl -sf -X POST "$API/api/v1/cases" -H "$1" -H "Idempotency-Key: walkthrough-$(date +%s%N)" \
    -H 'Content-Type: application/json' -d "$body" | jq -r .case_id
}

post() {  # post URL-PATH HEADER JSON → the answer's body; stops with the problem if not 2xx
  local answer status
  answer=$(curl -s -X POST "$API$1" -H "$2" -H 'Content-Type: application/json' -d "$3" -w '\n%{http_code}')
  status=${answer##*$'\n'}
  answer=${answer%$'\n'*}
  [ "${status:0:1}" = 2 ] || fail "POST $1 → $status: $answer"
  echo "$answer"
}

complete() {  # complete TOKEN CASE KIND OUTCOME FORM-JSON → prints the new stage and open tasks
  local id
  id=$(task_of "$2" "$3")
  LAST=$(post "/api/v1/tasks/$id/complete" "$(auth "$1")" "$(jq -n --arg o "$4" --argjson f "$5" '{outcome: $o, form: $f}')")
  echo "$3 → $4: $(echo "$LAST" | jq -c '{stage, open_tasks: [.open_tasks[].kind]}')"
}

task_of() {  # task_of CASE KIND → the open task's id (from the last answer, else the case detail)
  local id
  id=$(echo "${LAST:-{\}}" | jq -r --arg k "$2" '[.open_tasks[]? | select(.kind == $k)][0].task_id // empty')
  if [ -z "$id" ]; then
    id=$(curl -sf "$API/api/v1/cases/$1" -H "$(auth "$AUDITOR1")" \
      | jq -r --arg k "$2" '[.open_tasks[] | select(.kind == $k)][0].task_id // empty')
  fi
  [ -n "$id" ] || fail "no open $2 task in $1"
  echo "$id"
}

event() {  # event HEADER CASE TYPE DATA-JSON
  LAST=$(post "/api/v1/cases/$2/events" "$1" \
    "$(jq -n --arg t "$3" --arg at "$NOW" --argjson d "$4" '{type: $t, occurred_at: $at, data: $d}')")
  echo "event $3: $(echo "$LAST" | jq -c '{stage, open_tasks: [.open_tasks[].kind]}')"
}

documents() {  # documents CASE LAST-TITLE: the statutory documents the case issued, once LAST-TITLE is among them
  local titles
  for _ in $(seq 1 50); do
    titles=$(curl -sf "$API/api/v1/cases/$1" -H "$(auth "$AUDITOR1")" | jq -r '[.documents[].title] | join("、")')
    case "$titles" in *"$2"*) break ;; esac
    sleep 0.2
  done
  case "$titles" in *"$2"*) echo "documents: $titles" ;; *) fail "$1 has no $2 (documents: $titles)" ;; esac
}

evidence() {  # evidence TOKEN CASE: upload a photo, then show its ledger receipt and check its hash here
  local photo answer id sha receipt
  photo=$(mktemp)
  printf '\xff\xd8\xff\xe0 walkthrough photo %s' "$2" > "$photo"
  answer=$(curl -sf -X POST "$API/api/v1/cases/$2/evidence" -H "$(auth "$1")" \
    -F "file=@$photo;type=image/jpeg;filename=photo.jpg" \
    -F 'metadata={"kind": "photo", "device_id": "DSJ-0042", "location": {"lng": 120.132, "lat": 30.278}}') \
    || fail "evidence upload to $2 refused"
  id=$(echo "$answer" | jq -r .evidence_id); sha=$(echo "$answer" | jq -r .sha256)
  [ "$sha" = "$(sha256sum "$photo" | cut -d' ' -f1)" ] || fail "the platform's SHA-256 of the photo is not ours"
  receipt=$(curl -sf "$API/api/v1/evidence/$id/receipt" -H "$(auth "$1")")
  echo "evidence: photo $sha → $(echo "$receipt" | jq -r '"leaf \(.leaf_index) of a signed tree of \(.tree_size), \(.audit_path | length) hashes to its root, anchor: \(.anchor.backend // "pending")"')"
  rm -f "$photo"
}

closed() {  # closed CASE RESULT: wait for the projection to show the case closed with RESULT
  for _ in $(seq 1 50); do
    result=$(curl -sf "$API/api/v1/cases/$1" -H "$(auth "$AUDITOR1")" | jq -r 'select(.stage == "closed") | .result')
    [ -n "$result" ] && break
    sleep 0.2
  done
  [ "$result" = "$2" ] || fail "$1 ended with '$result', expected $2"
  echo "$1 closed: $result"
}

say "1. 普通程序: 12345 lead → verified → filed → investigated → prior notice → waiver → decision → served → paid → closed"
LAST=
CASE=$(open_case "$KEY")
echo "opened $CASE"
complete "$OFFICER1" "$CASE" verify_lead established \
  "$(jq -n --argjson i "$INSPECTION" --argjson f "$FACTS" '{findings: "现场占道经营约3.5平方米", inspection: $i, facts: $f}')"
evidence "$OFFICER1" "$CASE"
complete "$HEAD1" "$CASE" approve_filing approve "$(jq -n --argjson team "$TEAM" \
  '{conditions: {evidence: true, jurisdiction: true, within_limitation: true}, assigned_officers: [$team[].user_id], opinion: "同意立案"}')"
complete "$OFFICER1" "$CASE" investigate report "$(jq -n --argjson team "$TEAM" --argjson f "$FACTS" '{
  officers: $team, party: {type: "person", name: "张三", id_number: "110101199001011234", address: "示范市清河区江滨路18号"},
  course: "巡查发现，现场检查、询问", facts_found: "占道经营约3.5平方米", evidence_ids: ["ev-1", "ev-2"],
  proposal: "penalty", proposed_penalty: {kinds: ["罚款"], fine_yuan: "300"},
  legal_basis: "《浙江省城市市容和环境卫生管理条例》第十三条", facts: $f, benchmark_tier: "area_up_to_5",
  benchmark_reasoning: "占用面积五平方米以下，适用轻微阶次", major: false}')"
complete "$OFFICER2" "$CASE" serve_prior_notice served "$(jq -n --arg at "$NOW" \
  '{method: "direct", served_at: $at, recipient: "张三", document_no: "清河城管告〔2026〕1号", hearing_right: false}')"
event "$(auth "$OFFICER2")" "$CASE" rights_waived '{"text": "当事人书面放弃陈述、申辩"}'
complete "$HEAD1" "$CASE" decide penalty '{"penalty": {"kinds": ["罚款"], "fine_yuan": "300"},
  "legal_basis": "《浙江省城市市容和环境卫生管理条例》第十三条", "benchmark_tier": "area_up_to_5",
  "reasoning": "占用面积五平方米以下，适用轻微阶次"}'
complete "$OFFICER1" "$CASE" serve_decision served "$(jq -n --arg at "$NOW" \
  '{method: "direct", served_at: $at, recipient: "张三", document_no: "清河城管罚〔2026〕1号"}')"
event "$KEY" "$CASE" payment_confirmed '{"amount": "300", "reference": "bank-1"}'
CLOSING='{"ground": "executed", "execution_result": "已缴纳罚款", "archive": {"source_and_filing": ["doc-1"]}}'
complete "$HEAD1" "$CASE" approve_closing approve "$CLOSING"
closed "$CASE" paid
documents "$CASE" 结案审批表

say "2. 首违不罚: first minor violation → educated → closed without penalty"
LAST=
CASE=$(open_case "$(auth "$OFFICER1")")
echo "opened $CASE"
complete "$OFFICER1" "$CASE" verify_lead minor_no_penalty "$(jq -n --argjson i "$INSPECTION" --argjson f "$FACTS" --arg at "$NOW" '{
  findings: "初次占道经营，面积很小，已当场自行撤离", inspection: $i,
  party: {type: "person", name: "张三", id_number: "110101199001011234", address: "示范市清河区江滨路18号"}, facts: $f,
  first_violation: true, harm_minor: true, corrected_in_time: true,
  education_record: {educated_at: $at, content: "当场宣讲相关规定", party_signed: true}}')"
closed "$CASE" no_penalty_first_violation

say "3. 简易程序: fine decided on the spot → filed within 3 working days → paid → closed"
LAST=
CASE=$(open_case "$(auth "$OFFICER1")")
echo "opened $CASE"
complete "$OFFICER1" "$CASE" verify_lead on_the_spot "$(jq -n --argjson i "$INSPECTION" '{
  findings: "占道经营，事实确凿", inspection: $i,
  party: {type: "person", name: "张三", id_number: "110101199001011234", address: "示范市清河区江滨路18号"},
  facts_certain: true, legal_basis: "《浙江省城市市容和环境卫生管理条例》第十三条",
  penalty: {kinds: ["罚款"], fine_yuan: "100"}, decision_no: "清河城管当罚〔2026〕1号", collected_on_the_spot: false}')"
complete "$OFFICER1" "$CASE" file_on_the_spot_decision filed \
  '{"decision_no": "清河城管当罚〔2026〕1号", "document_id": "stub-1", "party_signed": true}'
event "$(auth "$OFFICER1")" "$CASE" payment_confirmed '{"amount": "100", "reference": "bank-2"}'
complete "$HEAD1" "$CASE" approve_closing approve "$CLOSING"
closed "$CASE" paid

say "all three cases closed"
