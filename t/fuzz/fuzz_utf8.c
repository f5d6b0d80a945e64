
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Differential fuzz target: the incremental validator, fed the input in
 * chunks cut at points chosen by the input, against a plain decoder written
 * here that works code point by code point.  They must agree on the
 * verdict, and the incremental validator must fail in a chunk that holds a
 * byte of the first bad sequence the decoder finds, or at finish.  The
 * text masked as a WebSocket client masks it must get the same verdict
 * from ngx_ws_guard_utf8_blocks_masked() and the validator after it.
 *
 * Input: 4 bytes that seed the cuts and are the masking key, then the text.
 */


#include <stdio.h>
#include <stdlib.h>

#include "ngx_ws_guard_utf8.h"


#define REF_VALID      0
#define REF_INVALID    1
#define REF_TRUNCATED  2


static int ref_validate(const unsigned char *s, size_t n, size_t *bad_start,
    size_t *bad_end);
static void masked(const unsigned char *s, size_t n,
    const unsigned char *key, size_t cut, int ref);
static uint32_t fuzz_rand(uint32_t *x);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/*
 * Decodes s one code point at a time and judges each by its value.  On an
 * invalid or truncated sequence, bad_start and bad_end are its first byte
 * and the last byte looked at.
 */

static int
ref_validate(const unsigned char *s, size_t n, size_t *bad_start,
    size_t *bad_end)
{
    size_t    i, k, need;
    uint32_t  cp, min;

    i = 0;

    while (i < n) {

        if (s[i] < 0x80) {
            i++;
            continue;
        }

        if (s[i] < 0xc0 || s[i] >= 0xf8) {
            *bad_start = i;
            *bad_end = i;
            return REF_INVALID;
        }

        if (s[i] < 0xe0) {
            need = 1;
            min = 0x80;
            cp = s[i] & 0x1f;

        } else if (s[i] < 0xf0) {
            need = 2;
            min = 0x800;
            cp = s[i] & 0x0f;

        } else {
            need = 3;
            min = 0x10000;
            cp = s[i] & 0x07;
        }

        for (k = 1; k <= need; k++) {

            if (i + k >= n) {
                *bad_start = i;
                *bad_end = n - 1;
                return REF_TRUNCATED;
            }

            if ((s[i + k] & 0xc0) != 0x80) {
                *bad_start = i;
                *bad_end = i + k;
                return REF_INVALID;
            }

            cp = (cp << 6) | (s[i + k] & 0x3f);
        }

        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            *bad_start = i;
            *bad_end = i + need;
            return REF_INVALID;
        }

        i += need + 1;
    }

    return REF_VALID;
}


/*
 * The text masked with the input's first 4 bytes as the key, checked in
 * two parts cut where the input says, each as the frame layer checks a
 * window: from a boundary between code points the blocks, unmasking into
 * the window or into nothing, then the rest unmasked and fed to the
 * validator.  The verdict must be the reference's, and what the blocks
 * took valid whole code points, written to the window as they were.
 */

