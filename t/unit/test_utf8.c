
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Unit tests of the incremental UTF-8 validator.
 */


#include "ngx_ws_guard_utf8.h"
#include "unit.h"


typedef struct {
    const char  *bytes;
    size_t       len;
    int          valid;     /* OK or ERROR after finish */
    int          open;      /* valid so far, but ends inside a code point */
    const char  *name;
} test_vector_t;


#define V(s, valid, open, name)  { s, sizeof(s) - 1, valid, open, name }

static const test_vector_t  vectors[] = {

    V("", NGX_WS_GUARD_OK, 0, "empty"),
    V("hello, world", NGX_WS_GUARD_OK, 0, "ascii"),
    V("\x00\x7f", NGX_WS_GUARD_OK, 0, "nul and del"),
    V("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5",
      NGX_WS_GUARD_OK, 0, "kosme"),

    /* boundaries of each length */
    V("\xc2\x80", NGX_WS_GUARD_OK, 0, "U+0080"),
    V("\xdf\xbf", NGX_WS_GUARD_OK, 0, "U+07FF"),
    V("\xe0\xa0\x80", NGX_WS_GUARD_OK, 0, "U+0800"),
    V("\xef\xbf\xbf", NGX_WS_GUARD_OK, 0, "U+FFFF"),
    V("\xf0\x90\x80\x80", NGX_WS_GUARD_OK, 0, "U+10000"),
    V("\xf4\x8f\xbf\xbf", NGX_WS_GUARD_OK, 0, "U+10FFFF"),

    /* around the surrogates, and noncharacters (valid in UTF-8) */
    V("\xed\x9f\xbf", NGX_WS_GUARD_OK, 0, "U+D7FF"),
    V("\xee\x80\x80", NGX_WS_GUARD_OK, 0, "U+E000"),
    V("\xef\xbf\xbd", NGX_WS_GUARD_OK, 0, "U+FFFD"),
    V("\xef\xbf\xbe", NGX_WS_GUARD_OK, 0, "U+FFFE"),
    V("\xef\xbb\xbf", NGX_WS_GUARD_OK, 0, "BOM"),
    V("\xf3\xbf\xbf\xbf", NGX_WS_GUARD_OK, 0, "U+FFFFF"),

    /* stray continuation bytes */
    V("\x80", NGX_WS_GUARD_ERROR, 0, "lone 80"),
    V("\xbf", NGX_WS_GUARD_ERROR, 0, "lone bf"),
    V("a\x80\xbf\x80", NGX_WS_GUARD_ERROR, 0, "continuations"),
    V("\xc2\x80\x80", NGX_WS_GUARD_ERROR, 0, "one too many"),

    /* bytes that never appear */
    V("\xc0", NGX_WS_GUARD_ERROR, 0, "c0"),
    V("\xc1", NGX_WS_GUARD_ERROR, 0, "c1"),
    V("\xf5\x80\x80\x80", NGX_WS_GUARD_ERROR, 0, "f5"),
    V("\xf7\xbf\xbf\xbf", NGX_WS_GUARD_ERROR, 0, "f7"),
    V("\xf8\x88\x80\x80\x80", NGX_WS_GUARD_ERROR, 0, "5-byte form"),
    V("\xfc\x84\x80\x80\x80\x80", NGX_WS_GUARD_ERROR, 0, "6-byte form"),
    V("\xfe", NGX_WS_GUARD_ERROR, 0, "fe"),
    V("\xff", NGX_WS_GUARD_ERROR, 0, "ff"),

    /* overlong forms */
    V("\xc0\xaf", NGX_WS_GUARD_ERROR, 0, "overlong / 2"),
    V("\xe0\x80\xaf", NGX_WS_GUARD_ERROR, 0, "overlong / 3"),
    V("\xf0\x80\x80\xaf", NGX_WS_GUARD_ERROR, 0, "overlong / 4"),
    V("\xc1\xbf", NGX_WS_GUARD_ERROR, 0, "overlong U+007F"),
    V("\xe0\x9f\xbf", NGX_WS_GUARD_ERROR, 0, "overlong U+07FF"),
    V("\xf0\x8f\xbf\xbf", NGX_WS_GUARD_ERROR, 0, "overlong U+FFFF"),
    V("\xc0\x80", NGX_WS_GUARD_ERROR, 0, "overlong nul"),

    /* surrogates, alone and paired */
    V("\xed\xa0\x80", NGX_WS_GUARD_ERROR, 0, "U+D800"),
    V("\xed\xad\xbf", NGX_WS_GUARD_ERROR, 0, "U+DB7F"),
    V("\xed\xb0\x80", NGX_WS_GUARD_ERROR, 0, "U+DC00"),
    V("\xed\xbf\xbf", NGX_WS_GUARD_ERROR, 0, "U+DFFF"),
    V("\xed\xa0\x80\xed\xb0\x80", NGX_WS_GUARD_ERROR, 0, "pair"),

    /* above U+10FFFF */
    V("\xf4\x90\x80\x80", NGX_WS_GUARD_ERROR, 0, "U+110000"),
    V("\xf4\xbf\xbf\xbf", NGX_WS_GUARD_ERROR, 0, "U+13FFFF"),

    /* sequences cut by a byte that is not a continuation */
    V("\xc2\x41", NGX_WS_GUARD_ERROR, 0, "c2 A"),
    V("\xe1\x80\x41", NGX_WS_GUARD_ERROR, 0, "e1 80 A"),
    V("\xf1\x80\x80\x41", NGX_WS_GUARD_ERROR, 0, "f1 80 80 A"),
    V("\xe1\xc2\x80", NGX_WS_GUARD_ERROR, 0, "lead after lead"),

    /* truncated at the end: only finish can tell */
    V("\xc2", NGX_WS_GUARD_ERROR, 1, "c2 at end"),
    V("\xe0\xa0", NGX_WS_GUARD_ERROR, 1, "e0 a0 at end"),
    V("\xed\x9f", NGX_WS_GUARD_ERROR, 1, "ed 9f at end"),
    V("\xf0\x90\x80", NGX_WS_GUARD_ERROR, 1, "f0 90 80 at end"),
    V("\xf4\x8f", NGX_WS_GUARD_ERROR, 1, "f4 8f at end"),
    V("abc\xe2\x82", NGX_WS_GUARD_ERROR, 1, "euro cut")
};


