#!/bin/bash
# The end-to-end benchmark (make bench): the load generator (ws_load) sends
# WebSocket messages through nginx to the echo backend (ws_echo), for every
# configuration in bench/configs/ side by side, and prints figures; it never
# passes or fails on them.  It fails only when the instrument does (nginx
# does not start, a handshake is refused, an echo differs or is lost).
#
# One nginx instance per configuration (worker_processes 1), all on
# loopback, all started before the first run.  First the memory of idle
# connections is read on the fresh instances, then the cells
# (size:connections:depth) run ROUNDS times, the configurations
# round-robin within each cell and their order rotated from cell to cell
# and round to round, so that drift and order cancel.  Per run: messages per
# second, nginx worker CPU per message (utime + stime of the one worker,
# /proc/PID/stat, over the measured window), p50 and p99 latency.  The
# median of the rounds is reported, and each ratio to the baseline is the
# median of the per-round ratios (bench/report.pl).  The last line is the
# headline ratio.
#
# Every configuration gets the same client traffic: the same handshake (with
# an HS256 token in Authorization, minted here at the start together with
# its key file, which only guard-policy checks) and the same messages (JSON
# chat messages, ws_load -j, which only guard-policy validates), so that
# only the guard differs.  A fragment's "# load: OPTIONS" line adds ws_load
# options for that configuration alone (split at white space; @TOKEN@ is
# the token); its @BENCH@ and @OUT@ become the bench/ directory and
# BENCH_OUT.
#
# Environment:
#   QUICK=1          one round instead of five, 2,000 idle connections
#   ROUNDS=5         rounds
#   SECONDS_RUN=1    measured seconds per run (after WARMUP)
#   WARMUP=0.3       seconds of load before the window opens
#   CELLS="..."      size:connections:depth list (default below)
#   CONFIGS="..."    configuration names to run (default: all in configs/)
#   CONFIG_DIR=bench/configs   where the configuration fragments are
#   IDLE_CONNS=10000 connections of the memory test (fewer if the open
#                    files limit cannot hold them: nginx needs two each)
#   IDLE_SIZE=1024   size of the one message echoed in the memory test
#   HEADLINE=1024:100:16   the cell of the headline ratio
#   PAYLOAD=json     json: ws_load -j for every configuration; text: the
#                    plain mixed text of ws_load without -j (then
#                    guard-policy refuses the messages: CONFIGS without it)
#   NGINX=/usr/sbin/nginx   MODULE=build/ngx_http_ws_guard_module.so
#   BENCH_OUT=build/bench/run   where configs, logs and raw results go
#   PROFILE=1        instead of the above: perf record on the worker of
#                    PROFILE_CONFIG (default: the headline configuration) at
#                    PROFILE_CELL (1024:100:16) for PROFILE_SECONDS (5); the
#                    top PROFILE_TOP (30) entries of perf report
#   PIN=1            nginx on CPU 0, the load generator and the echo backend
#                    on CPU 1 (taskset): the kernel no longer places the
#                    three processes anew from run to run (off by default:
#                    the figures of docs/performance.md are without it)
#   SYSCALLS=1       instead of the above: for each configuration, perf stat
#                    counts the worker's recvfrom, read, sendto, writev,
#                    write, epoll_wait, the wake-ups it causes
#                    (sched_waking) and its context switches per message
#                    at PROFILE_CELL for PROFILE_SECONDS (3, the first
#                    second not counted)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build/bench
out=${BENCH_OUT:-$top/build/bench/run}
nginx=${NGINX:-/usr/sbin/nginx}
module=${MODULE:-$top/build/ngx_http_ws_guard_module.so}
config_dir=$(cd "${CONFIG_DIR:-$top/bench/configs}" && pwd)

if [ "${QUICK:-0}" = 1 ]; then
    rounds=${ROUNDS:-1}
    secs=${SECONDS_RUN:-1}
    warmup=${WARMUP:-0.3}
    idle_conns=${IDLE_CONNS:-2000}
else
    rounds=${ROUNDS:-5}
    secs=${SECONDS_RUN:-1}
    warmup=${WARMUP:-0.3}
    idle_conns=${IDLE_CONNS:-10000}
fi

cells=${CELLS:-"64:100:1 64:100:16 1024:100:1 1024:100:16 16384:100:1 \
16384:100:16 64:5000:1 1024:5000:1 16384:5000:1"}
idle_size=${IDLE_SIZE:-1024}
headline=${HEADLINE:-1024:100:16}
payload=${PAYLOAD:-json}

