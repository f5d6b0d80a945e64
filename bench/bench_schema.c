
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Throughput of the streaming schema validator: chat messages of about
 * 200 bytes, each fed whole as a frame would bring it, against a schema
 * with type, required, properties, maxLength, enum and pattern; and a
 * 64 KiB document (an array of objects) fed in reads of 4 KiB.  For each,
 * the same bytes through the validator without a schema (well-formedness
 * and limits only) for comparison.  Also the memory a validator state
 * holds per connection.  Each figure is the best of 10 rounds of 0.1 s.
 * Prints figures; there is no pass or fail.
 *
 *     bench_schema [TEXT]    only the rows whose name contains TEXT (for
 *                            a profiler: perf record bench_schema "ws_load")
 *     bench_schema --write-kib FILE
 *                            writes the 64 messages of the "1 KiB ws_load
 *                            -j" rows, 1,024 bytes each, to FILE and exits
 *                            (for bench/bench_simdjson.cc)
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ngx_ws_guard_schema.h"


#define BENCH_SECONDS  1.0
#define BENCH_ROUNDS   10
#define BENCH_CHATS    256
#define BENCH_DOC      (64 * 1024)
#define BENCH_READ     4096


typedef struct {
    unsigned char  *buf;
    size_t         *offs;            /* message i is buf[offs[i], offs[i+1]) */
    size_t          n;
} bench_msgs_t;


static const char  *bench_only;


static double bench_now(void);
static ngx_ws_guard_schema_t *bench_compile(const char *json);
static ngx_ws_guard_schema_state_t *bench_state(ngx_ws_guard_schema_t *s);
static void bench_chats(bench_msgs_t *m);
static void bench_doc(bench_msgs_t *m);
static void bench_kib(bench_msgs_t *m, size_t size);
static char *bench_file(const char *path);
static double bench_run(ngx_ws_guard_schema_state_t *st, bench_msgs_t *m,
    size_t piece, size_t *bytes);
static void bench_report(const char *name, const char *schema_json,
    bench_msgs_t *m, size_t piece);


static const char  bench_chat_schema[] =
    "{\"type\":\"object\",\"required\":[\"type\",\"room\",\"ts\"],"
    "\"properties\":{"
    "\"type\":{\"enum\":[\"chat\",\"join\",\"leave\",\"typing\"]},"
    "\"room\":{\"type\":\"string\",\"pattern\":\"^[a-z0-9_-]{1,32}$\"},"
    "\"text\":{\"type\":\"string\",\"maxLength\":500},"
    "\"ts\":{\"type\":\"integer\",\"minimum\":0},"
    "\"id\":{\"type\":\"string\",\"pattern\":\"^[0-9a-f-]{36}$\"},"
    "\"tags\":{\"type\":\"array\",\"maxItems\":8,"
    "\"items\":{\"type\":\"string\",\"maxLength\":16}}},"
    "\"additionalProperties\":false}";

static const char  bench_doc_schema[] =
    "{\"type\":\"array\",\"items\":{\"type\":\"object\","
    "\"required\":[\"id\",\"name\",\"price\"],"
    "\"properties\":{\"id\":{\"type\":\"integer\",\"minimum\":1},"
    "\"name\":{\"type\":\"string\",\"maxLength\":64},"
    "\"price\":{\"type\":\"number\",\"exclusiveMinimum\":0,"
    "\"multipleOf\":0.01},"
    "\"currency\":{\"enum\":[\"EUR\",\"USD\",\"GBP\"]},"
    "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"active\":{\"type\":\"boolean\"}},"
    "\"additionalProperties\":false}}";


static double
bench_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static ngx_ws_guard_schema_t *
bench_compile(const char *json)
{
    char                    err[256];
    ngx_ws_guard_schema_t  *s;

    if (json == NULL) {
        return NULL;
    }

    s = ngx_ws_guard_schema_compile((const unsigned char *) json,
                                    strlen(json), NULL, err, sizeof(err));
    if (s == NULL) {
        fprintf(stderr, "bench: %s\n", err);
        exit(1);
    }

    return s;
}