static void test_vectors(void);
static void test_splits(void);
static void test_ascii_runs(void);
static void test_sticky(void);
static void test_all_code_points(void);
static void test_word_boundaries(void);
static void test_blocks(void);
static void test_blocks_level(int level);
static void test_tails(void);
static int in_two(const unsigned char *text, size_t len, size_t cut);
static int masked(const unsigned char *text, size_t len, size_t cut,
    unsigned long seed);
static int bytewise(const unsigned char *p, size_t len);
static int split_check(const unsigned char *s, size_t len, size_t a,
    size_t b);
static size_t encode(unsigned char *out, unsigned long cp, size_t n);


static void
test_vectors(void)
{
    int                   rc;
    size_t                i;
    ngx_ws_guard_utf8_t   u;
    const test_vector_t  *v;

    for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        v = &vectors[i];

        rc = ngx_ws_guard_utf8_check((const unsigned char *) v->bytes, v->len);

        if (rc != v->valid) {
            fprintf(stderr, "vector \"%s\"\n", v->name);
        }

        CHECK_EQ_INT(rc, v->valid);

        /* open sequences pass validate and fail only at finish */

        ngx_ws_guard_utf8_init(&u);
        rc = ngx_ws_guard_utf8_validate(&u, (const unsigned char *) v->bytes,
                                        v->len);

        if (v->open) {
            CHECK_EQ_INT(rc, NGX_WS_GUARD_OK);
            CHECK(!ngx_ws_guard_utf8_boundary(&u));

        } else {
            CHECK_EQ_INT(rc, v->valid);
        }

        CHECK_EQ_INT(ngx_ws_guard_utf8_finish(&u), v->valid);

        /* finish leaves the state ready for the next message */

        CHECK(ngx_ws_guard_utf8_boundary(&u));
        CHECK_EQ_INT(ngx_ws_guard_utf8_validate(&u,
                                      (const unsigned char *) "ok", 2),
                     NGX_WS_GUARD_OK);
    }
}


