
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Microbenchmark of the frame parser: masked client text frames of 64 B,
 * 1 KiB and 64 KiB (ASCII with some multibyte UTF-8) go through the parser,
 * which unmasks them into a scratch window and checks their UTF-8; the
 * same frames unmasked, as the server sends them, for comparison.  The
 * bytes are fed in reads of 16 KiB, like a proxy's buffers.  Each way
 * twice: with the events (what the guard does for the message policy) and
 * the quiet way (ngx_ws_guard_frame_run() first, the events only for what
 * it leaves: the guard without message policy, rates or deflate).  Prints
 * MB/s of wire bytes per size; there is no pass or fail.
 */


#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ngx_ws_guard_frame.h"


#define BENCH_STREAM   (8 * 1024 * 1024)
#define BENCH_READ     (16 * 1024)
#define BENCH_SCRATCH  4096
#define BENCH_SECONDS  0.4


typedef struct {
    unsigned char  *buf;
    size_t          len;
    size_t          frames;
} bench_stream_t;


static double bench_now(void);
static size_t bench_text(unsigned char *out, size_t size, unsigned seed);
static void bench_build(bench_stream_t *s, size_t payload, int masked);
static double bench_run(bench_stream_t *s, int client, int quiet);


static unsigned char  bench_scratch[BENCH_SCRATCH];

/* the events' bytes are summed here, so that nothing is optimized away */
static volatile unsigned long  bench_sink;


static double
bench_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


/* fills exactly size bytes of valid UTF-8, mostly ASCII */

static size_t
bench_text(unsigned char *out, size_t size, unsigned seed)
{
    size_t       n, i, len;
    const char  *piece;

    static const char  *pieces[] = {
        "{\"type\":\"message\",", "\"user\":\"Ren\xc3\xa9\",", "\"text\":\"",
        "the quick brown fox jumps over the lazy dog ", "caf\xc3\xa9 ",
        "price 5\xe2\x82\xac ", "\xe6\x97\xa5\xe6\x9c\xac ",
        "ok \xf0\x9f\x91\x8d ",
        "lorem ipsum dolor sit amet, consectetur adipiscing elit ",
        "sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ",
        "\",\"seq\":12345}"
    };

    n = 0;
    i = seed;

    for ( ;; ) {
        piece = pieces[i++ % (sizeof(pieces) / sizeof(pieces[0]))];
        len = strlen(piece);

        if (n + len > size) {
            break;
        }

        memcpy(out + n, piece, len);
        n += len;
    }

    memset(out + n, ' ', size - n);

    return size;
}


static void
bench_build(bench_stream_t *s, size_t payload, int masked)
{
    size_t          i, n, hlen;
    unsigned char  *p, key[4], text[65536];

    n = BENCH_STREAM / (payload + 14);
    if (n == 0) {
        n = 1;
    }

    s->buf = malloc(n * (payload + 14));
    if (s->buf == NULL) {
        abort();
    }

    p = s->buf;

    for (i = 0; i < n; i++) {
        bench_text(text, payload, (unsigned) i);

        p[0] = 0x80 | NGX_WS_GUARD_FRAME_OP_TEXT;

        if (payload < 126) {
            p[1] = (unsigned char) payload;
            hlen = 2;

        } else if (payload <= 0xffff) {
            p[1] = 126;
            p[2] = (unsigned char) (payload >> 8);
            p[3] = (unsigned char) payload;
            hlen = 4;

        } else {
            p[1] = 127;
            memset(p + 2, 0, 8);
            p[7] = (unsigned char) (payload >> 16);
            p[8] = (unsigned char) (payload >> 8);
            p[9] = (unsigned char) payload;
            hlen = 10;
        }

        if (masked) {
            p[1] |= 0x80;

            key[0] = (unsigned char) (i * 131 + 7);
            key[1] = (unsigned char) (i * 17 + 201);
            key[2] = (unsigned char) (i * 71 + 13);
            key[3] = (unsigned char) (i * 29 + 99);

            memcpy(p + hlen, key, 4);
            hlen += 4;

            ngx_ws_guard_frame_unmask(p + hlen, text, payload, key, 0);

        } else {
            memcpy(p + hlen, text, payload);
        }

        p += hlen + payload;
    }

    s->len = p - s->buf;
    s->frames = n;
}


