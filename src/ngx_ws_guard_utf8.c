
/*
 * Copyright (C) ngx_ws_guard authors
 */


#include "ngx_ws_guard_utf8.h"


/*
 * A deterministic automaton over byte classes.  A state is the number of
 * its row in the transition table times the number of classes, so the next
 * state is one lookup; u8_acc (between code points) must stay 0.
 */

#define NGX_WS_GUARD_UTF8_CLASSES  12

#define NGX_WS_GUARD_UTF8_HIGH     0x8080808080808080ULL


enum {
    u8_acc = 0,         /* between code points */
    u8_rej = 12,        /* invalid, sticky */
    u8_c1 = 24,         /* one continuation byte 80..BF to go */
    u8_c2 = 36,         /* two to go */
    u8_c3 = 48,         /* three to go */
    u8_e0 = 60,         /* after E0: A0..BF, so no overlong 3-byte form */
    u8_ed = 72,         /* after ED: 80..9F, so no surrogate */
    u8_f0 = 84,         /* after F0: 90..BF, so no overlong 4-byte form */
    u8_f4 = 96          /* after F4: 80..8F, so nothing above U+10FFFF */
};


/*
 * byte classes: 0 ASCII, 1 80..8F, 2 90..9F, 3 A0..BF, 4 C2..DF, 5 E0,
 * 6 E1..EC and EE..EF, 7 ED, 8 F0, 9 F1..F3, 10 F4,
 * 11 never valid (C0, C1, F5..FF)
 */

static const unsigned char  ngx_ws_guard_utf8_class[256] = {
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,
     2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,
     3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,
     3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,
    11, 11,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,
     4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,
     5,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  7,  6,  6,
     8,  9,  9,  9, 10, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11
};


static const unsigned char  ngx_ws_guard_utf8_next[9 * 12] = {

    /* u8_acc */
    u8_acc, u8_rej, u8_rej, u8_rej, u8_c1,  u8_e0,
    u8_c2,  u8_ed,  u8_f0,  u8_c3,  u8_f4,  u8_rej,

    /* u8_rej */
    u8_rej, u8_rej, u8_rej, u8_rej, u8_rej, u8_rej,
    u8_rej, u8_rej, u8_rej, u8_rej, u8_rej, u8_rej,

    /* u8_c1 */
    u8_rej, u8_acc, u8_acc, u8_acc, u8_rej, u8_rej,
    u8_rej, u8_rej, u8_rej, u8_rej, u8_rej, u8_rej,

    /* u8_c2 */
    u8_rej, u8_c1,  u8_c1,  u8_c1,  u8_rej, u8_rej,
    u8_rej, u8_rej, u8_rej, u8_rej, u8_rej, u8_rej,

    /* u8_c3 */
    u8_rej, u8_c2,  u8_c2,  u8_c2,  u8_rej, u8_rej,
    u8_rej, u8_rej, u8_rej, u8_rej, u8_rej, u8_rej,

    /* u8_e0 */
    u8_rej, u8_rej, u8_rej, u8_c1,  u8_rej, u8_rej,
    u8_rej, u8_rej, u8_rej, u8_rej, u8_rej, u8_rej,

    /* u8_ed */
    u8_rej, u8_c1,  u8_c1,  u8_rej, u8_rej, u8_rej,
    u8_rej, u8_rej, u8_rej, u8_rej, u8_rej, u8_rej,

    /* u8_f0 */
    u8_rej, u8_rej, u8_c2,  u8_c2,  u8_rej, u8_rej,
    u8_rej, u8_rej, u8_rej, u8_rej, u8_rej, u8_rej,

    /* u8_f4 */
    u8_rej, u8_c2,  u8_rej, u8_rej, u8_rej, u8_rej,
    u8_rej, u8_rej, u8_rej, u8_rej, u8_rej, u8_rej
};


/*
 * The bounds of the second byte of a 3- or 4-byte sequence by the low 5
 * bits of its lead E0..F4 (Unicode 3.9, table 3-7): E0 A0..BF, ED 80..9F,
 * F0 90..BF, F4 80..8F, 80..BF after the others.  The first half holds the
 * lowest byte, the second half the width of the range: a byte b is in it
 * if b - low <= width, as unsigned.
 */

static const unsigned char  ngx_ws_guard_utf8_second[64] = {

    /* E0 .. EF, F0 .. F4, unused */
    0xa0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x90, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,

    0x1f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f,
    0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x1f, 0x3f, 0x3f,
    0x2f, 0x3f, 0x3f, 0x3f, 0x0f, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};


/*
 * Advances p to the first byte with the top bit set among the 8 at p; w
 * holds them and has one.  With a count of trailing zeros on a
 * little-endian machine this is one instruction, otherwise a short loop.
 */

#if !defined NGX_WS_GUARD_UTF8_PORTABLE                                      \
    && (defined __GNUC__ || defined __clang__)                               \
    && defined __BYTE_ORDER__ && defined __ORDER_LITTLE_ENDIAN__
