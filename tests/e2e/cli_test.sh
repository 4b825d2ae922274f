#!/usr/bin/env bash
# End to end through the real zhisuan binary: validation exit codes, nothing written on bad data, the server on
# port 0 answering over loopback HTTP, capacity per hub agreeing with the CLI, /metrics, clean SIGTERM.
# Usage: cli_test.sh PATH/TO/zhisuan PATH/TO/data
set -u
ZHISUAN=$1
DATA=$2
WORK=$(mktemp -d)
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

. "$(dirname "$0")/lib.sh"

# --- validation ---------------------------------------------------------------------------------------------
"$ZHISUAN" validate --data "$DATA" >"$WORK/validate.out" 2>&1
check "shipped data validates" test $? -eq 0
check "validate reports counts" contains "$WORK/validate.out" "31 regions, 8 hubs, 10 clusters"

cp -r "$DATA" "$WORK/bad"
sed -i '0,/devices: 4096/s//devices: -4096/' "$WORK/bad/centers.yaml"
"$ZHISUAN" validate --data "$WORK/bad" >"$WORK/bad.out" 2>&1
check "bad data exits 3" test $? -eq 3
check "bad data names file, line, path" grep -qE "bad/centers.yaml:[0-9]+: centers\[0\]\.pools\[0\]\.devices: must be >= 0 \(got -4096\)" "$WORK/bad.out"

"$ZHISUAN" --db "$WORK/bad.db" --data "$WORK/bad" serve --port 0 >"$WORK/bad-serve.out" 2>&1
check "server refuses to start on bad data" test $? -eq 3
check "nothing written on bad data" test ! -e "$WORK/bad.db"

printf 'centers: [\n' >"$WORK/bad/centers.yaml"
"$ZHISUAN" validate --data "$WORK/bad" >"$WORK/malformed.out" 2>&1
check "malformed YAML exits 3" test $? -eq 3
check "malformed YAML is named" contains "$WORK/malformed.out" "malformed YAML"

# --- CLI ----------------------------------------------------------------------------------------------------
DB="$WORK/z.db"
"$ZHISUAN" --db "$DB" --data "$DATA" stats capacity --by hub --precision fp16 --json >"$WORK/cli-hub.json" 2>"$WORK/cli.err"
check "cli stats capacity --json" test $? -eq 0
check "first start seeds the store" contains "$WORK/cli.err" "loaded the registry"
check "cli json parses" jqq '.groups | length == 8' "$WORK/cli-hub.json"
"$ZHISUAN" --db "$DB" centers --province guangdong >"$WORK/centers.out" 2>&1
check "cli centers table" contains "$WORK/centers.out" "pengcheng-cloud-brain-2"
"$ZHISUAN" --db "$DB" center nowhere >"$WORK/nf.out" 2>&1
check "unknown center exits 4" test $? -eq 4
"$ZHISUAN" --db "$DB" stats capacity --precision fp8 >"$WORK/p.out" 2>&1
check "bad precision exits 2" test $? -eq 2
check "bad precision message" contains "$WORK/p.out" "precision: unknown precision 'fp8'"
# Planned capacity counts apart; self-reliance by hub.
"$ZHISUAN" --db "$DB" stats capacity --by nation --status planned --json >"$WORK/planned.json" 2>&1
check "planned capacity: the three planned centers" jqq '.status == "planned" and .total.centers == 3' "$WORK/planned.json"
"$ZHISUAN" --db "$DB" stats capacity --status someday >"$WORK/s.out" 2>&1
check "a bad status exits 2 and names it" bash -c "[ $? -eq 2 ] && grep -q \"status: unknown status 'someday'\" '$WORK/s.out'"
"$ZHISUAN" --db "$DB" stats domestic --by hub >"$WORK/dom.out" 2>&1
"$ZHISUAN" --db "$DB" stats intelligent >"$WORK/intel.out" 2>&1
check "stats intelligent names a center below 500 AI cards" bash -c "grep -E '^wuchang-aidc .* 321 +no' '$WORK/intel.out'"
check "stats domestic prints the nation's domestic share" bash -c "grep -E '^total +全国 .*%' '$WORK/dom.out'"
"$ZHISUAN" --db "$DB" accelerators >"$WORK/acc.out" 2>&1
check "cli accelerators" contains "$WORK/acc.out" "huawei-ascend-910b"

