#!/usr/bin/env bash
# Document download benchmark: Schoolbel vs nginx serving the same file from disk, same machine,
# same run, 127.0.0.1 only. Needs: dotnet, nginx, wrk, curl, python3.
# Usage: bash docs/bench/documents.sh   (from the repository root; ~5 minutes)
# ROUNDS and ROUND set the alternating Schoolbel/nginx rounds (default 4 of 5s), D the single runs (10s).
set -euo pipefail
ROOT=$(pwd)
WORK=${WORK:-/tmp/schoolbel-bench}
PORT=5090; ACCEL_PORT=5091; OFF_PORT=5092; NGINX_PORT=8090; PROXY_PORT=8091; C=50; D=${D:-10s}; THREADS=${THREADS:-2}
rm -rf "$WORK"; mkdir -p "$WORK"
dotnet build -c Release "$ROOT/src/Schoolbel.Server" -o "$WORK/bin" >/dev/null
DLL="$WORK/bin/Schoolbel.Server.dll"
OPTS=(--Database:Provider=Sqlite "--Database:ConnectionString=Data Source=$WORK/schoolbel.db"
        "--Storage:Root=$WORK/files" --Demo:SeedWhenEmpty=false --Logging:LogLevel:Default=Warning
        # wrk is one address and one pupil's cookie standing in for 50 pupils (a school behind NAT
        # would be one address, but never one user): lift the abuse budgets, which would otherwise
        # refuse it. They are still checked on every request; the concurrency limiter stays as is.
        --Admission:IpRequestsPerSecond=1000000 --Admission:IpBurst=10000000
        --Admission:UserRequestsPerSecond=100000 --Admission:UserBurst=1000000)
dotnet "$DLL" seed --schools 1 --pupils-per-school 100 "${OPTS[@]}" > "$WORK/seed.json" 2> "$WORK/seed.log"
ASPNETCORE_ENVIRONMENT=Production dotnet "$DLL" "${OPTS[@]}" --urls "http://127.0.0.1:$PORT" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
# A second node on the same data, for nginx in front: it checks permission, nginx sends the file.
ASPNETCORE_ENVIRONMENT=Production dotnet "$DLL" "${OPTS[@]}" --Storage:AccelRedirectPrefix=/_blobs/ --urls "http://127.0.0.1:$ACCEL_PORT" > "$WORK/server-accel.log" 2>&1 &
ACCEL_PID=$!
# A third node with the download fast path off: the full pipeline, for comparison in the same run.
ASPNETCORE_ENVIRONMENT=Production dotnet "$DLL" "${OPTS[@]}" --Downloads:FastPath=false --urls "http://127.0.0.1:$OFF_PORT" > "$WORK/server-off.log" 2>&1 &
OFF_PID=$!
trap 'kill $SERVER_PID $ACCEL_PID $OFF_PID 2>/dev/null || true; [ -f $WORK/nginx.pid ] && kill $(cat $WORK/nginx.pid) 2>/dev/null || true' EXIT
for p in $PORT $ACCEL_PORT $OFF_PORT; do for i in $(seq 1 60); do curl -sf "http://127.0.0.1:$p/health/live" >/dev/null && break; sleep 0.5; done; done

B="http://127.0.0.1:$PORT"
signin() { # $1 user, $2 cookie jar
  local token
  token=$(curl -s -c "$2" -b "$2" "$B/school001/signin" | grep -o 'name="__RequestVerificationToken" type="hidden" value="[^"]*"' | sed 's/.*value="//;s/"$//')
  curl -s -o /dev/null -c "$2" -b "$2" --data-urlencode "username=$1" --data-urlencode "password=Peak-Pass-1" --data-urlencode "__RequestVerificationToken=$token" "$B/school001/signin"
}
COURSE=$(python3 -c "import json;print(json.load(open('$WORK/seed.json'))['classes'][0]['course']['url'])")
VIDEO=$(python3 -c "import json;print(json.load(open('$WORK/seed.json'))['classes'][0]['course']['documents'][1]['url'])")
signin t0001 "$WORK/teacher.jar"
CSRF=$(curl -s -b "$WORK/teacher.jar" -c "$WORK/teacher.jar" "$B$COURSE" | grep -o 'name="__RequestVerificationToken" type="hidden" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//')
upload() { # $1 file, $2 name
  curl -s -b "$WORK/teacher.jar" -H "X-CSRF-TOKEN: $CSRF" -H "Content-Type: application/octet-stream" --data-binary "@$1" "$B$COURSE/upload?name=$2"
}
python3 -c "import os;open('$WORK/one.pdf','wb').write(b'%PDF-1.7\n'+os.urandom(1024*1024-9))"
ONE=$(upload "$WORK/one.pdf" one.pdf | python3 -c "import sys,json;print(json.load(sys.stdin)['version']['path'])")
ONE="/school001$ONE"
signin p00001 "$WORK/pupil.jar"
COOKIE=$(python3 - "$WORK/pupil.jar" <<'PY'
import sys
print("; ".join(f"{p[5]}={p[6]}" for p in (l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.startswith(("#HttpOnly_", "127")) ) if len(p) >= 7))
PY
)
# The same bytes for nginx: the blob files themselves, under their hash.
ONE_HASH=$(curl -s -o /dev/null -D - -b "$WORK/pupil.jar" "$B$ONE" | grep -i '^etag' | tr -d '"\r' | awk '{print $2}')
VIDEO_HASH=$(curl -s -o /dev/null -D - -b "$WORK/pupil.jar" "$B$VIDEO" | grep -i '^etag' | tr -d '"\r' | awk '{print $2}')
mkdir -p "$WORK/www"; ln -sf "$(find "$WORK/files/blobs" -name "$ONE_HASH")" "$WORK/www/one.pdf"; ln -sf "$(find "$WORK/files/blobs" -name "$VIDEO_HASH")" "$WORK/www/video.mp4"
cat > "$WORK/nginx.conf" <<NGX
worker_processes 2; pid $WORK/nginx.pid; error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/www; }
  upstream schoolbel { server 127.0.0.1:$ACCEL_PORT; keepalive 64; }
  server { listen 127.0.0.1:$PROXY_PORT;
    location / { proxy_pass http://schoolbel; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host \$host; }
    location /_blobs/ { internal; alias $WORK/files/blobs/; etag off;
      add_header ETag \$upstream_http_etag always; add_header X-Content-Type-Options nosniff always; } } }
