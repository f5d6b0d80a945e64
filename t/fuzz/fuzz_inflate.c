
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Fuzz target of the permessage-deflate inflater: a run of compressed
 * messages is inflated whole into a 4 KiB window, again in chunks chosen by
 * the input into the window the input chooses, and for short inputs a byte
 * at a time into a 1-byte window.  Per message, the verdict, the close code
 * and the output must be the same in every run; every span must fit the
 * window, no message may give more than max_output bytes or cost more than
 * max_output + window bytes of inflation, and nothing may be allocated
 * after init.
 *
 * One difference is allowed: zlib lets a distance reach past a window
 * smaller than 32 KiB into the output of the same inflate() call, so with
 * fewer than 15 window bits a sender that exceeds its window may be refused
 * in one run and not in another.  Then the output of that message in the
 * refusing run must be a prefix of the other's, and with context takeover
 * the comparison ends there.
 *
 * With bit 7 of [4] the messages are plain text that zlib deflates first
 * as a peer would (the window, context rule, level and strategy from the
 * input, some messages ended with a final block); then every message must
 * inflate to its text, or to its first max_output bytes and 1009.  With
 * bit 6 as well, one bit of the compressed stream is flipped and only the
 * runs are compared.
 *
 * Input: 5 bytes of configuration and seed, then messages, each a 2-byte
 * little-endian length and that many bytes of payload (the last one may be
 * cut short).
 *   [0]  bits 0-2: window bits - 8, bit 3: no_context_takeover,
 *        bits 4-5: max_output, bits 6-7: window of the chunked run
 *   [1..4] seed of the chunking; [4] bits 6-7 as above
 */


#include <stdio.h>
#include <stdlib.h>

#include "ngx_ws_guard_inflate.h"


#define FUZZ_CONF      5
#define FUZZ_MSG_MAX   1024
#define FUZZ_OUT_MAX   4096
#define FUZZ_KEEP      (2 * 1024 * 1024)

#define FUZZ_FAR       "invalid distance too far back"


typedef struct {
    int                  rc;
    unsigned             err_code;
    const char          *err_detail;
    uint64_t             hash;
    size_t               len;        /* output of the message */
    size_t               keep_pos;   /* where it starts in keep */
} fuzz_msg_t;


typedef struct {
    fuzz_msg_t          *msgs;
    size_t               nmsgs;
    unsigned char       *keep;       /* all output, up to FUZZ_KEEP */
    size_t               keep_len;
    uint64_t             messages;
} fuzz_run_t;


static const uint64_t  max_outputs[] = { 64, 1000, 65536, 1024 * 1024 };
static const size_t    windows[] = { 4096, 1, 7, 300 };


static void fuzz_fail(const char *what);
static uint32_t fuzz_rand(uint32_t *x);
static void fuzz_output(fuzz_run_t *r, fuzz_msg_t *m,
    const ngx_ws_guard_inflate_t *inf, const unsigned char *out,
    size_t out_len, unsigned char *window);
static void fuzz_run(fuzz_run_t *r, const ngx_ws_guard_inflate_conf_t *conf,
    const unsigned char *s, size_t n, uint32_t seed, size_t max_chunk);
static void fuzz_compare(const fuzz_run_t *a, const fuzz_run_t *b,
    const ngx_ws_guard_inflate_conf_t *conf);
static unsigned char *fuzz_deflate(const unsigned char *s, size_t n,
    const ngx_ws_guard_inflate_conf_t *conf, uint32_t seed, size_t *len);
static void fuzz_oracle(const fuzz_run_t *a, const unsigned char *s,
    size_t n, const ngx_ws_guard_inflate_conf_t *conf);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static unsigned char  fuzz_window[FUZZ_OUT_MAX];
static unsigned char  fuzz_keep_a[FUZZ_KEEP];
static unsigned char  fuzz_keep_b[FUZZ_KEEP];