static void
masked(const unsigned char *s, size_t n, const unsigned char *key,
    size_t cut, int ref)
{
    int                   rc;
    size_t                i, from, to, done, again;
    unsigned char        *m, *w, k[4];
    ngx_ws_guard_utf8_t   u;

    m = malloc(n + 1);
    w = malloc(n + 1);
    if (m == NULL || w == NULL) {
        abort();
    }

    for (i = 0; i < n; i++) {
        m[i] = s[i] ^ key[i & 3];
    }

    ngx_ws_guard_utf8_init(&u);
    rc = NGX_WS_GUARD_OK;

    for (from = 0; from < n && rc == NGX_WS_GUARD_OK; from = to) {
        to = (from < cut) ? cut : n;

        for (i = 0; i < 4; i++) {
            k[i] = key[(from + i) & 3];
        }

        done = 0;

        if (ngx_ws_guard_utf8_boundary(&u)) {
            done = ngx_ws_guard_utf8_blocks_masked(w + from, m + from,
                                                   to - from, k);
            again = ngx_ws_guard_utf8_blocks_masked(NULL, m + from,
                                                    to - from, k);

            if (done != again) {
                abort();
            }

            if (done == (size_t) -1) {
                rc = NGX_WS_GUARD_ERROR;
                break;
            }

            if (done > to - from || memcmp(w + from, s + from, done) != 0
                || ngx_ws_guard_utf8_check(s + from, done) != NGX_WS_GUARD_OK)
            {
                fprintf(stderr, "masked: blocks took %zu of %zu..%zu\n",
                        done, from, to);
                abort();
            }
        }

        for (i = from + done; i < to; i++) {
            w[i] = m[i] ^ key[i & 3];
        }

        rc = ngx_ws_guard_utf8_validate(&u, w + from + done, to - from - done);
    }

    if (rc == NGX_WS_GUARD_OK) {
        rc = ngx_ws_guard_utf8_finish(&u);
    }

    if ((rc == NGX_WS_GUARD_OK) != (ref == REF_VALID)) {
        fprintf(stderr, "masked %d, reference %d\n", rc, ref);
        abort();
    }

    free(m);
    free(w);
}


static uint32_t
fuzz_rand(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;

    return *x;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                   ref, rc;
    size_t                n, from, to, bad_start, bad_end, max;
    uint32_t              seed;
    unsigned char        *chunk;
    ngx_ws_guard_utf8_t   u;
    const unsigned char  *s;

    if (size < 4) {
        return 0;
    }

    seed = (uint32_t) data[0] | (uint32_t) data[1] << 8
           | (uint32_t) data[2] << 16 | (uint32_t) data[3] << 24;
    seed |= 1;

    s = data + 4;
    n = size - 4;

    /* chunks of 0 .. max bytes: small ones often, to cut code points */

    max = (data[0] & 0x80) ? 4 : 64;

    bad_start = 0;
    bad_end = 0;
    ref = ref_validate(s, n, &bad_start, &bad_end);

    /* the one-shot form */

    rc = ngx_ws_guard_utf8_check(s, n);

    if ((rc == NGX_WS_GUARD_OK) != (ref == REF_VALID)) {
        fprintf(stderr, "check %d, reference %d\n", rc, ref);
        abort();
    }

    masked(s, n, data, n ? seed % (n + 1) : 0, ref);

    ngx_ws_guard_utf8_init(&u);
    rc = NGX_WS_GUARD_OK;
    from = 0;

    while (from < n) {
        to = from + fuzz_rand(&seed) % (max + 1);

        if (to > n) {
            to = n;
        }

        /* each chunk in its own buffer, so that any overread is seen */

        chunk = malloc(to - from + 1);
        if (chunk == NULL) {
            abort();
        }

        memcpy(chunk, s + from, to - from);
        rc = ngx_ws_guard_utf8_validate(&u, chunk, to - from);
        free(chunk);

        if (rc != NGX_WS_GUARD_OK) {

            if (ref == REF_VALID || from > bad_end || to <= bad_start) {
                fprintf(stderr, "error in chunk %zu..%zu, reference %d at "
                        "%zu..%zu\n", from, to, ref, bad_start, bad_end);
                abort();
            }

            /* sticky */

            if (ngx_ws_guard_utf8_validate(&u, (const unsigned char *) "a", 1)
                != NGX_WS_GUARD_ERROR
                || ngx_ws_guard_utf8_finish(&u) != NGX_WS_GUARD_ERROR)
            {
                abort();
            }

            return 0;
        }

        from = to;
    }

    /* all chunks passed: only an open sequence at the end may be wrong */

    if (ref == REF_INVALID) {
        fprintf(stderr, "missed invalid sequence at %zu..%zu\n",
                bad_start, bad_end);
        abort();
    }

    rc = ngx_ws_guard_utf8_finish(&u);

    if ((rc == NGX_WS_GUARD_OK) != (ref == REF_VALID)) {
        fprintf(stderr, "finish %d, reference %d\n", rc, ref);
        abort();
    }

    if (!ngx_ws_guard_utf8_boundary(&u)) {
        abort();
    }

    return 0;
}