/* every vector cut at every one and two points gives the same verdict */

static void
test_splits(void)
{
    int                   rc, bad;
    size_t                i, a, b, len;
    ngx_ws_guard_utf8_t   u;
    const unsigned char  *s;
    const test_vector_t  *v;

    bad = 0;

    for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        v = &vectors[i];
        s = (const unsigned char *) v->bytes;
        len = v->len;

        for (a = 0; a <= len; a++) {
            for (b = a; b <= len; b++) {
                ngx_ws_guard_utf8_init(&u);

                rc = ngx_ws_guard_utf8_validate(&u, s, a);

                if (rc == NGX_WS_GUARD_OK) {
                    rc = ngx_ws_guard_utf8_validate(&u, s + a, b - a);
                }

                if (rc == NGX_WS_GUARD_OK) {
                    rc = ngx_ws_guard_utf8_validate(&u, s + b, len - b);
                }

                if (rc == NGX_WS_GUARD_OK) {
                    rc = ngx_ws_guard_utf8_finish(&u);
                }

                if (rc != v->valid) {
                    fprintf(stderr, "split \"%s\" at %zu, %zu\n",
                            v->name, a, b);
                    bad++;
                }
            }
        }
    }

    CHECK_EQ_INT(bad, 0);

    /* one byte per call */

    bad = 0;

    for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        v = &vectors[i];
        s = (const unsigned char *) v->bytes;

        ngx_ws_guard_utf8_init(&u);
        rc = NGX_WS_GUARD_OK;

        for (a = 0; a < v->len && rc == NGX_WS_GUARD_OK; a++) {
            rc = ngx_ws_guard_utf8_validate(&u, s + a, 1);
        }

        if (rc == NGX_WS_GUARD_OK) {
            rc = ngx_ws_guard_utf8_finish(&u);
        }

        bad += (rc != v->valid);
    }

    CHECK_EQ_INT(bad, 0);
}


/*
 * The word-at-a-time path: one non-ASCII sequence, valid or not, at every
 * position of a long ASCII text, and with every alignment of the text.
 */

static void
test_ascii_runs(void)
{
    size_t          pos, shift, len;
    unsigned        good, bad;
    unsigned char   buf[128];

    good = 0;
    bad = 0;

    for (shift = 0; shift < 8; shift++) {
        for (pos = 0; pos + 3 <= 80; pos++) {
            len = 80;

            memset(buf, 'x', sizeof(buf));
            memcpy(buf + shift + pos, "\xe2\x82\xac", 3);
            good += ngx_ws_guard_utf8_check(buf + shift, len)
                    == NGX_WS_GUARD_OK;

            memset(buf, 'x', sizeof(buf));
            memcpy(buf + shift + pos, "\xe0\x82\xac", 3);
            bad += ngx_ws_guard_utf8_check(buf + shift, len)
                   == NGX_WS_GUARD_ERROR;

            memset(buf, 'x', sizeof(buf));
            buf[shift + pos] = 0x80;
            bad += ngx_ws_guard_utf8_check(buf + shift, len)
                   == NGX_WS_GUARD_ERROR;
        }
    }

    CHECK_EQ_INT(good, 8 * 78);
    CHECK_EQ_INT(bad, 2 * 8 * 78);

    /* a byte with the top bit set is seen in either half of a 16-byte run */

    memset(buf, 'a', sizeof(buf));
    buf[7] = 0xff;
    CHECK_EQ_INT(ngx_ws_guard_utf8_check(buf, 16), NGX_WS_GUARD_ERROR);

    memset(buf, 'a', sizeof(buf));
    buf[15] = 0xff;
    CHECK_EQ_INT(ngx_ws_guard_utf8_check(buf, 16), NGX_WS_GUARD_ERROR);

    memset(buf, 'a', sizeof(buf));
    buf[99] = 0xc2;
    CHECK_EQ_INT(ngx_ws_guard_utf8_check(buf, 100), NGX_WS_GUARD_ERROR);

    memset(buf, 'a', sizeof(buf));
    CHECK_EQ_INT(ngx_ws_guard_utf8_check(buf, sizeof(buf)), NGX_WS_GUARD_OK);
}


