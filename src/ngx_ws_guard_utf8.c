
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


int
ngx_ws_guard_utf8_validate(ngx_ws_guard_utf8_t *u, const unsigned char *p,
    size_t len)
{
    unsigned              s;
    uint64_t              w0, w1;
    const unsigned char  *end;

    s = u->state;
    end = p + len;

    if (s == u8_rej) {
        return NGX_WS_GUARD_ERROR;
    }

    if (len == 0) {
        return NGX_WS_GUARD_OK;
    }

    for ( ;; ) {

        if (s == u8_acc) {

            /* ASCII runs, 16 and then 8 bytes at a time */

            while ((size_t) (end - p) >= 16) {
                memcpy(&w0, p, 8);
                memcpy(&w1, p + 8, 8);

                if ((w0 | w1) & NGX_WS_GUARD_UTF8_HIGH) {
                    break;
                }

                p += 16;
            }

            if ((size_t) (end - p) >= 8) {
                memcpy(&w0, p, 8);

                if ((w0 & NGX_WS_GUARD_UTF8_HIGH) == 0) {
                    p += 8;
                }
            }

            while (p < end && *p < 0x80) {
                p++;
            }

            if (p == end) {
                break;
            }
        }

        /* a multibyte sequence: the automaton until it is complete */

        do {
            s = ngx_ws_guard_utf8_next[s + ngx_ws_guard_utf8_class[*p++]];
        } while (s > u8_rej && p < end);

        if (s == u8_rej) {
            u->state = u8_rej;
            return NGX_WS_GUARD_ERROR;
        }

        if (p == end) {
            break;
        }
    }

    u->state = s;

    return NGX_WS_GUARD_OK;
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
