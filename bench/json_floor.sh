#!/bin/bash
# The guard's JSON parser next to simdjson (Debian's libsimdjson-dev, a
# parser built for speed) on the same 64 messages of 1 KiB, those of
# bench_schema's "1 KiB ws_load -j" rows: nanoseconds per message (the best
# of 10 rounds of 0.1 s) and instructions per message under callgrind.
# Neither side has a schema.  The guard's first row does not check the
# UTF-8 (nginx's frame guard did, as in make bench's guard-policy), its
# second does, as simdjson does; simdjson also decodes the strings and the
# numbers into its DOM, which the guard's parser does not.  simdjson natively
# takes the widest SIMD the CPU has; the row "haswell" forces its AVX2
# code, the guard's own level, and is what callgrind runs (valgrind has no
# AVX-512).  Figures only: no pass or fail.
#
#   bench/json_floor.sh        (needs make bench's build: make bench, or
#                               make build/bench/bench_simdjson
#                               build/bench/kib.bin)

set -euo pipefail

cd "$(dirname "$0")/.."

bin=build/bench
count=20000

. bench/lib.sh

need_callgrind json_floor

for f in bench_schema bench_simdjson kib.bin; do
    if [ ! -e "$bin/$f" ]; then
        echo "json_floor: $bin/$f is not built (make bench)" >&2
        exit 1
    fi
done

echo "json_floor: 64 messages of 1 KiB (bench_schema --write-kib), no schema"

# nanoseconds per message
for row in "no schema" "JSON and UTF-8"; do
    "$bin/bench_schema" "1 KiB ws_load -j, $row" \
        | awk -v row="$row" '
              / msg\/s/ {
                  for (i = 2; i <= NF; i++) if ($i == "msg/s") r = $(i - 1)
                  printf "  guard JSON parser, %-27s %6.0f ns/msg\n",
                         row (row == "no schema" ? ", no UTF-8:" : ":"),
                         1e9 / r
              }'
done
"$bin/bench_simdjson" "$bin/kib.bin"
SIMDJSON_FORCE_IMPLEMENTATION=haswell "$bin/bench_simdjson" "$bin/kib.bin"

# instructions per message
bench/schema_instructions.sh "1 KiB ws_load -j, no schema" \
    "1 KiB ws_load -j, JSON and UTF-8"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

SIMDJSON_FORCE_IMPLEMENTATION=haswell \
    valgrind --tool=callgrind --callgrind-out-file="$tmp/out" \
    "$bin/bench_simdjson" "$bin/kib.bin" "$count" > /dev/null 2> "$tmp/err" \
    || { cat "$tmp/err" >&2; exit 1; }

ir=$(callgrind_inclusive "$tmp/out" "bench_one(")

if [ -z "$ir" ]; then
    echo "json_floor: no figure for simdjson" >&2
    exit 1
fi

echo "simdjson_instructions impl=haswell msgs=$count ir=$ir" \
     "per_msg=$(( ir / count ))"