static void
test_sticky(void)
{
    ngx_ws_guard_utf8_t  u;

    ngx_ws_guard_utf8_init(&u);

    CHECK_EQ_INT(ngx_ws_guard_utf8_validate(&u, (const unsigned char *) "\xff",
                                            1),
                 NGX_WS_GUARD_ERROR);

    /* valid bytes after an error do not clear it */

    CHECK_EQ_INT(ngx_ws_guard_utf8_validate(&u, (const unsigned char *) "ok",
                                            2),
                 NGX_WS_GUARD_ERROR);
    CHECK_EQ_INT(ngx_ws_guard_utf8_validate(&u, NULL, 0), NGX_WS_GUARD_ERROR);
    CHECK_EQ_INT(ngx_ws_guard_utf8_finish(&u), NGX_WS_GUARD_ERROR);

    /* an empty call keeps an open sequence open */

    ngx_ws_guard_utf8_init(&u);
    CHECK_EQ_INT(ngx_ws_guard_utf8_validate(&u, (const unsigned char *) "\xf0",
                                            1),
                 NGX_WS_GUARD_OK);
    CHECK_EQ_INT(ngx_ws_guard_utf8_validate(&u, NULL, 0), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(ngx_ws_guard_utf8_validate(&u,
                                      (const unsigned char *) "\x9f\x98\x80",
                                      3),
                 NGX_WS_GUARD_OK);
    CHECK_EQ_INT(ngx_ws_guard_utf8_finish(&u), NGX_WS_GUARD_OK);

    /* a zeroed state is the initial state */

    memset(&u, 0, sizeof(u));
    CHECK(ngx_ws_guard_utf8_boundary(&u));
}


/* validates s in three calls cut at a and b, then finishes */

static int
split_check(const unsigned char *s, size_t len, size_t a, size_t b)
{
    int                  rc;
    ngx_ws_guard_utf8_t  u;

    ngx_ws_guard_utf8_init(&u);

    rc = ngx_ws_guard_utf8_validate(&u, s, a);

    if (rc == NGX_WS_GUARD_OK) {
        rc = ngx_ws_guard_utf8_validate(&u, s + a, b - a);
    }

    if (rc == NGX_WS_GUARD_OK) {
        rc = ngx_ws_guard_utf8_validate(&u, s + b, len - b);
    }

    if (rc == NGX_WS_GUARD_OK) {
        rc = ngx_ws_guard_utf8_finish(&u);
    }

    return rc;
}


/*
 * The inline checks of whole sequences and the automaton at the end of a
 * buffer: sequences of each length, valid and invalid, placed on both
 * sides of every 8- and 16-byte word boundary of ASCII text, two of them
 * back to back, and the text cut at every point (one cut) and every pair
 * of points (two cuts), so that each sequence straddles each cut; and
 * every text of 1 to 40 bytes ending in a sequence cut short.
 */

static void
test_word_boundaries(void)
{
    int                  want, rc;
    size_t               i, j, pos, len, a, b, n1, n2;
    unsigned             bad, tried;
    unsigned char        save, buf[48];
    ngx_ws_guard_utf8_t  u;

    static const struct {
        const char  *s;
        size_t       n;
        int          ok;
    } seqs[] = {
        { "\xc2\x80", 2, 1 },
        { "\xdf\xbf", 2, 1 },
        { "\xc3\xa9", 2, 1 },
        { "\xe0\xa0\x80", 3, 1 },
        { "\xe2\x82\xac", 3, 1 },
        { "\xe2\x80\x94", 3, 1 },
        { "\xed\x9f\xbf", 3, 1 },
        { "\xee\x80\x80", 3, 1 },
        { "\xef\xbf\xbf", 3, 1 },
        { "\xf0\x90\x80\x80", 4, 1 },
        { "\xf3\xbf\xbf\xbf", 4, 1 },
        { "\xf4\x8f\xbf\xbf", 4, 1 },
        { "\xc1\xbf", 2, 0 },
        { "\xc2\x41", 2, 0 },
        { "\xc2\xc2", 2, 0 },
        { "\xe0\x9f\xbf", 3, 0 },
        { "\xed\xa0\x80", 3, 0 },
        { "\xe2\x82\x41", 3, 0 },
        { "\xe2\x41\xac", 3, 0 },
        { "\xf0\x8f\xbf\xbf", 4, 0 },
        { "\xf4\x90\x80\x80", 4, 0 },
        { "\xf1\x80\x80\x41", 4, 0 },
        { "\xf5\x80\x80\x80", 4, 0 },
        { "\x80\x80", 2, 0 }
    };

    bad = 0;
    tried = 0;

    /* one sequence, or two back to back, across the word boundaries */

    for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
        for (j = 0; j <= sizeof(seqs) / sizeof(seqs[0]); j++) {

            n1 = seqs[i].n;
            n2 = (j < sizeof(seqs) / sizeof(seqs[0])) ? seqs[j].n : 0;
            want = (seqs[i].ok && (n2 == 0 || seqs[j].ok))
                   ? NGX_WS_GUARD_OK : NGX_WS_GUARD_ERROR;

            for (pos = 0; pos + n1 + n2 <= 34; pos++) {

                len = 34;
                memset(buf, 'a', sizeof(buf));
                memcpy(buf + pos, seqs[i].s, n1);

                if (n2) {
                    memcpy(buf + pos + n1, seqs[j].s, n2);
                }

                rc = ngx_ws_guard_utf8_check(buf, len);
                tried++;

                if (rc != want) {
                    fprintf(stderr, "boundary %zu %zu at %zu\n", i, j, pos);
                    bad++;
                }

                if (n2) {
                    /* one cut at every point */

                    for (a = 0; a <= len; a++) {
                        tried++;

                        if (split_check(buf, len, a, a) != want) {
                            fprintf(stderr, "boundary %zu %zu at %zu, "
                                    "cut %zu\n", i, j, pos, a);
                            bad++;
                        }
                    }

                    continue;
                }

                /* two cuts at every pair of points */

                for (a = 0; a <= len; a++) {
                    for (b = a; b <= len; b++) {
                        tried++;

                        if (split_check(buf, len, a, b) != want) {
                            fprintf(stderr, "boundary %zu at %zu, cuts "
                                    "%zu %zu\n", i, pos, a, b);
                            bad++;
                        }
                    }
                }
            }
        }
    }

    CHECK_EQ_INT(bad, 0);
    CHECK(tried > 100000);

    /*
     * a valid sequence cut short at the end of a text of every length:
     * open after validate, an error at finish
     */

    bad = 0;

    for (i = 0; i < 12; i++) {
        for (n1 = 1; n1 < seqs[i].n; n1++) {
            for (pos = 0; pos + n1 <= 40; pos++) {
                memset(buf, 'a', sizeof(buf));
                memcpy(buf + pos, seqs[i].s, n1);

                ngx_ws_guard_utf8_init(&u);
                rc = ngx_ws_guard_utf8_validate(&u, buf, pos + n1);

                bad += (rc != NGX_WS_GUARD_OK
                        || ngx_ws_guard_utf8_boundary(&u));

                /* the rest of it completes the sequence */

                rc = ngx_ws_guard_utf8_validate(&u,
                                       (const unsigned char *) seqs[i].s + n1,
                                       seqs[i].n - n1);
                bad += (rc != NGX_WS_GUARD_OK
                        || !ngx_ws_guard_utf8_boundary(&u));
                bad += (ngx_ws_guard_utf8_finish(&u) != NGX_WS_GUARD_OK);

                bad += (ngx_ws_guard_utf8_check(buf, pos + n1)
                        != NGX_WS_GUARD_ERROR);
            }
        }
    }

    CHECK_EQ_INT(bad, 0);

    /* runs of non-ASCII text, the fast path for Cyrillic and CJK */

    bad = 0;

    for (i = 0; i < 12; i++) {
        for (len = 0; len + seqs[i].n <= sizeof(buf); len += seqs[i].n) {
            memcpy(buf + len, seqs[i].s, seqs[i].n);
        }

        for (a = 0; a <= len; a++) {
            bad += (split_check(buf, len, a, a) != NGX_WS_GUARD_OK);
        }

        /* a stray continuation byte at every position */

        for (pos = 0; pos < len; pos += seqs[i].n) {
            save = buf[pos];
            buf[pos] = 0x80;
            bad += (ngx_ws_guard_utf8_check(buf, len) != NGX_WS_GUARD_ERROR);
            buf[pos] = save;
        }
    }

    CHECK_EQ_INT(bad, 0);
}