EXAMPLES=$(dirname "$DATA")/examples
"$ZHISUAN" --db "$DB" quote "$EXAMPLES/finetune.yaml" --top 3 --json >"$WORK/quote.json" 2>&1
check "cli quote --json" jqq '.chosen.center != null and (.candidates | length) == 3' "$WORK/quote.json"
"$ZHISUAN" --db "$DB" quote "$EXAMPLES/chatbot.json" >"$WORK/quote.out" 2>&1
check "cli quote table explains rejections" contains "$WORK/quote.out" "not in residency"
printf 'kind: train\ndevices: -1\nwork: {pflop: 1}\n' | "$ZHISUAN" --db "$DB" quote - >"$WORK/qbad.out" 2>&1
check "bad job spec exits 3" test $? -eq 3
check "bad job spec names the field" contains "$WORK/qbad.out" "-:2: devices: must be >= 1 (got -1)"

GOLDEN=$(dirname "$DATA")/tests/golden
"$ZHISUAN" --db "$DB" sim --trace "$GOLDEN/philly_sample.csv" --policy lowest-cost,first-fit --report "$WORK/rep" >"$WORK/sim.out" 2>&1
check "sim runs the Philly sample" test $? -eq 0
check "sim prints the policy table" contains "$WORK/sim.out" "lowest-cost"
check "sim prints the time-indexed bound" contains "$WORK/sim.out" "time-indexed bound:"
check "sim writes the HTML report with ECharts inlined" grep -q "echarts" "$WORK/rep/report.html"
check "sim writes a CSV row per policy" test "$(wc -l <"$WORK/rep/policies.csv")" -eq 3
check "sim report JSON parses" jqq '.policies | length == 2' "$WORK/rep/report.json"
check "sim report has per-center utilisation over time" jqq \
  '.series["lowest-cost"] | (.center_utilisation | length) > 0 and ([.center_utilisation[] | length] | unique) == [(.t_h | length)]' \
  "$WORK/rep/report.json"
check "sim utilisation CSV has a column per center" grep -q ",center_" "$WORK/rep/utilisation.csv"
# The report in headless Chromium: every chart drawn, the policy choice filled, no script error.
chromium --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 --virtual-time-budget=5000 \
  --dump-dom "file://$WORK/rep/report.html" >"$WORK/rep.dom" 2>"$WORK/rep.console"
check "sim report renders its charts in Chromium" test "$(grep -o '<canvas' "$WORK/rep.dom" | wc -l)" -ge 5
check "sim report offers each policy" test "$(grep -o '<option value="[a-z-]*">' "$WORK/rep.dom" | wc -l)" -eq 2
check "sim report runs without script errors" sh -c "! grep -i 'uncaught' '$WORK/rep.console'"
"$ZHISUAN" --db "$DB" sim --trace "$GOLDEN/philly_sample.csv" --policy lowest-cost,first-fit --seeds 1-3 \
  --report "$WORK/seeds" >"$WORK/seeds.out" 2>&1
check "sim --seeds runs every seed" test $? -eq 0
check "sim --seeds prints the summary" contains "$WORK/seeds.out" "across 3 seeds"
check "sim --seeds report has each seed's ratio" jqq \
  '.seeds.seeds == [1,2,3] and (.seeds.policies["lowest-cost"].cost_ratio_to_bound.values | length) == 3' \
  "$WORK/seeds/report.json"
check "sim --seeds: each run has one cheapest policy" jqq \
  '[.seeds.policies[].cheapest_in] | add == 3' "$WORK/seeds/report.json"
