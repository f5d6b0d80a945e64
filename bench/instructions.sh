#!/bin/bash
# Worker instructions per message, counted by callgrind: the one figure of
# the guard's cost that does not move with the machine's load.  Uses the
# configurations that the last bench/run.sh wrote (BENCH_OUT, by default
# build/bench/run): for each one named, nginx runs as a single process
# under callgrind, ws_load sends JSON messages at one cell for SECONDS_RUN
# seconds (no warm-up, so that every message echoed is counted), and the
# instructions of nginx's event loop (everything the worker does after
# start-up: the handshakes of the connections, then the traffic) are
# divided by the messages echoed.  User space only: the kernel's share is
# not counted (bench/run.sh SYSCALLS=1 and PROFILE=1 look at that).
#
#   bench/instructions.sh [CONFIG...]     (default: every configuration)
#
# Environment: BENCH_OUT, CELL=1024:100:16, SECONDS_RUN=5, NGINX.

set -euo pipefail

cd "$(dirname "$0")/.."

out=${BENCH_OUT:-build/bench/run}
bin=build/bench
nginx=${NGINX:-/usr/sbin/nginx}
secs=${SECONDS_RUN:-5}
IFS=: read -r size conns depth <<< "${CELL:-1024:100:16}"

. bench/lib.sh

need_callgrind instructions

if [ ! -f "$out/echo.port" ]; then
    echo "instructions: $out is not the output of bench/run.sh" >&2
    exit 1
fi

out=$(cd "$out" && pwd)

if [ $# -eq 0 ]; then
    set -- $(cd "$out" && for d in */nginx.conf; do dirname "$d"; done)
fi

echo "instructions: $size B, $conns connections, depth $depth, $secs s" \
     "each, configurations of $out"

for name in "$@"; do
    d=$out/$name
    if [ ! -f "$d/nginx.conf" ]; then
        echo "instructions: no configuration $name in $out" >&2
        exit 1
    fi

    port=$(grep -o 'listen 127.0.0.1:[0-9]*' "$d/nginx.conf" | cut -d: -f2)

    # the echo backend again where the run had it
    "$bin/ws_echo" -p "$(cat "$out/echo.port")" \
        2> "$d/instructions-echo.log" &
    echo_pid=$!

    valgrind --tool=callgrind --callgrind-out-file="$d/callgrind.out" \
        "$nginx" -p "$d" -c "$d/nginx.conf" -e "$d/error.log" \
        -g 'daemon off; master_process off;' 2> "$d/callgrind.log" &
    vg=$!
    pids=("$vg")

    # valgrind starts slowly: wait until nginx answers
    for i in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            break
        fi
        sleep 0.2
    done

    # what bench/run.sh gives ws_load: the token, the fragment's options
    token=$(cat "$out/jwt-hs256.token" 2>/dev/null || true)
    opts=(-j)
    if [ -n "$token" ]; then
        opts+=(-H "Authorization: Bearer $token")
    fi
    extra=$(sed -n '/^# load: */{s///p;q}' "$d/fragment.conf")
    read -r -a extra <<< "${extra//@TOKEN@/$token}"
    opts+=("${extra[@]}")

    line=$("$bin/ws_load" -p "$port" -l "$name" "${opts[@]}" -c "$conns" \
           -s "$size" -d "$depth" -t "$secs" -w 0)

    # QUIT, and TERM if nginx under valgrind has not gone after 30 s (a
    # QUIT was once seen to go unanswered); either way callgrind writes
    # out what it counted
    kill -QUIT "$vg"
    for i in $(seq 300); do
        kill -0 "$vg" 2>/dev/null || break
        sleep 0.1
    done
    kill -TERM "$vg" 2>/dev/null || true
    wait "$vg" || true
    kill -TERM "$echo_pid" 2>/dev/null || true
    wait "$echo_pid" 2>/dev/null || true
    echo_pid=""
    pids=()

    msgs=$(sed -n 's/.* msgs=\([0-9]*\).*/\1/p' <<< "$line")
    ir=$(callgrind_inclusive "$d/callgrind.out" ngx_process_events_and_timers)

    if [ -z "$msgs" ] || [ "$msgs" -eq 0 ] || [ -z "$ir" ]; then
        echo "instructions: $name: no figure (see $d/callgrind.log)" >&2
        exit 1
    fi

    echo "instructions name=$name msgs=$msgs ir=$ir" \
         "per_msg=$(( ir / msgs ))"
    callgrind_annotate "$d/callgrind.out" 2>/dev/null \
        | grep -E '^ *[0-9,]+ \(' | sed -n '2,9p' \
        | sed -e 's/\[.*\]//' -e 's/^/    /'
done
