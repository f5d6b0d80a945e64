# Sourced by bench/run.sh, bench/bench_rate.sh and the callgrind scripts:
# stopping what they started, waiting for a file a child writes, the
# check that valgrind is there, and reading a function's instructions.
#
# pids: nginx masters (stopped with QUIT, gracefully); echo_pid: the echo
# backend (TERM: background jobs of a script ignore QUIT and INT).  Both
# are stopped on any exit, Ctrl-C included.

pids=()
echo_pid=""

cleanup() {
    local p i
    trap - INT TERM EXIT
    for p in "${pids[@]}"; do
        kill -QUIT "$p" 2>/dev/null || true
    done
    if [ -n "$echo_pid" ]; then
        kill -TERM "$echo_pid" 2>/dev/null || true
        pids+=("$echo_pid")
    fi
    for p in "${pids[@]}"; do
        for i in $(seq 50); do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$p" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# waits up to 5 s for the file $1 to be non-empty
wait_file() {
    local i
    for i in $(seq 100); do
        [ -s "$1" ] && return 0
        sleep 0.05
    done
    return 1
}


# exits unless valgrind and callgrind_annotate are installed; $1 names the
# script in the message
need_callgrind() {
    if ! command -v valgrind >/dev/null \
       || ! command -v callgrind_annotate >/dev/null
    then
        echo "$1: valgrind is not installed (make deps)" >&2
        exit 1
    fi
}


# the inclusive instructions (no commas) of the first function whose line
# in callgrind_annotate's listing of the output file $1 matches the sed
# pattern $2; empty if none does
callgrind_inclusive() {
    callgrind_annotate --inclusive=yes "$1" 2>/dev/null \
        | sed -n "s/^ *\([0-9,]*\) .*$2.*/\1/p" | head -1 | tr -d ,
}