check "sim --seeds report shows the seeds table" grep -q "Across seeds 1, 2, 3" "$WORK/seeds/report.html"
"$ZHISUAN" --db "$DB" stats coverage >"$WORK/coverage.out" 2>&1
check "stats coverage runs" test $? -eq 0
check "stats coverage sets the registry against CAICT's 435 EFLOPS" contains "$WORK/coverage.out" "004:523-525"
"$ZHISUAN" --db "$DB" stats coverage --json >"$WORK/coverage.json" 2>&1
check "stats coverage --json has four categories" jqq '.categories | length == 4' "$WORK/coverage.json"
"$ZHISUAN" --db "$DB" sim --trace "$GOLDEN/philly_sample.csv" --policy lowest-cost --load-scale 2.5 --json >"$WORK/ls.json" 2>&1
check "sim --load-scale runs" test $? -eq 0
check "sim --load-scale records the scale and loads 2-3 jobs a row" jqq \
  '.scenario.load_scale == 2.5 and .policies[0].jobs >= 2 * .trace.jobs and .policies[0].jobs <= 3 * .trace.jobs and .bound.jobs == .policies[0].jobs' "$WORK/ls.json"
check "sim reports the time-indexed bound, never below the static one nor above a policy" jqq \
  '.bound.time_indexed.tenant_cost_cny >= .bound.tenant_cost_cny * 0.999999999 and .bound.time_indexed.tenant_cost_cny <= .policies[0].tenant_cost_cny and .policies[0].cost_ratio_to_time_indexed_bound >= 1' "$WORK/ls.json"
"$ZHISUAN" --db "$DB" sim --trace "$GOLDEN/philly_sample.csv" --load-scale 0 >"$WORK/badls.out" 2>&1
check "sim --load-scale 0 exits 2" test $? -eq 2
check "sim names the bad load scale" contains "$WORK/badls.out" "load-scale: must be > 0 and at most 100 (got 0)"
"$ZHISUAN" --db "$DB" sim --trace "$WORK/no-such-trace.csv" >"$WORK/notrace.out" 2>&1
check "sim on a missing trace fails" test $? -ne 0
check "sim says the trace cannot be read" contains "$WORK/notrace.out" "no-such-trace.csv: cannot read trace"
"$ZHISUAN" --db "$DB" sim --trace "$GOLDEN/philly_sample.csv" --seeds 5-2 >"$WORK/badseeds.out" 2>&1
check "sim --seeds 5-2 exits 2" test $? -eq 2
check "sim names the bad seeds" contains "$WORK/badseeds.out" "seeds: '5-2' has a range that runs backwards"
check "lowest-cost is never below the bound" jqq '.policies[0].cost_ratio_to_bound >= 0.999999' "$WORK/rep/report.json"
printf 'timestamp,duration,num_gpus,gpu_time,cluster\n2017-10-09 07:01:55,66.0,x,66.0,a\n' >"$WORK/badtrace.csv"
"$ZHISUAN" --db "$DB" sim --trace "$WORK/badtrace.csv" --strict >"$WORK/strict.out" 2>&1
check "sim --strict fails on a malformed row" test $? -eq 3
check "sim names the malformed line" contains "$WORK/strict.out" "badtrace.csv:2: num_gpus"