static void
fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_inflate: %s\n", what);
    abort();
}


static uint32_t
fuzz_rand(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;

    return *x;
}


static void
fuzz_output(fuzz_run_t *r, fuzz_msg_t *m, const ngx_ws_guard_inflate_t *inf,
    const unsigned char *out, size_t out_len, unsigned char *window)
{
    size_t  i, n;

    if (out != window || out_len == 0 || out_len > inf->conf.out_size) {
        fuzz_fail("span outside the window");
    }

    for (i = 0; i < out_len; i++) {
        m->hash = (m->hash ^ out[i]) * 0x100000001b3ULL;
    }

    m->len += out_len;

    if (inf->conf.max_output && m->len > inf->conf.max_output) {
        fuzz_fail("more output than max_output");
    }

    if (r->keep_len < FUZZ_KEEP) {
        n = FUZZ_KEEP - r->keep_len;
        n = out_len < n ? out_len : n;
        memcpy(r->keep + r->keep_len, out, n);
        r->keep_len += n;
    }
}


/*
 * Inflates every message of s, its payload in chunks of 0 .. max_chunk
 * bytes (all of it at once if max_chunk is 0), each chunk in a heap buffer
 * of its exact size.
 */

static void
fuzz_run(fuzz_run_t *r, const ngx_ws_guard_inflate_conf_t *conf,
    const unsigned char *s, size_t n, uint32_t seed, size_t max_chunk)
{
    int                     rc;
    size_t                  i, len, from, to, pos, out_len, memory;
    uint64_t                start;
    fuzz_msg_t             *m;
    unsigned char          *buf;
    ngx_ws_guard_inflate_t  inf;
    const unsigned char    *out;

    r->nmsgs = 0;
    r->keep_len = 0;

    if (ngx_ws_guard_inflate_init(&inf, conf) != NGX_WS_GUARD_OK) {
        fuzz_fail("init");
    }

    memory = inf.memory;
    i = 0;

    while (i < n) {

        /* the length prefix, or what is left */

        if (n - i >= 2) {
            len = (size_t) s[i] | (size_t) s[i + 1] << 8;
            i += 2;

        } else {
            len = n - i;
        }

        if (len > n - i) {
            len = n - i;
        }

        m = &r->msgs[r->nmsgs++];
        memset(m, 0, sizeof(fuzz_msg_t));
        m->hash = 0xcbf29ce484222325ULL;
        m->keep_pos = r->keep_len;

        rc = ngx_ws_guard_inflate_begin(&inf);

        if (rc != NGX_WS_GUARD_OK) {

            /* after an error only no_context_takeover may go on */

            if (!conf->dir.no_context_takeover) {
                m->rc = rc;
                m->err_code = inf.err_code;
                break;
            }

            fuzz_fail("begin failed without context takeover");
        }

        start = inf.zs.total_out;
        from = 0;

        do {
            to = len;

            if (max_chunk) {
                to = from + fuzz_rand(&seed) % (max_chunk + 1);

                if (to > len) {
                    to = len;
                }
            }

            buf = malloc(to - from + 1);
            if (buf == NULL) {
                fuzz_fail("malloc");
            }

            memcpy(buf, s + i + from, to - from);
            pos = 0;

            while ((rc = ngx_ws_guard_inflate_feed(&inf, buf, to - from, &pos,
                                                   &out, &out_len))
                   == NGX_WS_GUARD_OK)
            {
                fuzz_output(r, m, &inf, out, out_len, conf->out);
            }

            free(buf);

            if (rc == NGX_WS_GUARD_AGAIN && pos != to - from) {
                fuzz_fail("again before the end of the buffer");
            }

            from = to;

        } while (rc == NGX_WS_GUARD_AGAIN && from < len);

        if (rc == NGX_WS_GUARD_AGAIN) {

            while ((rc = ngx_ws_guard_inflate_end(&inf, &out, &out_len))
                   == NGX_WS_GUARD_OK)
            {
                fuzz_output(r, m, &inf, out, out_len, conf->out);
            }
        }

        m->rc = rc;

        if (rc == NGX_WS_GUARD_INFLATE_DONE) {

            if (inf.size != m->len) {
                fuzz_fail("size is not the output given");
            }

        } else if (rc == NGX_WS_GUARD_ERROR) {
            m->err_code = inf.err_code;
            m->err_detail = inf.err_detail;

            if ((inf.err_code != NGX_WS_GUARD_CLOSE_INVALID_DATA
                 && inf.err_code != NGX_WS_GUARD_CLOSE_TOO_BIG)
                || inf.err_reason == NULL || inf.err_detail == NULL)
            {
                fuzz_fail("unexpected error");
            }

            if (inf.err_code == NGX_WS_GUARD_CLOSE_TOO_BIG
                && inf.zs.total_out - start
                   > conf->max_output + conf->out_size)
            {
                fuzz_fail("inflation went past max_output + window");
            }

            if (ngx_ws_guard_inflate_feed(&inf, s, 0, &pos, &out, &out_len)
                != NGX_WS_GUARD_ERROR)
            {
                fuzz_fail("error not sticky");
            }

        } else {
            fuzz_fail("unexpected return code");
        }

        i += len;
    }

    if (inf.memory != memory || inf.memory_peak != memory) {
        fuzz_fail("allocation after init");
    }

    r->messages = inf.messages;

    ngx_ws_guard_inflate_free(&inf);

    if (inf.memory != 0) {
        fuzz_fail("memory not given back");
    }
}