#if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
#define NGX_WS_GUARD_UTF8_CTZ  1
#endif
#endif

#if (NGX_WS_GUARD_UTF8_CTZ)

#define ngx_ws_guard_utf8_skip(p, w)                                         \
    (p) += (unsigned) __builtin_ctzll((w) & NGX_WS_GUARD_UTF8_HIGH) >> 3

#else

#define ngx_ws_guard_utf8_skip(p, w)                                         \
    while (*(p) < 0x80) { (p)++; }

#endif


int
ngx_ws_guard_utf8_validate(ngx_ws_guard_utf8_t *u, const unsigned char *p,
    size_t len)
{
    unsigned              s, c;
    uint64_t              w0, w1;
    const unsigned char  *end;

    s = u->state;

    if (s == u8_rej) {
        return NGX_WS_GUARD_ERROR;
    }

    if (len == 0) {
        return NGX_WS_GUARD_OK;
    }

    end = p + len;

    /* a sequence left open by the previous call: the automaton */

    while (s != u8_acc) {
        s = ngx_ws_guard_utf8_next[s + ngx_ws_guard_utf8_class[*p++]];

        if (s == u8_rej) {
            goto invalid;
        }

        if (p == end) {
            u->state = s;
            return NGX_WS_GUARD_OK;
        }
    }

    for ( ;; ) {

        /* ASCII runs, 16 and then 8 bytes at a time */

        while ((size_t) (end - p) >= 16) {
            memcpy(&w0, p, 8);
            memcpy(&w1, p + 8, 8);

            if ((w0 | w1) & NGX_WS_GUARD_UTF8_HIGH) {

                if ((w0 & NGX_WS_GUARD_UTF8_HIGH) == 0) {
                    p += 8;
                    w0 = w1;
                }

                ngx_ws_guard_utf8_skip(p, w0);
                goto multibyte;
            }

            p += 16;
        }

        if ((size_t) (end - p) >= 8) {
            memcpy(&w0, p, 8);

            if (w0 & NGX_WS_GUARD_UTF8_HIGH) {
                ngx_ws_guard_utf8_skip(p, w0);
                goto multibyte;
            }

            p += 8;
        }

        while (p < end && *p < 0x80) {
            p++;
        }

        if (p == end) {
            break;
        }

    multibyte:

        /*
         * *p >= 0x80: whole sequences are checked here, one after another,
         * until an ASCII byte or the end; from a lead in the last 3 bytes
         * the automaton takes over, and may be left inside a sequence
         */

        for ( ;; ) {

            if (end - p < 4) {
                goto tail;
            }

            c = p[0];

            if (c < 0xe0) {

                if (c < 0xc2) {
                    goto invalid;
                }

                if ((p[1] & 0xc0) != 0x80) {
                    goto invalid;
                }

                p += 2;

            } else if (c < 0xf0) {

                if ((unsigned) (p[1] - ngx_ws_guard_utf8_second[c & 0x1f])
                    > ngx_ws_guard_utf8_second[32 + (c & 0x1f)]
                    || (p[2] & 0xc0) != 0x80)
                {
                    goto invalid;
                }

                p += 3;

            } else {

                if (c > 0xf4) {
                    goto invalid;
                }

                if ((unsigned) (p[1] - ngx_ws_guard_utf8_second[c & 0x1f])
                    > ngx_ws_guard_utf8_second[32 + (c & 0x1f)]
                    || (p[2] & 0xc0) != 0x80
                    || (p[3] & 0xc0) != 0x80)
                {
                    goto invalid;
                }

                p += 4;
            }

            if (p == end) {
                u->state = u8_acc;
                return NGX_WS_GUARD_OK;
            }

            if (*p < 0x80) {
                break;
            }
        }
    }

    u->state = u8_acc;

    return NGX_WS_GUARD_OK;

tail:

    /*
     * 1 to 3 bytes are left from the lead at p: the automaton checks
     * them, and keeps the state of a sequence they leave open
     */

    s = u8_acc;

    while (p < end) {
        s = ngx_ws_guard_utf8_next[s + ngx_ws_guard_utf8_class[*p++]];

        if (s == u8_rej) {
            goto invalid;
        }
    }

    u->state = s;

    return NGX_WS_GUARD_OK;

invalid:

    u->state = u8_rej;

    return NGX_WS_GUARD_ERROR;
}


int
ngx_ws_guard_utf8_finish(ngx_ws_guard_utf8_t *u)
{
    unsigned  s;

    s = u->state;
    u->state = u8_acc;

    return (s == u8_acc) ? NGX_WS_GUARD_OK : NGX_WS_GUARD_ERROR;
}


int
ngx_ws_guard_utf8_check(const unsigned char *p, size_t len)
{
    ngx_ws_guard_utf8_t  u;

    u.state = u8_acc;

    if (ngx_ws_guard_utf8_validate(&u, p, len) != NGX_WS_GUARD_OK) {
        return NGX_WS_GUARD_ERROR;
    }

    return ngx_ws_guard_utf8_finish(&u);
}