static unsigned  bench_utf8_checked;


static ngx_ws_guard_schema_state_t *
bench_state(ngx_ws_guard_schema_t *s)
{
    char                          err[256];
    ngx_ws_guard_schema_conf_t    conf;
    ngx_ws_guard_schema_state_t  *st;

    memset(&conf, 0, sizeof(conf));
    conf.schema = s;
    conf.utf8_checked = bench_utf8_checked;

    st = ngx_ws_guard_schema_state_create(&conf, err, sizeof(err));
    if (st == NULL) {
        fprintf(stderr, "bench: %s\n", err);
        exit(1);
    }

    return st;
}


static void
bench_chats(bench_msgs_t *m)
{
    size_t   i, off;

    static const char  *texts[] = {
        "hello everyone, how is it going today? the build is green again "
        "and the release notes are up",
        "the quick brown fox jumps over the lazy dog, again and again, "
        "until the dog finally wakes up",
        "caf\\u00e9 at five? \xc3\xa9t\xc3\xa9 \xe2\x82\xac 5 "
        "\xf0\x9f\x91\x8d see you all at the usual place near the station",
        "lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do "
        "eiusmod tempor incididunt ut labore",
        "ok, thanks! I will look at the logs tomorrow morning and report "
        "back before the standup"
    };

    m->buf = malloc(BENCH_CHATS * 512);
    m->offs = malloc((BENCH_CHATS + 1) * sizeof(size_t));

    if (m->buf == NULL || m->offs == NULL) {
        exit(1);
    }

    off = 0;

    for (i = 0; i < BENCH_CHATS; i++) {
        m->offs[i] = off;
        off += sprintf((char *) m->buf + off,
                       "{\"type\":\"chat\",\"room\":\"lobby-%zu\","
                       "\"text\":\"%s\",\"ts\":%zu,"
                       "\"id\":\"3f1c9a7e-5b2d-4c8e-9a61-%012zx\","
                       "\"tags\":[\"news\",\"team-%zu\"],"
                       "\"user\":\"u%zu\"}",
                       i % 7, texts[i % 5], 1700000000 + i,
                       i * 2654435761u, i % 3, i);

        /* "user" is not in the schema: drop it, keep ~200 bytes */

        off = m->offs[i] + (strstr((char *) m->buf + m->offs[i], ",\"user\"")
                            - (char *) m->buf - m->offs[i]);
        m->buf[off++] = '}';
    }

    m->offs[i] = off;
    m->n = BENCH_CHATS;
}


static void
bench_doc(bench_msgs_t *m)
{
    size_t   off, id;

    m->buf = malloc(BENCH_DOC + 512);
    m->offs = malloc(2 * sizeof(size_t));

    if (m->buf == NULL || m->offs == NULL) {
        exit(1);
    }

    off = 0;
    m->buf[off++] = '[';

    for (id = 1; off < BENCH_DOC - 200; id++) {
        off += sprintf((char *) m->buf + off,
                       "%s{\"id\":%zu,\"name\":\"item number %zu, blue\","
                       "\"price\":%zu.%02zu,\"currency\":\"%s\","
                       "\"tags\":[\"a\",\"b%zu\"],\"active\":%s}",
                       id > 1 ? "," : "", id, id, id * 3, id % 100,
                       (id % 2) ? "EUR" : "USD", id % 10,
                       (id % 3) ? "true" : "false");
    }

    m->buf[off++] = ']';
    m->offs[0] = 0;
    m->offs[1] = off;
    m->n = 1;
}


/*
 * 64 chat messages of exactly size bytes (1 KiB, 64 B) as ws_load -j sends
 * them in make bench (bench/schemas/chat-client.json): words of ASCII, some
 * with escaped quotes, about one in six a multibyte one.
 */

