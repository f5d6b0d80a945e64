#!/bin/bash
# What a shared-memory limit zone costs per message (not a test: it prints
# figures and never passes or fails on them).
#
# nginx with two workers (listen ... reuseport spreads the connections over
# both) proxies WebSocket echo traffic from bench/ws_load.c to
# bench/ws_echo.c, in these configurations side by side:
#
#   none          ws_guard on, no rate limit (the baseline)
#   conn          ws_guard_rate: per-connection buckets, no shared memory
#   zone-many     ws_guard_limit on a zone keyed by $remote_port: every
#                 connection its own key, in a tree filled beforehand with
#                 PREFILL more keys (idle nodes)
#   zone-one      ws_guard_limit on a zone keyed by a constant: every
#                 connection of both workers on one node (the most
#                 contention)
#   zone-many-x32, zone-one-x32
#                 the same with 32 such zones in the location, so that
#                 the cost of a check (a 32nd of the difference) stands
#                 out of the noise
#
# The rates are far above the load, so nothing is ever refused: what is
# measured is the check itself.  Per run: the CPU time (utime + stime from
# /proc) of both workers over the whole run, divided by the messages the
# guard saw (ws_guard_status, summed over the workers, both directions:
# an echo is two messages).  ROUNDS runs per configuration, round-robin,
# the order rotated each round; the median is reported, and the cost of
# the check is the configuration's median minus the baseline's.
#
# Environment:
#   ROUNDS=5  SECONDS_RUN=5  CONNS=100  SIZE=64  DEPTH=16  PREFILL=10000
#   NGINX=/usr/sbin/nginx  MODULE=build/ngx_http_ws_guard_module.so
#   BENCH_OUT=build/bench_rate   where configurations, logs and tools go
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${BENCH_OUT:-$top/build/bench_rate}
nginx=${NGINX:-/usr/sbin/nginx}
module=${MODULE:-$top/build/ngx_http_ws_guard_module.so}
rounds=${ROUNDS:-5}
secs=${SECONDS_RUN:-5}
conns=${CONNS:-100}
size=${SIZE:-64}
depth=${DEPTH:-16}
prefill=${PREFILL:-10000}
configs="none conn zone-many zone-one zone-many-x32 zone-one-x32"

if [ ! -f "$module" ]; then
    echo "bench_rate: $module is missing; run make build" >&2
    exit 1
fi

for f in ws_load.c ws_echo.c ws_bench.h; do
    if [ ! -f "$top/bench/$f" ]; then
        echo "bench_rate: bench/$f is missing" >&2
        exit 1
    fi
done

rm -rf "$out"
mkdir -p "$out"
cp "$module" "$out/ngx_http_ws_guard_module.so"

for b in ws_load ws_echo; do
    cc -std=gnu99 -O2 -Wall -o "$out/$b" "$top/bench/$b.c" -lcrypto
done

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# stopping nginx and the echo backend on any exit; wait_file
. "$top/bench/lib.sh"

"$out/ws_echo" -P "$out/echo.port" 2> "$out/echo.log" &
echo_pid=$!
wait_file "$out/echo.port" || { echo "bench_rate: ws_echo failed" >&2; exit 1; }
echo_port=$(cat "$out/echo.port")

policy() {
    local i
    case $1 in
    none)         ;;
    conn)         echo "ws_guard_rate messages=100000000r/s;" ;;
    zone-many)    echo "ws_guard_limit zone=many1;" ;;
    zone-one)     echo "ws_guard_limit zone=one1;" ;;
    zone-many-x32) for i in $(seq 32); do echo "ws_guard_limit zone=many$i;"; done ;;
    zone-one-x32)  for i in $(seq 32); do echo "ws_guard_limit zone=one$i;"; done ;;
    esac
}

zones() {
    local i
    for i in $(seq 32); do
        echo "ws_guard_limit_zone \$remote_port zone=many$i:8m rate=100000000r/s;"
        echo "ws_guard_limit_zone all zone=one$i:32k rate=100000000r/s;"
    done
}

declare -A port master
for name in $configs; do
    d=$out/$name
    mkdir -p "$d"
    port[$name]=$("$out/ws_load" -F)
    cat > "$d/nginx.conf" <<EOF