# --- compute development index ------------------------------------------------------------------------------
SAMPLE="$DATA/index/sample-2023.csv"
"$ZHISUAN" --data "$DATA" index compute --data "$SAMPLE" --draws 200 --report "$WORK/idx" >"$WORK/idx.out" 2>&1
check "index compute on the sample" test $? -eq 0
check "index ranks 31 provinces" jqq '.regions | length == 31' "$WORK/idx/index.json"
check "index report has HTML and CSV" test -s "$WORK/idx/index.html" -a "$(wc -l <"$WORK/idx/index.csv")" -eq 32
check "index HTML inlines ECharts and the map" contains "$WORK/idx/index.html" "registerMap"
check "index prints the GDP sentence" contains "$WORK/idx.out" "each index point is worth"
"$ZHISUAN" --data "$DATA" index compute --data "$SAMPLE" --draws 200 --explain 北京,上海 --json >"$WORK/idx.json" 2>&1
check "index --explain A,B" jqq '.explanation.a == "北京" and .explanation.b == "上海"' "$WORK/idx.json"
check "contributions sum to the difference" jqq '(([.explanation.indicators[].contribution] | add) - .explanation.difference) | fabs < 0.001' "$WORK/idx.json"
sed 's/^广东,2023,[^,]*,/广东,2023,,/' "$SAMPLE" >"$WORK/missing.csv"
"$ZHISUAN" index compute --data "$WORK/missing.csv" >"$WORK/missing.out" 2>&1
check "a missing value exits 3" test $? -eq 3
check "a missing value names row, region and indicator" grep -qE "missing.csv:[0-9]+: 广东 2023: server-compute: missing value" "$WORK/missing.out"
"$ZHISUAN" index compute --data "$WORK/missing.csv" --impute mean --draws 0 >"$WORK/imputed.out" 2>&1
check "--impute mean fills it and says so" contains "$WORK/imputed.out" "server-compute imputed as"
printf 'cdi: {method: ahp, matrix: [[1, 9, 1/9, 1, 1], [1/9, 1, 9, 1, 1], [9, 1/9, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1]]}\n' >"$WORK/w.yaml"
"$ZHISUAN" index compute --data "$SAMPLE" --weights "$WORK/w.yaml" >"$WORK/w.out" 2>&1
check "inconsistent weights exit 3" test $? -eq 3
check "inconsistent weights name the judgements" contains "$WORK/w.out" "inconsistent judgements: consistency ratio"
"$ZHISUAN" --data "$DATA" index compute --data "$SAMPLE" --draws 0 --base-year 2023 >"$WORK/base.out" 2>&1
check "index --base-year on a year of the data" test $? -eq 0
check "index says it is comparable and why there is no lag model" bash -c \
  "grep -q \"comparable across years: every year on 2023's references\" '$WORK/base.out' && grep -q 'lagged regression: the lagged regression needs at least two years' '$WORK/base.out'"
check "index prints the seed's published slope beside ours" contains "$WORK/base.out" "[published: 1220 亿元, seed 004:1145-1149]"
"$ZHISUAN" --data "$DATA" index compute --data "$SAMPLE" --draws 0 --base-year 2019 >"$WORK/base2.out" 2>&1
check "a base year not in the data exits 3" test $? -eq 3
check "and names the years the data has" contains "$WORK/base2.out" "base_year: 2019 is not in the data (it has 2023)"

