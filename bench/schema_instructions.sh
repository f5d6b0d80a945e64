#!/bin/bash
# Instructions per message of the streaming JSON Schema validator alone,
# counted by callgrind: build/bench/bench_schema runs the rows whose name
# contains ROW, and the instructions of ngx_ws_guard_schema_feed() (the
# JSON parser and the schema under it) are divided by the messages, one
# ngx_ws_guard_schema_reset() each.  Unlike the MB/s that bench_schema
# prints, the figure does not move with the machine's load.
#
#   bench/schema_instructions.sh [ROW...]
#
# Default rows: the 1 KiB messages of ws_load -j against
# bench/schemas/chat-client.json and chat-server.json (the two directions
# of make bench's guard-policy), and the same messages without a schema;
# then the same at 64 B, where what every message costs shows.

set -euo pipefail

cd "$(dirname "$0")/.."

bin=build/bench/bench_schema

. bench/lib.sh

need_callgrind schema_instructions

if [ ! -x "$bin" ]; then
    echo "schema_instructions: $bin is not built (make bench)" >&2
    exit 1
fi

if [ $# -eq 0 ]; then
    set -- "1 KiB ws_load -j, chat-client" "1 KiB ws_load -j, chat-server" \
           "1 KiB ws_load -j, no schema" "64 B ws_load -j, chat-client" \
           "64 B ws_load -j, chat-server" "64 B ws_load -j, no schema"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for row in "$@"; do
    valgrind --tool=callgrind --callgrind-out-file="$tmp/out" "$bin" "$row" \
        > "$tmp/stdout" 2> "$tmp/stderr" \
        || { cat "$tmp/stderr" >&2; exit 1; }

    if ! grep -q "MB/s" "$tmp/stdout"; then
        echo "schema_instructions: no row matches \"$row\"" >&2
        exit 1
    fi

    ir=$(callgrind_inclusive "$tmp/out" "ngx_ws_guard_schema_feed ")
    msgs=$(callgrind_annotate --tree=calling "$tmp/out" 2>/dev/null \
           | sed -n 's/.*> .*ngx_ws_guard_schema_reset (\([0-9,]*\)x).*/\1/p' \
           | head -1 | tr -d ,)

    if [ -z "$ir" ] || [ -z "$msgs" ] || [ "$msgs" -eq 0 ]; then
        echo "schema_instructions: $row: no figure" >&2
        exit 1
    fi

    echo "schema_instructions row=\"$row\" msgs=$msgs ir=$ir" \
         "per_msg=$(( ir / msgs ))"
done