NGX
nginx -c "$WORK/nginx.conf"
NETAG=$(curl -s -o /dev/null -D - "http://127.0.0.1:$NGINX_PORT/one.pdf" | grep -i '^etag' | awk '{print $2}' | tr -d '\r')

run() { # $1 label, rest: wrk args
  local label=$1; shift
  echo "== $label"; wrk -t"$THREADS" -c"$C" -d"$D" --timeout 30s --latency "$@" | grep -E 'Requests/sec|Transfer/sec|99%|Non-2xx|Socket errors'
}
# Schoolbel against nginx in alternating rounds (Schoolbel, nginx, Schoolbel, ...), and the ratio
# of their summed rates: on a shared machine the speed of both drifts by 10% and more from one
# ten-second run to the next, and alternating short rounds lets both meet the same drift.
# Usage: compare LABEL NAME_OF_SCHOOLBEL_ARGS_ARRAY NAME_OF_NGINX_ARGS_ARRAY
ROUNDS=${ROUNDS:-4}; ROUND=${ROUND:-5s}
compare() {
  local label=$1; local -n sb_args=$2; local -n ng_args=$3
  local round sb ng sb_total=0 ng_total=0 sb_p99=0 ng_p99=0
  echo "== $label: Schoolbel vs nginx, $ROUNDS alternating rounds of $ROUND"
  for round in $(seq 1 "$ROUNDS"); do
    sb=$(wrk -t"$THREADS" -c"$C" -d"$ROUND" --timeout 30s --latency "${sb_args[@]}" | rate_and_p99)
    ng=$(wrk -t"$THREADS" -c"$C" -d"$ROUND" --timeout 30s --latency "${ng_args[@]}" | rate_and_p99)
    echo "   round $round: schoolbel $sb | nginx $ng"
    sb_total=$(python3 -c "print($sb_total+${sb%% *})"); ng_total=$(python3 -c "print($ng_total+${ng%% *})")
    sb_p99=$(python3 -c "print(max($sb_p99,$(echo "$sb" | awk '{print $3}')))"); ng_p99=$(python3 -c "print(max($ng_p99,$(echo "$ng" | awk '{print $3}')))")
  done
  echo "   $label: $(python3 -c "print(f'schoolbel {$sb_total/$ROUNDS:,.0f} req/s, nginx {$ng_total/$ROUNDS:,.0f} req/s = {100*$sb_total/$ng_total:.0f}% of nginx; worst p99 {$sb_p99:g} / {$ng_p99:g} ms')")"
}
# wrk's summary as "REQ/S req/s P99_MS ms non2xx=N" (p99 converted to milliseconds).
rate_and_p99() {
  awk '/Requests\/sec/{r=$2} /^ +99%/{p=$2} /Non-2xx/{e=$NF}
       END{u=p; sub(/[0-9.]+/,"",u); v=p+0; if(u=="us")v/=1000; else if(u=="s")v*=1000; else if(u=="m")v*=60000;
           printf "%s req/s %.2f ms non2xx=%d\n", r, v, e+0}'
}
P="http://127.0.0.1:$PROXY_PORT"
O="http://127.0.0.1:$OFF_PORT"
# Warm-up, not measured: a node that has just started still compiles its hot paths (tiered JIT)
# during its first seconds of load, which nginx never has to; at 08:30 the nodes have been up.
wrk -t"$THREADS" -c"$C" -d3s "http://127.0.0.1:$NGINX_PORT/one.pdf" >/dev/null
# The node measured first (Kestrel sends) is warmed last, right before its rows: warmed first and
# then left idle for twenty seconds, its first 1 MB round ran at about half its later rounds.
for url in "$P$ONE" "$O$ONE" "$B$ONE"; do
  wrk -t"$THREADS" -c"$C" -d3s -H "Cookie: $COOKIE" "$url" >/dev/null
  wrk -t"$THREADS" -c"$C" -d3s -H "Cookie: $COOKIE" -H "If-None-Match: \"$ONE_HASH\"" "$url" >/dev/null