static void
fuzz_compare(const fuzz_run_t *a, const fuzz_run_t *b,
    const ngx_ws_guard_inflate_conf_t *conf)
{
    size_t             i, n;
    const fuzz_msg_t  *x, *y, *t;
    const fuzz_run_t  *rx, *ry, *rt;

    if (a->nmsgs != b->nmsgs && conf->dir.window_bits == 15) {
        fuzz_fail("message count differs");
    }

    n = a->nmsgs < b->nmsgs ? a->nmsgs : b->nmsgs;

    for (i = 0; i < n; i++) {
        x = &a->msgs[i];
        y = &b->msgs[i];

        if (x->rc == y->rc && x->err_code == y->err_code
            && x->len == y->len && x->hash == y->hash)
        {
            continue;
        }

        if (conf->dir.window_bits == 15
            || ((x->err_detail == NULL || strcmp(x->err_detail, FUZZ_FAR))
                && (y->err_detail == NULL
                    || strcmp(y->err_detail, FUZZ_FAR))))
        {
            fprintf(stderr, "message %zu: rc %d/%d code %u/%u len %zu/%zu "
                    "(%s / %s)\n", i, x->rc, y->rc, x->err_code, y->err_code,
                    x->len, y->len,
                    x->err_detail ? x->err_detail : "-",
                    y->err_detail ? y->err_detail : "-");
            fuzz_fail("runs differ");
        }

        /* a distance past a small window: the shorter is a prefix */

        rx = a;
        ry = b;

        if (x->len > y->len) {
            t = x;
            x = y;
            y = t;
            rt = rx;
            rx = ry;
            ry = rt;
        }

        if (x->keep_pos + x->len <= rx->keep_len
            && y->keep_pos + x->len <= ry->keep_len
            && memcmp(rx->keep + x->keep_pos, ry->keep + y->keep_pos, x->len)
               != 0)
        {
            fuzz_fail("refused run is no prefix");
        }

        if (!conf->dir.no_context_takeover) {
            return;
        }
    }

    if (a->nmsgs == b->nmsgs && a->messages != b->messages
        && conf->dir.window_bits == 15)
    {
        fuzz_fail("message counters differ");
    }
}


/*
 * Deflates the messages of s as a peer would and returns them in the same
 * format, in a heap buffer.
 */