case $payload in
    json) payload_opt=(-j); payload_desc="JSON chat messages (ws_load -j)" ;;
    text) payload_opt=(); payload_desc="mixed text messages" ;;
    *) echo "bench: PAYLOAD is json or text, not \"$payload\"" >&2; exit 1 ;;
esac

for b in ws_load ws_echo; do
    if [ ! -x "$bin/$b" ]; then
        echo "bench: $bin/$b is missing; run make bench" >&2
        exit 1
    fi
done

if [ ! -f "$module" ]; then
    echo "bench: $module is missing; run make build" >&2
    exit 1
fi

# every process started here gets one file descriptor per connection, nginx
# two: raise the soft limit as far as the hard limit allows
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile=$(ulimit -n)
if [ "$nofile" = unlimited ]; then
    nofile=1048576
fi

# nginx starts closing connections that have not sent a request yet when
# fewer than 1/16 of worker_connections are free: give it 1/8 more than
# there are files (it warns once at start that they exceed the limit)
worker_conns=$(( nofile + nofile / 8 ))

max_idle=$(( (nofile - 64) / 2 / 100 * 100 ))
if [ "$idle_conns" -gt "$max_idle" ]; then
    echo "bench: open files limit $nofile (hard): the memory test uses" \
         "$max_idle idle connections instead of $idle_conns" >&2
    idle_conns=$max_idle
fi

for cell in $cells; do
    c=$(echo "$cell" | cut -d: -f2)
    if [ $(( 2 * c + 64 )) -gt "$nofile" ]; then
        echo "bench: cell $cell needs more than $nofile open files" >&2
        exit 1
    fi
done

# BENCH_OUT is emptied only if it is a former output directory (or empty)
if [ -d "$out" ] && [ -n "$(ls -A "$out")" ] && [ ! -f "$out/.ws_bench" ] \
   && [ ! -f "$out/echo.port" ]
then
    echo "bench: $out exists and is not a benchmark output directory" >&2
    exit 1
fi
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)     # nginx -p and -c want it absolute
touch "$out/.ws_bench"
# the module is copied so that a rebuild during the run changes nothing
cp "$module" "$out/ngx_http_ws_guard_module.so"

# the token of every handshake: a fresh HS256 secret in a JWKS for
# guard-policy (@OUT@/jwt-hs256.jwks) and a token signed with it, valid for
# an hour from now, with openssl (base64url: RFC 7515)
b64url() {
    base64 -w 0 | tr '+/' '-_' | tr -d '='
}

openssl rand 32 > "$out/jwt-hs256.key"
printf '{"keys":[{"kty":"oct","kid":"bench","alg":"HS256","k":"%s"}]}\n' \
    "$(b64url < "$out/jwt-hs256.key")" > "$out/jwt-hs256.jwks"
now=$(date +%s)
jwt=$(printf '{"alg":"HS256","typ":"JWT","kid":"bench"}' | b64url).$(printf \
    '{"iss":"ws-bench","aud":"ws-bench","sub":"bench","scope":"chat:read chat:write","iat":%d,"exp":%d}' \
    "$now" $((now + 3600)) | b64url)
token=$jwt.$(printf '%s' "$jwt" | openssl dgst -sha256 -binary -mac HMAC \
    -macopt "hexkey:$(od -An -v -tx1 "$out/jwt-hs256.key" | tr -d ' \n')" \
    | b64url)
[[ "$token" =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$ ]] \
    || { echo "bench: could not mint the token with openssl" >&2; exit 1; }
# kept for bench/instructions.sh, which reuses this run's configurations
printf '%s\n' "$token" > "$out/jwt-hs256.token"

# what every run of ws_load gets
common_opts=("${payload_opt[@]}" -H "Authorization: Bearer $token")

# stopping nginx and the echo backend on any exit; wait_file
. "$top/bench/lib.sh"

# PIN=1: which CPU runs what

pin_nginx=()
pin_peers=()

if [ -n "${PIN:-}" ]; then
    if ! command -v taskset >/dev/null 2>&1 || [ "$(nproc)" -lt 2 ]; then
        echo "bench: PIN=1 needs taskset and 2 CPUs" >&2
        exit 1
    fi
    pin_nginx=(taskset -c 0)
    pin_peers=(taskset -c 1)
fi

# the echo backend

