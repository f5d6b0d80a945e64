
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * A reference, not part of the module: what simdjson (Debian's
 * libsimdjson-dev), a JSON parser built for speed, costs for the messages
 * of bench_schema's "1 KiB ws_load -j" rows.  It parses each message into
 * its DOM (which checks the syntax, the UTF-8 and the escapes, and decodes
 * the strings and the numbers) and walks the members, reading every value;
 * no schema.  Prints nanoseconds per message, the best of 10 rounds of
 * 0.1 s, and with a count runs that many messages once and nothing else,
 * for callgrind (bench/json_floor.sh).  Prints figures; there is no pass or
 * fail.
 *
 *     bench_simdjson FILE [COUNT]
 *
 * FILE holds the messages one after the other, 1,024 bytes each
 * (bench_schema --write-kib FILE).
 */


#include <simdjson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#define BENCH_MSG     1024
#define BENCH_ROUNDS  10


static double bench_now(void);
static size_t bench_one(simdjson::dom::parser &parser,
    const simdjson::padded_string &msg);


static double
bench_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


/* one message: parsed, its members walked; the bytes of its values */

__attribute__((noinline))
static size_t
bench_one(simdjson::dom::parser &parser, const simdjson::padded_string &msg)
{
    size_t                   n;
    simdjson::dom::object    obj;
    std::string_view         s;

    if (parser.parse(msg).get(obj) != simdjson::SUCCESS) {
        fprintf(stderr, "bench_simdjson: a message does not parse\n");
        exit(1);
    }

    n = 0;

    for (simdjson::dom::key_value_pair kv : obj) {
        n += kv.key.size();

        if (kv.value.is_string()) {
            if (kv.value.get(s) != simdjson::SUCCESS) {
                exit(1);
            }

            n += s.size();

        } else if (kv.value.is_int64()) {
            n += (size_t) (int64_t) kv.value % 7;
        }
    }

    return n;
}


int
main(int argc, char **argv)
{
    int                                     r;
    long                                    size, count, i, k, nmsgs;
    FILE                                   *f;
    char                                   *buf;
    size_t                                  sink;
    double                                  t, best;
    simdjson::dom::parser                   parser;
    std::vector<simdjson::padded_string>    msgs;

    if (argc < 2) {
        fprintf(stderr, "usage: bench_simdjson FILE [COUNT]\n");
        return 1;
    }

    f = fopen(argv[1], "rb");
    if (f == NULL) {
        fprintf(stderr, "bench_simdjson: cannot open %s\n", argv[1]);
        return 1;
    }

    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);

    nmsgs = size / BENCH_MSG;

    if (nmsgs == 0 || size % BENCH_MSG != 0) {
        fprintf(stderr, "bench_simdjson: %s is not messages of %d bytes\n",
                argv[1], BENCH_MSG);
        return 1;
    }

    buf = (char *) malloc(size);
    if (buf == NULL || fread(buf, 1, size, f) != (size_t) size) {
        fprintf(stderr, "bench_simdjson: cannot read %s\n", argv[1]);
        return 1;
    }

    fclose(f);

    for (i = 0; i < nmsgs; i++) {
        msgs.emplace_back(buf + i * BENCH_MSG, BENCH_MSG);
    }

    free(buf);

    sink = 0;

    if (argc > 2) {
        count = atol(argv[2]);

        for (i = 0; i < count; i++) {
            sink += bench_one(parser, msgs[i % nmsgs]);
        }

        printf("bench_simdjson: %ld messages (%zu)\n", count, sink % 10);
        return 0;
    }

    /* warm up, then the best of BENCH_ROUNDS rounds of 0.1 s */

    best = 0;

    for (r = 0; r <= BENCH_ROUNDS; r++) {
        t = bench_now();
        k = 0;

        do {
            for (i = 0; i < nmsgs; i++) {
                sink += bench_one(parser, msgs[i]);
            }

            k += nmsgs;

        } while (bench_now() - t < 0.1);

        t = (bench_now() - t) / k;

        if (r > 0 && (best == 0 || t < best)) {
            best = t;
        }
    }

    printf("  simdjson %s (%s), DOM, members walked: %6.0f ns/msg"
           "  %9.0f msg/s (%zu)\n",
           SIMDJSON_STRINGIFY(SIMDJSON_VERSION),
           simdjson::get_active_implementation()->name().c_str(),
           best * 1e9, 1 / best, sink % 10);

    return 0;
}
