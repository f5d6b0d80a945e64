
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Microbenchmark of the incremental UTF-8 validator on 1 KiB texts: pure
 * ASCII; mixed (printable ASCII with a 2-byte character about every 25
 * bytes and a 3-byte one about every 60); Cyrillic words (2-byte letters,
 * a space between words); CJK (3-byte characters only).  Each is fed
 * whole and in 7-byte pieces, with the best block code of the CPU (AVX2,
 * SSSE3 or none, chosen at run time); then whole again with each lesser
 * one.  Prints the best MB/s of a few rounds with fixed iteration counts;
 * there is no pass or fail.
 *
 * Usage: bench_utf8 [case [iterations [rounds]]], where case is one of
 * ascii, mixed, cyrillic, cjk, optionally followed by "/7" for pieces
 * (e.g. "mixed" for callgrind: bench_utf8 mixed 1000 1).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ngx_ws_guard_utf8.h"


#define BENCH_SIZE        1024
#define BENCH_ITERATIONS  50000
#define BENCH_ROUNDS      5
#define BENCH_PIECE       7


typedef struct {
    const char     *name;
    unsigned char   text[BENCH_SIZE];
    size_t          len;
} bench_text_t;


static double bench_now(void);
static unsigned bench_rand(unsigned *x);
static size_t bench_put(unsigned char *out, size_t at, const char *s);
static void bench_ascii(bench_text_t *t);
static void bench_mixed(bench_text_t *t);
static void bench_cyrillic(bench_text_t *t);
static void bench_cjk(bench_text_t *t);
static double bench_run(bench_text_t *t, size_t piece, unsigned long iter,
    unsigned rounds);


/* the verdicts are summed here, so that nothing is optimized away */
static volatile unsigned long  bench_sink;


static double
bench_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static unsigned
bench_rand(unsigned *x)
{
    *x = *x * 1103515245u + 12345u;

    return (*x >> 16) & 0x7fff;
}


/* appends s if it fits in the text, returns the new length */

static size_t
bench_put(unsigned char *out, size_t at, const char *s)
{
    size_t  n;

    n = strlen(s);

    if (at + n > BENCH_SIZE) {
        return at;
    }

    memcpy(out + at, s, n);

    return at + n;
}


static void
bench_ascii(bench_text_t *t)
{
    size_t    i;
    unsigned  seed;

    seed = 1;

    for (i = 0; i < BENCH_SIZE; i++) {
        t->text[i] = (unsigned char) (' ' + bench_rand(&seed) % 95);
    }

    t->name = "ascii";
    t->len = BENCH_SIZE;
}


static void
bench_mixed(bench_text_t *t)
{
    size_t    n, m, next2, next3;
    unsigned  seed;

    static const char  *two[] = { "\xc3\xa9", "\xc3\xbc", "\xc3\x9f",
                                  "\xd0\xb6" };
    static const char  *three[] = { "\xe2\x82\xac", "\xe2\x80\x94",
                                    "\xe2\x80\x9c", "\xe4\xb8\xad" };

    seed = 2;
    n = 0;
    next2 = 10 + bench_rand(&seed) % 31;
    next3 = 40 + bench_rand(&seed) % 41;

    while (n < BENCH_SIZE) {
        m = n;

        if (n >= next3) {
            n = bench_put(t->text, n, three[bench_rand(&seed) % 4]);
            next3 = n + 40 + bench_rand(&seed) % 41;

        } else if (n >= next2) {
            n = bench_put(t->text, n, two[bench_rand(&seed) % 4]);
            next2 = n + 10 + bench_rand(&seed) % 31;
        }

        /* ASCII, or padding where a sequence did not fit */

        if (n == m) {
            t->text[n++] = (unsigned char) (' ' + bench_rand(&seed) % 95);
        }
    }

    t->name = "mixed";
    t->len = BENCH_SIZE;
}


/* letters U+0430..U+044F and U+0410..U+042F, words of 2..9 letters */

static void
bench_cyrillic(bench_text_t *t)
{
    size_t          n, word;
    unsigned        seed, cp;
    unsigned char  *out;

    seed = 3;
    n = 0;
    out = t->text;

    while (n + 2 <= BENCH_SIZE) {
        word = 2 + bench_rand(&seed) % 8;

        while (word-- && n + 2 <= BENCH_SIZE) {
            cp = 0x410 + bench_rand(&seed) % 64;
            out[n++] = (unsigned char) (0xc0 | (cp >> 6));
            out[n++] = (unsigned char) (0x80 | (cp & 0x3f));
        }

        if (n < BENCH_SIZE) {
            out[n++] = ' ';
        }
    }

    while (n < BENCH_SIZE) {
        out[n++] = '.';
    }

    t->name = "cyrillic";
    t->len = BENCH_SIZE;
}