/* writes cp in n bytes, overlong if n is more than needed */

static size_t
encode(unsigned char *out, unsigned long cp, size_t n)
{
    size_t  i;

    static const unsigned char  lead[5] = { 0, 0x00, 0xc0, 0xe0, 0xf0 };

    for (i = n - 1; i > 0; i--) {
        out[i] = (unsigned char) (0x80 | (cp & 0x3f));
        cp >>= 6;
    }

    out[0] = (unsigned char) (lead[n] | cp);

    return n;
}


/*
 * Every code point in its shortest form is valid except the surrogates;
 * every longer form is invalid.
 */

static void
test_all_code_points(void)
{
    size_t          n, shortest;
    unsigned long   cp, wrong_ok, wrong_err, tried;
    unsigned char   buf[4];

    wrong_ok = 0;
    wrong_err = 0;
    tried = 0;

    for (cp = 0; cp <= 0x10ffff; cp++) {

        shortest = (cp < 0x80) ? 1 : (cp < 0x800) ? 2 : (cp < 0x10000) ? 3 : 4;

        for (n = shortest; n <= 4; n++) {
            encode(buf, cp, n);
            tried++;

            if (n == shortest && !(cp >= 0xd800 && cp <= 0xdfff)) {
                wrong_err += ngx_ws_guard_utf8_check(buf, n)
                             != NGX_WS_GUARD_OK;

            } else {
                wrong_ok += ngx_ws_guard_utf8_check(buf, n)
                            != NGX_WS_GUARD_ERROR;
            }
        }
    }

    CHECK_EQ_INT(wrong_err, 0);
    CHECK_EQ_INT(wrong_ok, 0);
    CHECK(tried > 0x10ffff);

    /* 4-byte forms beyond U+10FFFF, up to what F7 could hold */

    wrong_ok = 0;

    for (cp = 0x110000; cp <= 0x1fffff; cp += 0x41) {
        encode(buf, cp, 4);
        wrong_ok += ngx_ws_guard_utf8_check(buf, 4) != NGX_WS_GUARD_ERROR;
    }

    CHECK_EQ_INT(wrong_ok, 0);
}