"${pin_peers[@]}" "$bin/ws_echo" -P "$out/echo.port" \
    2> "$out/echo.log" &
echo_pid=$!
wait_file "$out/echo.port" || { echo "bench: ws_echo did not start" >&2; exit 1; }
echo_port=$(cat "$out/echo.port")

# one nginx per configuration

names=()
declare -A port worker dir master load_opts
baseline=""
headline_cfg=""
tuned_base=""
tuned_head=""

for frag in "$config_dir"/*.conf; do
    stem=$(basename "$frag" .conf)
    name=$(sed -n '/^# name: */{s///p;q}' "$frag")
    name=${name:-$stem}

    if [ -n "${CONFIGS:-}" ] && ! [[ " $CONFIGS " == *" $name "* ]]; then
        continue
    fi

    grep -q '^# role: *baseline' "$frag" && baseline=$name
    grep -q '^# role: *headline' "$frag" && headline_cfg=$name
    grep -q '^# role: *tuned-baseline' "$frag" && tuned_base=$name
    grep -q '^# role: *tuned-headline' "$frag" && tuned_head=$name

    d=$out/$name
    mkdir -p "$d/tmp"
    p=$("$bin/ws_load" -F)

    if grep -q '^# module: *no' "$frag"; then
        load="# (this configuration runs without the module)"
    else
        load="load_module $out/ngx_http_ws_guard_module.so;"
    fi

    # the fragments, @BENCH@ and @OUT@ filled in
    sed -e "s|@BENCH@|$top/bench|g" -e "s|@OUT@|$out|g" "$frag" \
        > "$d/fragment.conf"

    http=""
    if [ -f "${frag%.conf}.http" ]; then
        sed -e "s|@BENCH@|$top/bench|g" -e "s|@OUT@|$out|g" \
            "${frag%.conf}.http" > "$d/fragment.http"
        http="include $d/fragment.http;"
    fi

    load_opts[$name]=$(sed -n '/^# load: */{s///p;q}' "$frag")
    load_opts[$name]=${load_opts[$name]//@TOKEN@/$token}

    sed -e "s|@LOAD_MODULE@|$load|" -e "s|@NOFILE@|$nofile|" \
        -e "s|@WORKER_CONNECTIONS@|$worker_conns|" -e "s|@DIR@|$d|g" \
        -e "s|@HTTP_FRAGMENT@|$http|" -e "s|@PORT@|$p|" \
        -e "s|@FRAGMENT@|$d/fragment.conf|" -e "s|@ECHO_PORT@|$echo_port|" \
        "$top/bench/nginx.conf.in" > "$d/nginx.conf"

    if ! "$nginx" -t -q -p "$d" -c "$d/nginx.conf" -e "$d/error.log" \
         2> "$d/nginx-t.log"
    then
        cat "$d/nginx-t.log" >&2
        echo "bench: nginx -t failed for $name ($d/nginx.conf)" >&2
        exit 1
    fi

    "${pin_nginx[@]}" "$nginx" -p "$d" -c "$d/nginx.conf" \
        -e "$d/error.log" -g 'daemon off;' 2> "$d/nginx.stderr" &
    master=$!
    pids+=($master)

    w=""
    for _ in $(seq 100); do
        w=$(cat "/proc/$master/task/$master/children" 2>/dev/null || true)
        w=${w%% }
        if [ -n "$w" ] && (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            break
        fi
        w=""
        sleep 0.05
    done

    if [ -z "$w" ] || [[ "$w" == *" "* ]]; then
        echo "bench: nginx for $name did not start one worker" \
             "(see $d/error.log)" >&2
        exit 1
    fi

    names+=("$name")
    master[$name]=$master
    port[$name]=$p
    worker[$name]=$w
    dir[$name]=$d
done

if [ ${#names[@]} = 0 ]; then
    echo "bench: no configuration selected" >&2
    exit 1
fi

baseline=${baseline:-${names[0]}}
headline_cfg=${headline_cfg:-${names[-1]}}

results=$out/results.txt
: > "$results"

check_worker() {
    local now m=${master[$1]}
    now=$(cat "/proc/$m/task/$m/children" 2>/dev/null || true)
    if [ "${now%% }" != "${worker[$1]}" ]; then
        echo "bench: the nginx worker of $1 is gone or was replaced" \
             "(see ${dir[$1]}/error.log)" >&2
        tail -n 5 "${dir[$1]}/error.log" >&2
        exit 1
    fi
}

run_load() {
    local name=$1 line extra
    shift
    read -r -a extra <<< "${load_opts[$name]}"
    if ! line=$("${pin_peers[@]}" "$bin/ws_load" -p "${port[$name]}" \
                -W "${worker[$name]}" \
                -l "$name" "${common_opts[@]}" "${extra[@]}" "$@" \
                2> "$out/ws_load.err"); then
        echo "bench: ws_load failed against $name: $*" >&2
        cat "$out/ws_load.err" >&2
        echo "bench: last lines of ${dir[$name]}/error.log:" >&2
        tail -n 5 "${dir[$name]}/error.log" >&2
        exit 1
    fi
    echo "$line" >> "$results"
    echo "$line"
}

# ws_load in the background against configuration $1 at the cell in size,
# conns and depth for $2 seconds, its line to file $3; its pid in lp

start_load() {
    local extra
    read -r -a extra <<< "${load_opts[$1]}"
    "${pin_peers[@]}" "$bin/ws_load" -p "${port[$1]}" -W "${worker[$1]}" \
        -l "$1" "${common_opts[@]}" "${extra[@]}" \
        -c "$conns" -s "$size" -d "$depth" -t "$2" -w 1 > "$3" &
    lp=$!
}

# the system calls (SYSCALLS=1): per message, what the worker asks of the
# kernel and how often it wakes another process, for each configuration

if [ -n "${SYSCALLS:-}" ]; then
    if ! command -v perf >/dev/null 2>&1; then
        echo "bench: perf is not installed (apt-get install linux-perf)" >&2
        exit 1
    fi
    IFS=: read -r size conns depth <<< "${PROFILE_CELL:-1024:100:16}"
    psecs=${PROFILE_SECONDS:-3}
    if [ "$psecs" -lt 2 ]; then
        echo "bench: SYSCALLS needs PROFILE_SECONDS of 2 or more" \
             "(the first second is not counted)" >&2
        exit 1
    fi
    events=syscalls:sys_enter_recvfrom,syscalls:sys_enter_read
    events=$events,syscalls:sys_enter_sendto,syscalls:sys_enter_writev
    events=$events,syscalls:sys_enter_write,syscalls:sys_enter_epoll_wait
    events=$events,sched:sched_waking,sched:sched_switch
    echo "bench: system calls of the worker per message at $size B," \
         "$conns connections, depth $depth, $psecs s each"
    for n in "${names[@]}"; do
        start_load "$n" "$psecs" "$out/syscalls.load"
        sleep 1
        if ! perf stat -x, -e "$events" -p "${worker[$n]}" \
                -- sleep "$((psecs - 1))" 2> "$out/syscalls.$n"
        then
            kill "$lp" 2>/dev/null || true
            echo "bench: perf stat failed (tracepoints not allowed?):" >&2
            cat "$out/syscalls.$n" >&2
            exit 1
        fi
        wait "$lp" || { echo "bench: ws_load failed against $n" >&2; exit 1; }
        # ws_load's rate over its whole run times the counted seconds
        rate=$(sed -n 's/.* rate=\([0-9.]*\).*/\1/p' "$out/syscalls.load")
        if [ -z "$rate" ]; then
            echo "bench: no rate from ws_load against $n" >&2
            exit 1
        fi
        awk -F, -v n="$n" -v rate="$rate" -v secs="$((psecs - 1))" '
            $3 ~ /:/ { split($3, e, ":"); k = e[2]; sub(/sys_enter_/, "", k);
                       v[k] = $1 }
            END { m = rate * secs; printf "syscalls label=%s msgs=%.0f", n, m;
                  split("recvfrom read sendto writev write epoll_wait" \
                        " sched_waking sched_switch", order, " ");
                  for (i = 1; i <= 8; i++)
                      printf " %s=%.3f", order[i], v[order[i]] / m;
                  print "" }' \
            "$out/syscalls.$n" | tee -a "$out/syscalls.txt"
    done
    exit 0
fi

# the profile (PROFILE=1): perf on the worker of one configuration

if [ -n "${PROFILE:-}" ]; then
    n=${PROFILE_CONFIG:-$headline_cfg}
    if [ -z "${port[$n]:-}" ]; then
        echo "bench: no configuration $n to profile" >&2
        exit 1
    fi
    if ! command -v perf >/dev/null 2>&1; then
        echo "bench: perf is not installed (apt-get install linux-perf);" \
             "see docs/performance.md for the callgrind fallback" >&2
        exit 1
    fi
    IFS=: read -r size conns depth <<< "${PROFILE_CELL:-1024:100:16}"
    psecs=${PROFILE_SECONDS:-5}
    echo "bench: profiling the worker of $n (pid ${worker[$n]}) at" \
         "$size B, $conns connections, depth $depth for $psecs s"
    start_load "$n" "$((psecs + 1))" "$out/profile.load"
    sleep 1.5
    perf record -F 1999 -p "${worker[$n]}" -o "$out/perf.data" \
        -- sleep "$psecs" 2> "$out/perf.log"
    wait "$lp" || { echo "bench: ws_load failed during the profile" >&2; exit 1; }
    cat "$out/profile.load"
    # (sed, not head: an early end of the pipe would fail it, pipefail)
    perf report -i "$out/perf.data" --no-children --sort dso,sym --stdio \
        2>/dev/null | grep -v '^#' | grep '%' | sed -n "1,${PROFILE_TOP:-30}p" \
        | tee "$out/profile.txt"
    echo "bench: samples by object:"
    perf report -i "$out/perf.data" --no-children --sort dso --stdio \
        2>/dev/null | grep -v '^#' | grep '%' | sed -n '1,8p' | tee -a "$out/profile.txt"
    echo "bench: perf data in $out/perf.data, top entries in $out/profile.txt"
    exit 0
fi

echo "bench: ${names[*]} on ports $(for n in "${names[@]}"; do
    printf '%s ' "${port[$n]}"; done)(echo backend $echo_port)"
echo "bench: $rounds round(s) x ${secs} s (+${warmup} s warm-up) per run;" \
     "cells (size:connections:depth): $cells"
echo "bench: every configuration: $payload_desc, a bearer token (HS256)" \
     "at the handshake; baseline $baseline, headline $headline_cfg"
echo "bench: $(nproc) CPUs, $(sed -n '/^model name[^:]*: */{s///p;q}' \
     /proc/cpuinfo); load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

# memory: the instances are still fresh

for i in "${!names[@]}"; do
    n=${names[$i]}
    check_worker "$n"
    line=$(run_load "$n" -m idle -c "$idle_conns" -s "$idle_size" -w 1)
    printf 'memory  %-14s %s\n' "$n" "$(echo "$line" | grep -o \
        -e 'idle_kib_per_conn=[^ ]*' -e 'echoed_kib_per_conn=[^ ]*' \
        -e 'second_half_kib_per_conn=[^ ]*' | tr '\n' ' ')"
done

# throughput, CPU, latency

k=0
for r in $(seq "$rounds"); do
    for cell in $cells; do
        IFS=: read -r size conns depth <<< "$cell"
        for j in "${!names[@]}"; do
            i=$(( (j + k) % ${#names[@]} ))
            n=${names[$i]}
            check_worker "$n"
            line=$(run_load "$n" -c "$conns" -s "$size" -d "$depth" \
                   -t "$secs" -w "$warmup")
            printf 'round %d/%d %6s B %5s conns depth %-2s %-14s %s\n' \
                "$r" "$rounds" "$size" "$conns" "$depth" "$n" \
                "$(echo "$line" | grep -o \
                   'rate=[^ ]*\|cpu_us_per_msg=[^ ]*\|p50_us=[^ ]*\|p99_us=[^ ]*' \
                   | tr '\n' ' ')"
        done
        k=$((k + 1))
    done
done

for i in "${!names[@]}"; do
    check_worker "${names[$i]}"
done

echo
echo "bench: load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench: raw results in $results"
for n in "${names[@]}"; do
    c=$(grep -v -c 'worker_connections exceed open file resource limit' \
        "${dir[$n]}/error.log" || true)
    echo "bench: ${dir[$n]}/error.log: $c line(s) at warn or above"
    if [ "$c" != 0 ]; then
        grep -v 'worker_connections exceed open file resource limit' \
            "${dir[$n]}/error.log" | sed -n '1,3s/^/    /p'
    fi
done
echo

perl "$top/bench/report.pl" --baseline "$baseline" \
    --headline "$headline_cfg" --headline-cell "$headline" \
    ${tuned_base:+--tuned-baseline "$tuned_base"} \
    ${tuned_head:+--tuned-headline "$tuned_head"} \
    --order "${names[*]}" "$results"