/* U+4E00..U+9FFF, no spaces, ASCII padding at the very end */

static void
bench_cjk(bench_text_t *t)
{
    size_t          n;
    unsigned        seed, cp;
    unsigned char  *out;

    seed = 4;
    n = 0;
    out = t->text;

    while (n + 3 <= BENCH_SIZE) {
        cp = 0x4e00 + bench_rand(&seed) % 0x5200;
        out[n++] = (unsigned char) (0xe0 | (cp >> 12));
        out[n++] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
        out[n++] = (unsigned char) (0x80 | (cp & 0x3f));
    }

    while (n < BENCH_SIZE) {
        out[n++] = '.';
    }

    t->name = "cjk";
    t->len = BENCH_SIZE;
}


/* returns the best MB/s of the rounds */

static double
bench_run(bench_text_t *t, size_t piece, unsigned long iter, unsigned rounds)
{
    size_t               off, n;
    double               start, secs, best;
    unsigned             r;
    unsigned long        i, sum;
    ngx_ws_guard_utf8_t  u;

    best = 0;

    for (r = 0; r < rounds; r++) {
        sum = 0;
        start = bench_now();

        for (i = 0; i < iter; i++) {
            ngx_ws_guard_utf8_init(&u);

            for (off = 0; off < t->len; off += n) {
                n = t->len - off;

                if (n > piece) {
                    n = piece;
                }

                sum += ngx_ws_guard_utf8_validate(&u, t->text + off, n)
                       != NGX_WS_GUARD_OK;
            }

            sum += ngx_ws_guard_utf8_finish(&u) != NGX_WS_GUARD_OK;
        }

        secs = bench_now() - start;
        bench_sink += sum;

        if (sum != 0) {
            fprintf(stderr, "%s: invalid text\n", t->name);
            exit(1);
        }

        if (secs > 0 && t->len * (double) iter / secs / 1e6 > best) {
            best = t->len * (double) iter / secs / 1e6;
        }
    }

    return best;
}


static const char  *bench_levels[] = { "portable", "SSSE3", "AVX2",
                                        "AVX-512" };


int
main(int argc, char **argv)
{
    int                    level;
    size_t                 i, k, plen;
    unsigned               rounds;
    const char            *only;
    unsigned long          iter;
    static bench_text_t    texts[4];
    static const size_t    pieces[2] = { BENCH_SIZE, BENCH_PIECE };

    only = (argc > 1) ? argv[1] : NULL;
    iter = (argc > 2) ? strtoul(argv[2], NULL, 10) : BENCH_ITERATIONS;
    rounds = (argc > 3) ? (unsigned) strtoul(argv[3], NULL, 10)
                        : BENCH_ROUNDS;

    level = ngx_ws_guard_utf8_simd_level(-1);

    if (only == NULL) {
        printf("utf8 block code of this CPU: %s\n", bench_levels[level]);
    }

    bench_ascii(&texts[0]);
    bench_mixed(&texts[1]);
    bench_cyrillic(&texts[2]);
    bench_cjk(&texts[3]);

    for (i = 0; i < 4; i++) {

        if (ngx_ws_guard_utf8_check(texts[i].text, texts[i].len)
            != NGX_WS_GUARD_OK)
        {
            fprintf(stderr, "%s: text is not valid UTF-8\n", texts[i].name);
            return 1;
        }

        for (k = 0; k < 2; k++) {

            if (only != NULL) {
                plen = strlen(texts[i].name);

                if (strncmp(only, texts[i].name, plen) != 0
                    || (only[plen] == '\0' && k != 0)
                    || (only[plen] != '\0' && (strcmp(only + plen, "/7") != 0
                                               || k != 1)))
                {
                    continue;
                }
            }

            printf("utf8 %-8s %-6s %9.1f MB/s\n", texts[i].name,
                   k ? "7-byte" : "whole",
                   bench_run(&texts[i], pieces[k], iter, rounds));
        }
    }

    /* the same texts whole with the lesser block code */

    while (only == NULL && --level >= 0) {
        ngx_ws_guard_utf8_simd_level(level);

        for (i = 0; i < 4; i++) {
            printf("utf8 %-8s %-6s %9.1f MB/s  (%s)\n", texts[i].name,
                   "whole", bench_run(&texts[i], BENCH_SIZE, iter, rounds),
                   bench_levels[level]);
        }
    }

    return 0;
}