/* the verdict of feeding one byte per call, which only the automaton sees */

static int
bytewise(const unsigned char *p, size_t len)
{
    size_t               i;
    ngx_ws_guard_utf8_t  u;

    ngx_ws_guard_utf8_init(&u);

    for (i = 0; i < len; i++) {
        if (ngx_ws_guard_utf8_validate(&u, p + i, 1) != NGX_WS_GUARD_OK) {
            return NGX_WS_GUARD_ERROR;
        }
    }

    return ngx_ws_guard_utf8_finish(&u);
}


/*
 * Spans of 64 bytes and more are checked in blocks of 16 (SSSE3), 32
 * (AVX2) or 64 (AVX-512) where the CPU allows: every lead byte followed by
 * three bytes of interesting values, at offsets across block boundaries
 * and at the end of the blocks, in ASCII and in two-byte text, must get
 * the verdict of the automaton, with each block code the CPU has and the
 * portable code; so must the tails (test_tails()) with each.
 */

static void
test_blocks(void)
{
    int             level, top;

    top = ngx_ws_guard_utf8_simd_level(-1);

    printf("# utf8 block code of this CPU: %s\n",
           top == 3 ? "AVX-512" : top == 2 ? "AVX2"
           : top == 1 ? "SSSE3" : "portable");

    for (level = top; level >= 0; level--) {
        CHECK_EQ_INT(ngx_ws_guard_utf8_simd_level(level), level);
        test_blocks_level(level);
        test_tails();
    }
}