static void
bench_kib(bench_msgs_t *m, size_t size)
{
    size_t     i, off, end, len;
    uint64_t   r;
    const char *w;

    static const char  *words[] = {
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
        "hotel", "india", "kilo", "{\\\"id\\\":42,", "x=y&z", "#tag",
        "na\xc3\xafve", "\xe2\x82\xac" "12", "\xe6\x9d\xb1\xe4\xba\xac",
        "\xf0\x9f\x9a\x80"
    };

    m->buf = malloc(64 * size);
    m->offs = malloc(65 * sizeof(size_t));

    if (m->buf == NULL || m->offs == NULL) {
        exit(1);
    }

    r = 88172645463325252ULL;

    for (i = 0; i < 64; i++) {
        off = i * size;
        m->offs[i] = off;
        end = off + size - 2;

        off += sprintf((char *) m->buf + off,
                       "{\"type\":\"chat\",\"seq\":%zu,\"room\":\"r%zu\","
                       "\"text\":\"", (size_t) 1000000000 + i, i % 10);

        while (off < end) {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;

            w = words[r % (sizeof(words) / sizeof(words[0]))];
            len = strlen(w);

            if (off + len + 1 > end) {
                while (off < end) {
                    m->buf[off++] = 'z';
                }

                break;
            }

            memcpy(m->buf + off, w, len);
            off += len;
            m->buf[off++] = ' ';
        }

        memcpy(m->buf + end, "\"}", 2);
    }

    m->offs[64] = 64 * size;
    m->n = 64;
}


static char *
bench_file(const char *path)
{
    long   n;
    char  *buf;
    FILE  *f;

    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }

    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);

    buf = malloc(n + 1);
    if (buf == NULL || fread(buf, 1, n, f) != (size_t) n) {
        exit(1);
    }

    buf[n] = '\0';
    fclose(f);

    return buf;
}


/* seconds per pass over all messages; every message must pass */

static double
bench_run(ngx_ws_guard_schema_state_t *st, bench_msgs_t *m, size_t piece,
    size_t *bytes)
{
    int      rc;
    size_t   i, off, end, n, passes, round;
    double   start, t, best;

    best = 0;

    /* the best of some rounds: the machine may be busy with other work */

    for (round = 0; round < BENCH_ROUNDS; round++) {
        passes = 0;
        *bytes = 0;
        start = bench_now();

        do {
            for (i = 0; i < m->n; i++) {
                ngx_ws_guard_schema_reset(st);

                end = m->offs[i + 1];
                rc = NGX_WS_GUARD_AGAIN;

                for (off = m->offs[i]; off < end; off += n) {
                    n = end - off < piece ? end - off : piece;
                    rc = ngx_ws_guard_schema_feed(st, m->buf + off, n);
                }

                if (rc == NGX_WS_GUARD_AGAIN) {
                    rc = ngx_ws_guard_schema_finish(st);
                }

                if (rc != NGX_WS_GUARD_OK) {
                    fprintf(stderr, "bench: message %zu: %s\n", i,
                            ngx_ws_guard_schema_reason(st));
                    exit(1);
                }

                *bytes += end - m->offs[i];
            }

            passes++;
            t = bench_now() - start;

        } while (t < BENCH_SECONDS / BENCH_ROUNDS);

        t /= passes;

        if (round == 0 || t < best) {
            best = t;
        }
    }

    return best;
}


static void
bench_report(const char *name, const char *schema_json, bench_msgs_t *m,
    size_t piece)
{
    size_t                        bytes, mem, peak, total;
    double                        t;
    ngx_ws_guard_schema_t        *s;
    ngx_ws_guard_schema_state_t  *st;

    if (bench_only && strstr(name, bench_only) == NULL) {
        return;
    }

    s = bench_compile(schema_json);
    st = bench_state(s);

    total = m->offs[m->n] - m->offs[0];

    /* warm up, then measure */

    bench_run(st, m, piece, &bytes);
    t = bench_run(st, m, piece, &bytes);

    mem = ngx_ws_guard_schema_memory(st, &peak);

    printf("  %-34s %8.1f MB/s  %9.0f msg/s  state %zu bytes (peak %zu)\n",
           name, total / t / 1e6, m->n / t, mem, peak);

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);
}