load_module $out/ngx_http_ws_guard_module.so;
worker_processes 2;
worker_rlimit_nofile 65536;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 16384; }
http {
    access_log off;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;

    $(zones)

    server {
        listen 127.0.0.1:${port[$name]} reuseport backlog=4096;

        location /ws {
            ws_guard on;
            ws_guard_origin any;
            $(policy "$name")
            proxy_pass http://127.0.0.1:$echo_port;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_read_timeout 1h;
        }

        location = /status {
            ws_guard_status json;
        }
    }
}
EOF
    "$nginx" -p "$d" -c "$d/nginx.conf" -e "$d/error.log" \
        -g 'daemon off;' 2> "$d/nginx.stderr" &
    master[$name]=$!
    pids+=(${master[$name]})
    wait_file "$d/nginx.pid" || { cat "$d/nginx.stderr" >&2; exit 1; }
done

workers() {
    local m=${master[$1]} p
    for p in /proc/[0-9]*; do
        [ "$(awk '{print $4}' "$p/stat" 2>/dev/null)" = "$m" ] \
            && echo "${p#/proc/}"
    done
}

# utime + stime of the workers, in clock ticks
cpu_ticks() {
    local t=0 p v
    for p in $(workers "$1"); do
        v=$(awk '{print $14 + $15}' "/proc/$p/stat")
        t=$((t + v))
    done
    echo $t
}

# the status handler's JSON, and what a Python expression makes of it (j)
status() {
    python3 -c 'import json, sys, urllib.request
j = json.load(urllib.request.urlopen(sys.argv[1]))
print(eval(sys.argv[2]))' "http://127.0.0.1:${port[$1]}/status" "$2"
}

# data messages the guard saw, both directions, all workers
guard_msgs() {
    status "$1" \
        'j["traffic"]["client"]["messages"] + j["traffic"]["server"]["messages"]'
}

# many keys: PREFILL handshakes, each from its own port, each a node
for name in zone-many zone-many-x32; do
python3 - "${port[$name]}" "$prefill" <<'EOF'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
req = (b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
       b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
       b"Origin: http://x\r\n"
       b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(req)
    s.recv(4096)
    s.close()
EOF
done
keys=$(status zone-many 'j["limit_zones"]["many1"]["keys"]')

hz=$(getconf CLK_TCK)
declare -A results

run() {
    local name=$1 c0 c1 m0 m1 line
    c0=$(cpu_ticks "$name")
    m0=$(guard_msgs "$name")
    line=$("$out/ws_load" -p "${port[$name]}" -c "$conns" -s "$size" \
           -d "$depth" -t "$secs" -w 0.5 -l "$name" 2>> "$out/ws_load.err")
    c1=$(cpu_ticks "$name")
    m1=$(guard_msgs "$name")
    echo "$line" >> "$out/raw.txt"
    results[$name]+="$(awk -v c=$((c1 - c0)) -v m=$((m1 - m0)) -v hz="$hz" \
                       'BEGIN { printf "%.4f", c * 1e6 / hz / m }') "
    printf '  %-14s %8.3f us/msg  %s\n' "$name" \
        "$(awk -v c=$((c1 - c0)) -v m=$((m1 - m0)) -v hz="$hz" \
           'BEGIN { print c * 1e6 / hz / m }')" \
        "$(echo "$line" | grep -o 'rate=[0-9.]*')"
}

echo "bench_rate: $(nproc) CPUs, 2 workers, $conns connections," \
     "$size-byte messages, depth $depth, ${secs}s per run, $rounds rounds;" \
     "zone-many holds $keys keys"

set -- $configs
for r in $(seq "$rounds"); do
    echo "round $r:"
    for name in "$@"; do
        run "$name"
    done
    # rotate the order
    set -- "${@:2}" "$1"
done

# median, min and max of the values on stdin
median() {
    tr ' ' '\n' | grep -v '^$' | sort -g \
        | awk '{ v[NR] = $1 }
               END { if (NR % 2) m = v[(NR + 1) / 2];
                     else m = (v[NR / 2] + v[NR / 2 + 1]) / 2;
                     print m, v[1], v[NR] }'
}

base=$(echo "${results[none]}" | median | cut -d' ' -f1)
echo
echo "worker CPU per message (median of $rounds [min max]; an echo is two" \
     "messages):"
for name in $configs; do
    read -r m lo hi < <(echo "${results[$name]}" | median)
    printf '  %-14s %7.3f us/msg [%.3f %.3f]   vs none: %+.3f us/msg\n' \
        "$name" "$m" "$lo" "$hi" \
        "$(awk -v a="$m" -v b="$base" 'BEGIN { print a - b }')"
done