# --- server -------------------------------------------------------------------------------------------------
"$ZHISUAN" --db "$DB" serve --port 0 >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
wait_for_url "$WORK/serve.out"
check "server prints its URL" test -n "$URL"
curl -sf "$URL/api/v1/health" >"$WORK/health.json"
check "health answers" jqq '.status == "ok"' "$WORK/health.json"
curl -sf "$URL/api/v1/stats/capacity?by=hub&precision=fp16" >"$WORK/api-hub.json"
check "per-hub totals agree with the CLI" test "$(jq -c .groups "$WORK/api-hub.json")" = "$(jq -c .groups "$WORK/cli-hub.json")"
check "per-hub totals sum to the nation" jqq '([.groups[].pflops] | add) - .total.pflops | fabs < 1e-6' "$WORK/api-hub.json"
code=$(curl -s -o "$WORK/err.json" -w '%{http_code}' "$URL/api/v1/centers?province=atlantis")
check "unknown province is 400" test "$code" = 400
check "400 body names the field" jqq '.error.message == "province: unknown province '"'"'atlantis'"'"'"' "$WORK/err.json"
code=$(curl -s -o "$WORK/q.json" -w '%{http_code}' --data-binary @"$EXAMPLES/finetune.yaml" "$URL/api/v1/quote?top=3")
check "POST /api/v1/quote answers 200" test "$code" = 200
check "API quote agrees with the CLI" test "$(jq -c .chosen.center "$WORK/q.json")" = "$(jq -c .chosen.center "$WORK/quote.json")"
jq -n --rawfile csv "$SAMPLE" '{data_csv: $csv, draws: 200, explain: ["北京", "上海"]}' >"$WORK/idx-req.json"
code=$(curl -s -o "$WORK/idx-api.json" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$WORK/idx-req.json" "$URL/api/v1/index/compute")
check "POST /api/v1/index/compute answers 200" test "$code" = 200
check "API index agrees with the CLI" test "$(jq -c .regions "$WORK/idx-api.json")" = "$(jq -c .regions "$WORK/idx.json")"
# A backup while the server runs: a consistent copy that is itself a platform database.
TOKEN=$("$ZHISUAN" --db "$DB" token create --tenant lab-a 2>/dev/null)
for _ in 1 2 3; do
  curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" --data-binary @"$EXAMPLES/finetune.yaml" "$URL/api/v1/jobs"
done
# Who the tenant is, for the demand statistics; bad settings name the field and change nothing.
"$ZHISUAN" --db "$DB" tenant set lab-a --sector Z9 >"$WORK/sector.out" 2>&1
check "a bad sector exits 2" test $? -eq 2
check "and names the field" contains "$WORK/sector.out" "sector: 'Z9' is not a GB/T 4754-2017 section"
"$ZHISUAN" --db "$DB" --data "$DATA" tenant set lab-a --home-province atlantis >"$WORK/home.out" 2>&1
check "an unknown home province exits 2" test $? -eq 2
check "and names it" contains "$WORK/home.out" "home-province: 'atlantis' is not a region"
"$ZHISUAN" --db "$DB" --data "$DATA" tenant set lab-a --sector I64 --home-province beijing >"$WORK/tenant.out" 2>&1
check "tenant set --sector --home-province" contains "$WORK/tenant.out" "sector I64, home beijing"
"$ZHISUAN" --db "$DB" token create --tenant ops --role operator >"$WORK/ops.token" 2>/dev/null
"$ZHISUAN" demand --server "$URL" --token-file "$WORK/ops.token" >"$WORK/demand.out" 2>&1
check "demand answers an operator" test $? -eq 0
check "demand sets sectors beside CAICT's shares" bash -c "grep -q '004:685-699' '$WORK/demand.out' && grep -q '互联网 internet' '$WORK/demand.out'"
ZHISUAN_TOKEN="$TOKEN" "$ZHISUAN" demand --server "$URL" >"$WORK/demand-tenant.out" 2>&1
check "a tenant may not read demand" test $? -ne 0
check "and is told why" contains "$WORK/demand-tenant.out" "only operators read demand"
ZHISUAN_TOKEN="$TOKEN" "$ZHISUAN" usage --by accelerator --server "$URL" >"$WORK/usage.out" 2>&1
check "usage --by accelerator answers a tenant" test $? -eq 0
check "grouped by accelerator" contains "$WORK/usage.out" "ACCELERATOR"
ZHISUAN_TOKEN="$TOKEN" "$ZHISUAN" usage --tenant ops --server "$URL" >"$WORK/usage-other.out" 2>&1
check "a tenant may not read another's usage" test $? -ne 0
check "and is told whose it may" contains "$WORK/usage-other.out" "you may read the usage of tenant 'lab-a' only"
"$ZHISUAN" --db "$DB" backup "$WORK/copy.db" >"$WORK/backup.out" 2>&1
check "backup while serving exits 0" test $? -eq 0
check "backup says what the copy holds" contains "$WORK/backup.out" "3 jobs, 2 tokens, integrity ok"
check "the copy is the operator's alone (0600)" test "$(stat -c %a "$WORK/copy.db")" = 600
check "the copy holds the same jobs" test "$(sqlite3 "$WORK/copy.db" 'SELECT COUNT(*) FROM jobs')" = 3
check "the copy is a platform database (its tokens list)" bash -c "'$ZHISUAN' --db '$WORK/copy.db' token list | grep -q lab-a"
"$ZHISUAN" --db "$DB" backup "$WORK/copy.db" >"$WORK/backup2.out" 2>&1
check "a backup never overwrites a file (exit 6)" test $? -eq 6
check "and says so" contains "$WORK/backup2.out" "exists; a backup never overwrites a file"
# The audit log: the CLI's token creation (local:USER) and the three submissions through the API, in order.
"$ZHISUAN" --db "$DB" audit --json >"$WORK/audit.json" 2>&1
check "audit exits 0" test $? -eq 0
check "audit lists the token creation by the local operator" jqq \
  '.[0].action == "token.create" and .[0].by.token_id == "cli" and (.[0].by.remote | startswith("local:"))' "$WORK/audit.json"
check "audit lists the submissions with the token and the address" jqq \
  '[.[] | select(.action == "job.submit" and .by.tenant == "lab-a" and .by.remote == "127.0.0.1")] | length == 3' "$WORK/audit.json"
"$ZHISUAN" --db "$DB" audit --action job.submit --limit 2 >"$WORK/audit.txt" 2>&1
check "audit filters and prints a table" test "$(grep -c 'job.submit' "$WORK/audit.txt")" -eq 2
check "the audit log cannot be edited, even with sqlite3" bash -c "! sqlite3 '$DB' 'DELETE FROM audit_log' 2>/dev/null"
# Scraped as Prometheus would with an operator's token: every family. Without one, or with a tenant's, no
# family names tenants; a bad token is told so (401).
curl -sf -H "Authorization: Bearer $(cat "$WORK/ops.token")" "$URL/metrics" >"$WORK/metrics.txt"
check "metrics pass promtool's check and lint" bash -c "promtool check metrics <'$WORK/metrics.txt'"
check "an operator's scrape has the tenants' load" contains "$WORK/metrics.txt" '# TYPE zhisuan_tenant_unfinished_jobs gauge'
curl -sf "$URL/metrics" >"$WORK/metrics-public.txt"
check "the public metrics pass promtool too" bash -c "promtool check metrics <'$WORK/metrics-public.txt'"
check "and name no tenant" bash -c "! grep -q 'tenant' '$WORK/metrics-public.txt'"
curl -sf -H "Authorization: Bearer $TOKEN" "$URL/metrics" >"$WORK/metrics-tenant.txt"
check "nor to a tenant" bash -c "! grep -q 'tenant' '$WORK/metrics-tenant.txt'"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer zs_not-a-token" "$URL/metrics")
check "a bad token on /metrics is 401" test "$code" = 401
check "metrics count jobs by state" contains "$WORK/metrics.txt" 'zhisuan_jobs_finished_total{state="succeeded"}'
check "metrics show devices by use per center" contains "$WORK/metrics.txt" 'zhisuan_center_devices_by_use{center="nsc-wuxi",use="busy"}'
check "metrics show a planned center's status" contains "$WORK/metrics.txt" 'zhisuan_center_status{center="suihong-qingyang-aidc",status="planned"} 1'
check "and no devices of it free" bash -c "! grep -q 'zhisuan_center_devices_by_use{center=\"suihong-qingyang-aidc\"' '$WORK/metrics.txt' || grep -q 'zhisuan_center_devices_by_use{center=\"suihong-qingyang-aidc\",use=\"free\"} 0' '$WORK/metrics.txt'"
check "the shipped alert rules pass promtool" promtool check rules "$(dirname "$DATA")/deploy/prometheus/zhisuan-alerts.yml"
# Every metric the alert rules and the Grafana dashboard use is one the server exports.
DEPLOY=$(dirname "$DATA")/deploy
grep -ohE 'zhisuan_[a-z_]+' "$DEPLOY/prometheus/zhisuan-alerts.yml" "$DEPLOY/grafana/zhisuan-dashboard.json" |
  sed -E 's/_(sum|count|bucket)$//' | sort -u >"$WORK/used.txt"
grep -oE '^# TYPE zhisuan_[a-z_]+' "$WORK/metrics.txt" | sed 's/^# TYPE //' | sort -u >"$WORK/exported.txt"
comm -23 "$WORK/used.txt" "$WORK/exported.txt" >"$WORK/unknown.txt"
check "the alerts and the dashboard use only metrics the server exports" test ! -s "$WORK/unknown.txt"
[ -s "$WORK/unknown.txt" ] && sed 's/^/  unknown: /' "$WORK/unknown.txt"
check "the Grafana dashboard is JSON with its panels" jqq '.panels | length >= 10' "$DEPLOY/grafana/zhisuan-dashboard.json"
check "metrics count requests" contains "$WORK/metrics.txt" 'zhisuan_http_requests_total{route="/api/v1/health",method="GET",status="200"} 1'
kill -TERM "$SERVER_PID"
stopped=no
for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || { stopped=yes; break; }; sleep 0.1; done
wait "$SERVER_PID"
rc=$?
SERVER_PID=
check "SIGTERM stops the server" test "$stopped" = yes
check "clean exit after SIGTERM" test "$rc" -eq 0

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