static unsigned char *
fuzz_deflate(const unsigned char *s, size_t n,
    const ngx_ws_guard_inflate_conf_t *conf, uint32_t seed, size_t *len)
{
    int             bits, level, rc;
    size_t          i, plen, size, clen;
    z_stream        zs;
    unsigned char  *dst, *p;

    static const int  strategies[] = {
        Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED
    };

    /*
     * a message of k bytes takes 2 + k of s and at most 2 + k + 15 here
     * (a stored block header per 64 KiB, an empty block, the final
     * block's header, one byte after it): 8 times s is plenty
     */

    size = 8 * n + 64;
    dst = malloc(size);
    if (dst == NULL) {
        fuzz_fail("malloc");
    }

    /* zlib refuses 8 bits for raw streams: its peers use 9 */

    bits = conf->dir.window_bits == 8 ? 9 : (int) conf->dir.window_bits;
    level = (int) ((seed >> 8) % 10);

    memset(&zs, 0, sizeof(z_stream));

    if (deflateInit2(&zs, level, Z_DEFLATED, -bits, 1 + (seed >> 12) % 9,
                     strategies[(seed >> 16) % 5])
        != Z_OK)
    {
        fuzz_fail("deflateInit2");
    }

    i = 0;
    p = dst;

    while (i < n) {

        if (n - i >= 2) {
            plen = (size_t) s[i] | (size_t) s[i + 1] << 8;
            i += 2;

        } else {
            plen = n - i;
        }

        if (plen > n - i) {
            plen = n - i;
        }

        zs.next_in = (Bytef *) (s + i);
        zs.avail_in = (uInt) plen;
        zs.next_out = p + 2;
        zs.avail_out = (uInt) (dst + size - p - 2);

        rc = deflate(&zs, Z_NO_FLUSH);

        if ((rc != Z_OK && rc != Z_BUF_ERROR) || zs.avail_in != 0) {
            fuzz_fail("deflate");
        }

        /* now and then a final block, then the stream starts again */

        if (fuzz_rand(&seed) % 8 == 0) {

            if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
                fuzz_fail("deflate finish");
            }

            /* the header byte of the empty stored block of RFC 7692 */

            if (fuzz_rand(&seed) & 1) {
                *zs.next_out++ = 0x00;
                zs.avail_out--;
            }

            clen = zs.next_out - (p + 2);

            if (deflateReset(&zs) != Z_OK) {
                fuzz_fail("deflateReset");
            }

        } else {

            if (deflate(&zs, Z_SYNC_FLUSH) != Z_OK) {
                fuzz_fail("deflate flush");
            }

            clen = zs.next_out - (p + 2);

            if (clen < 4 || memcmp(p + 2 + clen - 4, "\x00\x00\xff\xff", 4))
            {
                fuzz_fail("no empty stored block");
            }

            clen -= 4;

            if (conf->dir.no_context_takeover) {
                (void) deflateReset(&zs);
            }
        }

        if (clen > 0xffff || zs.avail_out < 16) {
            fuzz_fail("deflated message too long");
        }

        p[0] = (unsigned char) (clen & 0xff);
        p[1] = (unsigned char) (clen >> 8);
        p += 2 + clen;
        i += plen;
    }

    (void) deflateEnd(&zs);

    *len = p - dst;

    return dst;
}


/* every message inflated to its text, or to max_output bytes and 1009 */