done
SB_ONE=(-H "Cookie: $COOKIE" "$B$ONE");       NG_ONE=("http://127.0.0.1:$NGINX_PORT/one.pdf")
SB_VIDEO=(-H "Cookie: $COOKIE" "$B$VIDEO");   NG_VIDEO=("http://127.0.0.1:$NGINX_PORT/video.mp4")
SB_304=(-H "Cookie: $COOKIE" -H "If-None-Match: \"$ONE_HASH\"" "$B$ONE"); NG_304=(-H "If-None-Match: $NETAG" "http://127.0.0.1:$NGINX_PORT/one.pdf")
compare "1MB (Kestrel sends)" SB_ONE NG_ONE
compare "20MB (Kestrel sends)" SB_VIDEO NG_VIDEO
compare "304 (Kestrel)" SB_304 NG_304
run "schoolbel 1MB (nginx in front, X-Accel)"  -H "Cookie: $COOKIE" "$P$ONE"
run "schoolbel 20MB (nginx in front, X-Accel)" -H "Cookie: $COOKIE" "$P$VIDEO"
run "schoolbel 304 (nginx in front)"           -H "Cookie: $COOKIE" -H "If-None-Match: \"$ONE_HASH\"" "$P$ONE"
run "schoolbel 1MB, fast path off"             -H "Cookie: $COOKIE" "$O$ONE"
run "schoolbel 304, fast path off"             -H "Cookie: $COOKIE" -H "If-None-Match: \"$ONE_HASH\"" "$O$ONE"
run "schoolbel GET /health/live (whole pipeline, no sign-in)" "$B/health/live"

# Downloads while 5 teachers each upload 500 MB (streamed to disk, hashed on the way).
for i in 1 2 3 4 5; do head -c 9 <(printf '%%PDF-1.7\n') > "$WORK/big$i.pdf"; head -c $((500*1024*1024-9)) /dev/urandom >> "$WORK/big$i.pdf"; done
grep VmHWM /proc/$SERVER_PID/status | sed 's/^/before uploads: /'
# The p99 to compare with, without uploads: the same download just before them (so the node's
# state, and its adaptive concurrency limit, which judges latency against the recent mix, is the
# same) and again just after them. A single 10 s run's p99 moves by a third from run to run here,
# so the comparison is with the mean of the two; each is printed as well.
p99_of() { # $1 label, rest: wrk args; prints the usual lines and keeps the p99 (ms) in P99
  local label=$1; shift
  local out; out=$(wrk -t"$THREADS" -c"$C" -d"$D" --timeout 30s --latency "$@")
  echo "== $label"; echo "$out" | grep -E 'Requests/sec|99%|Non-2xx|Socket errors'
  P99=$(echo "$out" | rate_and_p99 | awk '{print $3}')
}
p99_of "schoolbel 1MB just before the uploads (Kestrel sends)" -H "Cookie: $COOKIE" "$B$ONE"; BEFORE=$P99
# The five curl processes stand for the teachers' own computers, which at school are not the
# server's: they run niced, so that what they cost here (reading 2.5 GB and pushing it through
# loopback) does not count as the server's uploads slowing its downloads. wrk is not niced in
# any row, before, during or after.
for i in 1 2 3 4 5; do (nice -n 10 curl -s -o "$WORK/up$i.json" -w "upload $i: %{http_code} in %{time_total}s\n" -b "$WORK/teacher.jar" -H "X-CSRF-TOKEN: $CSRF" \
  -H "Content-Type: application/octet-stream" -T "$WORK/big$i.pdf" -X POST "$B$COURSE/upload?name=big$i.pdf") & done
sleep 1
p99_of "schoolbel 1MB during 5x500MB uploads (Kestrel sends)" -H "Cookie: $COOKIE" "$B$ONE"; DURING=$P99
UPLOADS=$(jobs -p | grep -vE "^($SERVER_PID|$ACCEL_PID|$OFF_PID)$" || true)
[ -n "$UPLOADS" ] && wait $UPLOADS
grep -E 'VmHWM|VmRSS' /proc/$SERVER_PID/status | sed 's/^/after uploads: /'
p99_of "schoolbel 1MB just after the uploads (Kestrel sends)" -H "Cookie: $COOKIE" "$B$ONE"; AFTER=$P99
python3 -c "b,d,a=$BEFORE,$DURING,$AFTER; print(f'1MB p99 without uploads {b:g} (before) / {a:g} ms (after), during {d:g} ms: {d/((b+a)/2):.2f}x their mean ({d/b:.2f}x before alone)')"