int
main(int argc, char **argv)
{
    FILE                         *f;
    size_t                        i, mem, peak;
    char                         *chat_client, *chat_server, name[64];
    bench_msgs_t                  chats, doc, kib;
    ngx_ws_guard_schema_t        *s;
    ngx_ws_guard_schema_state_t  *st;

    static const struct {
        size_t       size;
        const char  *name;
    } sizes[] = { { 64, "64 B" }, { 1024, "1 KiB" } };

    if (argc == 3 && strcmp(argv[1], "--write-kib") == 0) {
        bench_kib(&kib, 1024);

        f = fopen(argv[2], "wb");
        if (f == NULL
            || fwrite(kib.buf, 1, kib.offs[kib.n], f) != kib.offs[kib.n]
            || fclose(f) != 0)
        {
            fprintf(stderr, "bench: cannot write %s\n", argv[2]);
            return 1;
        }

        return 0;
    }

    bench_only = (argc > 1) ? argv[1] : NULL;

    bench_chats(&chats);
    bench_doc(&doc);

    printf("schema validator: %zu chat messages of %zu bytes on average, "
           "a %zu-byte document\n", chats.n,
           (chats.offs[chats.n] - chats.offs[0]) / chats.n,
           doc.offs[1] - doc.offs[0]);

    bench_report("chat, schema, whole messages", bench_chat_schema, &chats,
                 (size_t) -1);
    bench_report("chat, no schema (JSON only)", NULL, &chats, (size_t) -1);
    bench_report("64 KiB document, schema, 4 KiB reads", bench_doc_schema,
                 &doc, BENCH_READ);
    bench_report("64 KiB document, no schema", NULL, &doc, BENCH_READ);

    /*
     * the messages of make bench's guard-policy; nginx's ws_guard_utf8
     * checked them already, so the validator does not again
     */

    chat_client = bench_file("bench/schemas/chat-client.json");
    chat_server = bench_file("bench/schemas/chat-server.json");

    /*
     * 64 B first, where the JSON is a few tokens and what every message
     * costs shows; then 1 KiB, the size of the headline
     */

    for (i = 0; chat_client && chat_server && i < 2; i++) {
        bench_kib(&kib, sizes[i].size);
        bench_utf8_checked = 1;

        snprintf(name, sizeof(name), "%s ws_load -j, chat-client.json",
                 sizes[i].name);
        bench_report(name, chat_client, &kib, (size_t) -1);

        /* the echo, as the upstream sends it back to the client */
        snprintf(name, sizeof(name), "%s ws_load -j, chat-server.json",
                 sizes[i].name);
        bench_report(name, chat_server, &kib, (size_t) -1);

        snprintf(name, sizeof(name), "%s ws_load -j, no schema",
                 sizes[i].name);
        bench_report(name, NULL, &kib, (size_t) -1);
        bench_utf8_checked = 0;

        if (sizes[i].size == 1024) {
            /* as simdjson does (bench/json_floor.sh): the UTF-8 checked */
            bench_report("1 KiB ws_load -j, JSON and UTF-8", NULL, &kib,
                         (size_t) -1);
        }

        free(kib.buf);
        free(kib.offs);
    }

    free(chat_client);
    free(chat_server);

    /* memory per connection: a fresh state with the defaults */

    s = bench_compile(bench_chat_schema);
    st = bench_state(s);
    mem = ngx_ws_guard_schema_memory(st, &peak);

    printf("memory per connection (one direction, max_depth %d, "
           "max_string %d): %zu bytes when created\n",
           NGX_WS_GUARD_SCHEMA_MAX_DEPTH, NGX_WS_GUARD_SCHEMA_MAX_STRING,
           mem);

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);

    free(chats.buf);
    free(chats.offs);
    free(doc.buf);
    free(doc.offs);

    return 0;
}