static void
fuzz_oracle(const fuzz_run_t *a, const unsigned char *s, size_t n,
    const ngx_ws_guard_inflate_conf_t *conf)
{
    size_t             i, k, plen, expect;
    const fuzz_msg_t  *m;

    i = 0;
    k = 0;

    while (i < n) {

        if (n - i >= 2) {
            plen = (size_t) s[i] | (size_t) s[i + 1] << 8;
            i += 2;

        } else {
            plen = n - i;
        }

        if (plen > n - i) {
            plen = n - i;
        }

        if (k == a->nmsgs) {
            fuzz_fail("oracle: message missing");
        }

        m = &a->msgs[k++];
        expect = plen;

        if (plen > conf->max_output) {
            expect = (size_t) conf->max_output;

            if (m->rc != NGX_WS_GUARD_ERROR
                || m->err_code != NGX_WS_GUARD_CLOSE_TOO_BIG)
            {
                fuzz_fail("oracle: message over the limit passed");
            }

        } else if (m->rc != NGX_WS_GUARD_INFLATE_DONE) {
            fprintf(stderr, "message %zu: %s\n", k - 1,
                    m->err_detail ? m->err_detail : "-");
            fuzz_fail("oracle: valid message refused");
        }

        if (m->len != expect
            || (m->keep_pos + expect <= a->keep_len
                && memcmp(a->keep + m->keep_pos, s + i, expect) != 0))
        {
            fuzz_fail("oracle: output is not the message");
        }

        if (m->rc != NGX_WS_GUARD_INFLATE_DONE) {

            if (!conf->dir.no_context_takeover) {
                return;
            }
        }

        i += plen;
    }

    if (k != a->nmsgs) {
        fuzz_fail("oracle: message count");
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                       n, max_msgs, plain_len;
    uint32_t                     seed;
    fuzz_run_t                   a, b;
    unsigned char               *deflated;
    ngx_ws_guard_inflate_conf_t  conf;
    const unsigned char         *s, *plain;

    if (size < FUZZ_CONF) {
        return 0;
    }

    seed = (uint32_t) data[1] | (uint32_t) data[2] << 8
           | (uint32_t) data[3] << 16 | (uint32_t) data[4] << 24;
    seed |= 1;

    s = data + FUZZ_CONF;
    n = size - FUZZ_CONF;
    plain = NULL;
    plain_len = 0;
    deflated = NULL;

    memset(&conf, 0, sizeof(ngx_ws_guard_inflate_conf_t));
    conf.dir.window_bits = 8 + (data[0] & 0x07);
    conf.dir.no_context_takeover = (data[0] >> 3) & 1;
    conf.max_output = max_outputs[(data[0] >> 4) & 3];
    conf.out = fuzz_window;

    if (data[4] & 0x80) {
        plain = s;
        plain_len = n;
        deflated = fuzz_deflate(s, n, &conf, seed, &n);
        s = deflated;

        if (data[4] & 0x40) {
            if (n > 0) {
                deflated[(seed >> 3) % n] ^= 1 << (seed % 8);
            }

            plain = NULL;
        }
    }

    /* every message takes at least one byte */
    max_msgs = n + 1;

    a.msgs = malloc(max_msgs * sizeof(fuzz_msg_t));
    b.msgs = malloc(max_msgs * sizeof(fuzz_msg_t));
    a.keep = fuzz_keep_a;
    b.keep = fuzz_keep_b;

    if (a.msgs == NULL || b.msgs == NULL) {
        fuzz_fail("malloc");
    }

    /* the reference: whole messages, a 4 KiB window */

    conf.out_size = FUZZ_OUT_MAX;
    fuzz_run(&a, &conf, s, n, seed, 0);

    if (plain) {
        fuzz_oracle(&a, plain, plain_len, &conf);
    }

    /* chunks of up to 3 bytes or up to 64, the window the input says */

    conf.out_size = windows[data[0] >> 6];
    fuzz_run(&b, &conf, s, n, seed, (seed & 0x100) ? 3 : 64);
    fuzz_compare(&a, &b, &conf);

    /* short inputs: a byte at a time into a single byte */

    if (n <= FUZZ_MSG_MAX) {
        conf.out_size = 1;
        fuzz_run(&b, &conf, s, n, seed, 1);
        fuzz_compare(&a, &b, &conf);
    }

    free(a.msgs);
    free(b.msgs);
    free(deflated);

    return 0;
}
