#!/usr/bin/env bash
# The 08:30 morning measurements of docs/benchmarks.md ("The 08:30 morning"): server (Release)
# and simulator side by side on this machine, 4 schools x 500 pupils.
# Usage: bash docs/bench/morning.sh sqlite|postgres   (from the repository root; ~17 minutes)
# PostgreSQL: a server on 127.0.0.1:5432 with user/password postgres (as .ci/run sets up).
# Results: one .txt summary and a report folder per run under ${WORK:-/tmp/schoolbel-morning}/$1.
set -uo pipefail
DB=${1:?sqlite or postgres}
ROOT=$(pwd)
R=${WORK:-/tmp/schoolbel-morning}/$DB
rm -rf "$R"; mkdir -p "$R"
dotnet build -c Release "$ROOT/src/Schoolbel.Server" -o "$R/server" >/dev/null
dotnet build -c Release "$ROOT/src/Schoolbel.Peak" -o "$R/peak" >/dev/null
cd "$R"
S=(dotnet "$R/server/Schoolbel.Server.dll")
P=(dotnet "$R/peak/Schoolbel.Peak.dll")
if [ "$DB" = sqlite ]; then
  OPTS=("--Database:ConnectionString=Data Source=$R/s.db" "--Storage:Root=$R/files")
else
  psql "host=127.0.0.1 user=postgres password=postgres" -qc "DROP DATABASE IF EXISTS peak_bench WITH (FORCE)" -c "CREATE DATABASE peak_bench" >/dev/null
  OPTS=(--Database:Provider=Postgres "--Database:ConnectionString=Host=127.0.0.1;Username=postgres;Password=postgres;Database=peak_bench" "--Storage:Root=$R/files")
fi
"${S[@]}" seed --schools 4 --pupils-per-school 500 --password Peak-Pass-1 "${OPTS[@]}" > seed.json 2> seed.err
ASPNETCORE_ENVIRONMENT=Production "${S[@]}" --urls http://127.0.0.1:5080 "${OPTS[@]}" --Logging:LogLevel:Default=Warning --Demo:SeedWhenEmpty=false > server.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf http://127.0.0.1:5080/health/ready >/dev/null && break; sleep 0.5; done
C=(--target http://127.0.0.1:5080 --seed-summary seed.json --server-pid "$PID" --quiet)
PUPILS=(--teacher-share 0 --parent-share 0)
uptime > uptime-before.txt

# Resumed journeys (the first run warms the JIT and caches), then password journeys alone.
"${P[@]}" run "${C[@]}" --profile steady --rate 10 --duration 30s --resume-share 1 "${PUPILS[@]}" --think-time 0 --warmup-sessions 50 --out resume-cold > resume-cold.txt 2>&1
"${P[@]}" run "${C[@]}" --profile steady --rate 10 --duration 30s --resume-share 1 "${PUPILS[@]}" --think-time 0 --warmup-sessions 50 --out resume > resume.txt 2>&1
"${P[@]}" run "${C[@]}" --profile steady --rate 30 --duration 30s --resume-share 1 "${PUPILS[@]}" --think-time 0 --warmup-sessions 200 --out resume30 > resume30.txt 2>&1
# Pupils' errands: the same resumed journey at 10/s plus a hand-in, or plus reading a message
# (against "resume": the difference in CPU per journey is the errand's cost).
"${P[@]}" run "${C[@]}" --profile steady --rate 10 --duration 30s --resume-share 1 "${PUPILS[@]}" --think-time 0 --warmup-sessions 50 --handin-share 1 --out handin > handin.txt 2>&1
"${P[@]}" run "${C[@]}" --profile steady --rate 10 --duration 30s --resume-share 1 "${PUPILS[@]}" --think-time 0 --warmup-sessions 50 --message-share 1 --out messages > messages.txt 2>&1
# Password journeys: one run to compile the sign-in path (not reported), then each measured run
# with pupils of its own (--seed): a pupil's first sign-in of the day loads their own data (classes,
# due dates, tasks) into the caches, and a seed used before would find it there already.
"${P[@]}" run "${C[@]}" --profile steady --rate 15 --duration 20s --resume-share 0 "${PUPILS[@]}" --think-time 0 --seed 11 --out password-cold > password-cold.txt 2>&1
"${P[@]}" run "${C[@]}" --profile steady --rate 4 --duration 30s --resume-share 0 "${PUPILS[@]}" --think-time 0 --seed 12 --out password > password.txt 2>&1
"${P[@]}" run "${C[@]}" --profile steady --rate 15 --duration 30s --resume-share 0 "${PUPILS[@]}" --think-time 0 --seed 13 --out password15 > password15.txt 2>&1
# The same pupils as password15 again: their second sign-in, with their data cached.
"${P[@]}" run "${C[@]}" --profile steady --rate 15 --duration 30s --resume-share 0 "${PUPILS[@]}" --think-time 0 --seed 13 --out password15-again > password15-again.txt 2>&1

# The server's own CPU with nothing to do (timers, the jobs poll, the admission heartbeat): the
# part of "CPU per journey" that does not grow with journeys.
sleep 5
a=$(awk '{print $14+$15}' /proc/$PID/stat); sleep 30; b=$(awk '{print $14+$15}' /proc/$PID/stat)
echo "idle: $(( (b-a)*1000/$(getconf CLK_TCK) )) ms of server CPU in 30 s" > idle.txt

# The goal mix (pupils, 70% resumed), the capacity search, the first day and the sign-in storm.
"${P[@]}" run "${C[@]}" --profile steady --rate 40 --duration 60s "${PUPILS[@]}" --warmup-sessions 500 --out mix40 > mix40.txt 2>&1
"${P[@]}" capacity "${C[@]}" --rate 20 --step-factor 1.25 --step-duration 15s --max-steps 6 --think-time 0 --warmup-sessions 200 --out capacity > capacity.txt 2>&1
"${P[@]}" run "${C[@]}" --profile first-day --rate 1 --ramp 60s --duration 90s --think-time 1s --warmup-sessions 300 --out first-day > first-day.txt 2>&1
"${P[@]}" signin "${C[@]}" --out signin > signin.txt 2>&1
uptime > uptime-after.txt
cat idle.txt
for f in resume resume30 handin messages password password15 password15-again mix40 first-day; do echo "== $f"; grep -E "journeys:|journey latency|server CPU|password checks|errors" "$f.txt"; done
echo "== capacity"; grep -E "sustain" capacity.txt
echo "== signin"; grep -E "raw hash|API sign-ins|=>" signin.txt