/* returns wire MB/s */

static double
bench_run(bench_stream_t *s, int client, int quiet)
{
    int                          rc;
    size_t                       off, chunk, pos;
    double                       start, elapsed;
    uint64_t                     bytes;
    unsigned long                sum;
    ngx_ws_guard_frame_t         f;
    ngx_ws_guard_frame_conf_t    conf;
    ngx_ws_guard_frame_event_t   ev;

    memset(&conf, 0, sizeof(conf));

    conf.client = client;
    conf.utf8 = 1;
    conf.types = NGX_WS_GUARD_FRAME_TEXT|NGX_WS_GUARD_FRAME_BINARY;
    conf.max_message_size = 1024 * 1024;
    conf.scratch = bench_scratch;
    conf.scratch_size = sizeof(bench_scratch);

    bytes = 0;
    sum = 0;
    start = bench_now();

    do {
        if (ngx_ws_guard_frame_init(&f, &conf) != NGX_WS_GUARD_OK) {
            abort();
        }

        for (off = 0; off < s->len; off += chunk) {
            chunk = s->len - off;

            if (chunk > BENCH_READ) {
                chunk = BENCH_READ;
            }

            pos = 0;

            for ( ;; ) {
                if (quiet) {
                    (void) ngx_ws_guard_frame_run(&f, s->buf + off, chunk,
                                                  &pos);
                }

                rc = ngx_ws_guard_frame_parse(&f, s->buf + off, chunk, &pos,
                                              &ev);

                if (rc == NGX_WS_GUARD_AGAIN) {
                    break;
                }

                if (rc != NGX_WS_GUARD_OK) {
                    fprintf(stderr, "bench: %s\n", f.err_reason);
                    exit(1);
                }

                if (ev.type == NGX_WS_GUARD_FRAME_EV_DATA) {
                    sum += ev.data[ev.len - 1];
                }
            }
        }

        if (f.messages != s->frames) {
            fprintf(stderr, "bench: %llu messages of %zu\n",
                    (unsigned long long) f.messages, s->frames);
            exit(1);
        }

        bytes += s->len;
        elapsed = bench_now() - start;

    } while (elapsed < BENCH_SECONDS);

    bench_sink += sum;

    return bytes / elapsed / 1e6;
}


int
main(void)
{
    size_t          i, j, high;
    double          client, server, qclient, qserver;
    unsigned char   text[1024];
    bench_stream_t  masked, plain;

    static const size_t  sizes[] = { 64, 1024, 65536 };

    high = 0;
    bench_text(text, sizeof(text), 0);

    for (j = 0; j < sizeof(text); j++) {
        high += text[j] >= 0x80;
    }

    printf("ws_guard core: parse + unmask + utf-8 of text frames, "
           "%d KiB reads, %d B scratch,\n"
           "%.1f%% of text bytes non-ASCII\n", BENCH_READ / 1024, BENCH_SCRATCH,
           100.0 * high / sizeof(text));

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        bench_build(&masked, sizes[i], 1);
        bench_build(&plain, sizes[i], 0);

        /* once untimed, to warm up caches and clocks */
        (void) bench_run(&masked, 1, 0);

        client = bench_run(&masked, 1, 0);
        server = bench_run(&plain, 0, 0);
        qclient = bench_run(&masked, 1, 1);
        qserver = bench_run(&plain, 0, 1);

        printf("text %6zu B: client (masked) %8.1f MB/s, "
               "server (unmasked) %8.1f MB/s, %zu frames/pass\n",
               sizes[i], client, server, masked.frames);
        printf("     quiet:   client (masked) %8.1f MB/s, "
               "server (unmasked) %8.1f MB/s\n", qclient, qserver);

        free(masked.buf);
        free(plain.buf);
    }

    return 0;
}