static void
test_blocks_level(int level)
{
    int             want, got;
    size_t          i, k, pos, len, n, cut;
    unsigned        b1, i2, i3, i4, fill;
    unsigned long   tried, wrong;
    unsigned char   buf[80];

    static const unsigned char  next[] = {
        0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc2, 0xe1, 0xf0
    };
    static const size_t  offsets[] = { 0, 1, 13, 14, 15, 16, 17, 29, 30,
                                       31, 32, 33, 45, 47, 48, 61, 62, 63,
                                       64, 66 };

    tried = 0;
    wrong = 0;
    n = sizeof(next);

    for (fill = 0; fill < 2; fill++) {
        for (k = 0; k < sizeof(offsets) / sizeof(offsets[0]); k++) {
            for (b1 = 0x80; b1 <= 0xff; b1++) {
                for (i2 = 0; i2 < n; i2++) {
                    for (i3 = 0; i3 < n; i3++) {
                        for (i4 = 0; i4 < n; i4++) {

                            len = 70;

                            for (i = 0; i < len; i += 2) {
                                /* "aa..." or "é" repeated */
                                buf[i] = fill ? 0xc3 : 'a';
                                buf[i + 1] = fill ? 0xa9 : 'a';
                            }

                            pos = offsets[k];

                            if (fill && (pos & 1)) {
                                /* not inside a two-byte character */
                                pos++;
                            }

                            if (pos + 4 > len) {
                                len = pos + 4;
                            }

                            buf[pos] = (unsigned char) b1;
                            buf[pos + 1] = next[i2];
                            buf[pos + 2] = next[i3];
                            buf[pos + 3] = next[i4];

                            for (i = pos + 4; fill && (i - pos) & 1; i++) {
                                buf[i] = 'a';
                            }

                            want = bytewise(buf, len);
                            got = ngx_ws_guard_utf8_check(buf, len);

                            /*
                             * cut after 1 to 3 bytes of the sequence, so
                             * that a first part of 32 bytes and more
                             * ends in a lead the blocks must leave open;
                             * masked, the blocks check it as it is
                             */

                            cut = pos + 1 + tried % 3;

                            if (got == want) {
                                got = in_two(buf, len, cut);
                            }

                            if (got == want) {
                                got = masked(buf, len, cut, tried);
                            }

                            tried++;

                            if (got != want) {
                                if (wrong++ < 5) {
                                    fprintf(stderr, "blocks (level %d): "
                                            "%02x %02x %02x %02x at %zu in "
                                            "%s: %d, not %d\n", level, b1,
                                            next[i2], next[i3], next[i4],
                                            pos, fill ? "text" : "ascii",
                                            got, want);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    CHECK_EQ_INT(wrong, 0);
    CHECK(tried > 100000);
}


/*
 * The last bytes of a span that is not a multiple of the block size, and
 * sequences open at the end of the first of two calls: text of every
 * length from 64 to 130 bytes in ASCII, two-, three- and four-byte
 * characters and a mix, valid and with one wrong byte, cut at every
 * place, plain and masked, must get the automaton's verdict.
 */

static void
test_tails(void)
{
    int             want, got;
    size_t          i, len, cut, bad, w;
    unsigned        fill;
    unsigned long   tried, wrong;
    unsigned char   buf[136];

    static const char  *fills[] = {
        "abcd", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
        "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
    };

    tried = 0;
    wrong = 0;

    for (fill = 0; fill < sizeof(fills) / sizeof(fills[0]); fill++) {
        w = strlen(fills[fill]);

        for (len = 64; len <= 130; len++) {
            for (bad = 0; bad < 4; bad++) {

                for (i = 0; i < len; i++) {
                    buf[i] = (unsigned char) fills[fill][i % w];
                }

                /* none, or a stray continuation, a lone lead, an F5 */
                if (bad) {
                    buf[(len * bad) / 4] = (bad == 1) ? 0x80
                                           : (bad == 2) ? 0xe2 : 0xf5;
                }

                want = bytewise(buf, len);

                for (cut = 0; cut <= len; cut++) {
                    got = in_two(buf, len, cut);

                    if (got == want) {
                        got = masked(buf, len, cut, tried);
                    }

                    tried++;

                    if (got != want && wrong++ < 5) {
                        fprintf(stderr, "tails: fill %u, %zu bytes, bad %zu, "
                                "cut %zu: %d, not %d\n", fill, len, bad, cut,
                                got, want);
                    }
                }
            }
        }
    }

    CHECK_EQ_INT(wrong, 0);
    CHECK(tried > 40000);
}


/* the verdict on text fed in two calls, cut bytes and the rest */

static int
in_two(const unsigned char *text, size_t len, size_t cut)
{
    ngx_ws_guard_utf8_t  u;

    ngx_ws_guard_utf8_init(&u);

    if (ngx_ws_guard_utf8_validate(&u, text, cut) != NGX_WS_GUARD_OK
        || ngx_ws_guard_utf8_validate(&u, text + cut, len - cut)
           != NGX_WS_GUARD_OK)
    {
        return NGX_WS_GUARD_ERROR;
    }

    return ngx_ws_guard_utf8_finish(&u);
}


/*
 * The verdict on text masked with a key made from seed, in two parts (cut
 * bytes and the rest), each as the frame layer checks a window: from a
 * boundary between code points ngx_ws_guard_utf8_blocks_masked(), and
 * what it leaves unmasked and fed to the validator.  What the blocks took
 * must be whole code points, all but a sequence left open at the end of
 * the part where AVX2 takes it, and with a window (every other seed)
 * written there unmasked; a check fails and the verdict is -1 if not.
 */

static int
masked(const unsigned char *text, size_t len, size_t cut, unsigned long seed)
{
    size_t                i, from, to, done;
    unsigned char         key[4], k[4], m[136], w[136];
    ngx_ws_guard_utf8_t   u;

    if (len > sizeof(m) || cut > len) {
        CHECK(0);
        return -1;
    }

    for (i = 0; i < 4; i++) {
        key[i] = (unsigned char) ((seed * 2654435761u) >> (8 * i));
    }

    for (i = 0; i < len; i++) {
        m[i] = text[i] ^ key[i & 3];
        w[i] = 0;
    }

    ngx_ws_guard_utf8_init(&u);

    for (from = 0; from < len; from = to) {
        to = (from < cut) ? cut : len;

        for (i = 0; i < 4; i++) {
            k[i] = key[(from + i) & 3];
        }

        done = 0;

        if (ngx_ws_guard_utf8_boundary(&u)) {
            done = ngx_ws_guard_utf8_blocks_masked((seed & 1) ? w + from
                                                             : NULL,
                                                   m + from, to - from, k);

            if (done == (size_t) -1) {
                return NGX_WS_GUARD_ERROR;
            }

            if (done > to - from
                || ((seed & 1) && memcmp(w + from, text + from, done) != 0)
                || ngx_ws_guard_utf8_check(text + from, done)
                   != NGX_WS_GUARD_OK)
            {
                CHECK(0);
                return -1;
            }

            if (to - from >= 64 && ngx_ws_guard_utf8_simd >= 2
                && done + 3 < to - from)
            {
                CHECK(0);
                return -1;
            }
        }

        for (i = from + done; i < to; i++) {
            w[i] = m[i] ^ key[i & 3];
        }

        if (ngx_ws_guard_utf8_validate(&u, w + from + done, to - from - done)
            != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }
    }

    return ngx_ws_guard_utf8_finish(&u);
}


int
main(void)
{
    test_vectors();
    test_splits();
    test_ascii_runs();
    test_sticky();
    test_all_code_points();
    test_word_boundaries();
    test_blocks();

    return unit_done("utf8");
}
