
/*
 * Copyright (C) ngx_ws_guard authors
 */


#include "ngx_ws_guard_frame.h"
#include "ngx_ws_guard_utf8.h"


/*
 * Unmasking 32 bytes at a time with AVX2 where the CPU has it (the level
 * the UTF-8 validator chose, ngx_ws_guard_utf8_simd): nginx's own
 * build flags target plain x86-64, where gcc makes 16-byte code of the
 * loop below, reducing its OR every 32 bytes.
 */

#if !defined NGX_WS_GUARD_UTF8_PORTABLE && defined __x86_64__                \
    && (defined __GNUC__ || defined __clang__)

#define NGX_WS_GUARD_FRAME_AVX2  1

#include <immintrin.h>

static uint64_t ngx_ws_guard_frame_xor_avx2(unsigned char *dst,
    const unsigned char *src, size_t len, uint64_t m);

#endif


#define NGX_WS_GUARD_FRAME_HIGH  0x8080808080808080ULL

/* a close reason fits a control frame after the 2-byte code */
#define NGX_WS_GUARD_FRAME_REASON_MAX  (NGX_WS_GUARD_FRAME_CONTROL_MAX - 2)


/* sw_start must be 0, see ngx_ws_guard_frame_boundary() */

enum {
    sw_start = 0,
    sw_header,
    sw_payload,
    sw_end,
    sw_error
};


static int ngx_ws_guard_frame_header(ngx_ws_guard_frame_t *f,
    const unsigned char *h, size_t n, size_t *need);
static int ngx_ws_guard_frame_run_payload(ngx_ws_guard_frame_t *f,
    const unsigned char *p, size_t n, uint64_t offset, unsigned unmask,
    ngx_ws_guard_utf8_t *u);
static int ngx_ws_guard_frame_window(ngx_ws_guard_frame_t *f,
    const unsigned char *p, size_t n, uint64_t offset, unsigned check,
    ngx_ws_guard_utf8_t *u, unsigned keep);
static void ngx_ws_guard_frame_close_data(ngx_ws_guard_frame_t *f,
    const unsigned char *d, size_t n);
static int ngx_ws_guard_frame_end(ngx_ws_guard_frame_t *f,
    ngx_ws_guard_frame_event_t *ev);
static int ngx_ws_guard_frame_violation(ngx_ws_guard_frame_t *f,
    unsigned code, const char *reason);
static uint64_t ngx_ws_guard_frame_xor(unsigned char *dst,
    const unsigned char *src, size_t len, const unsigned char *key,
    uint64_t offset);


int
ngx_ws_guard_frame_parse(ngx_ws_guard_frame_t *f, const unsigned char *buf,
    size_t len, size_t *pos, ngx_ws_guard_frame_event_t *ev)
{
    int                   rc;
    size_t                n, need;
    uint64_t              base;
    const unsigned char  *p, *end;

    p = buf + *pos;
    end = buf + len;

    /* the stream offset of buf[0] */
    base = f->offset - *pos;

    ev->flags = 0;
    ev->raw = NULL;
    ev->data = NULL;
    ev->len = 0;
    ev->offset = 0;

    switch (f->state) {

    case sw_start:

        if (p == end) {
            goto again;
        }

        f->frame.start = f->offset;

        /* the common case: the whole header is in buf, parse it there */

        rc = ngx_ws_guard_frame_header(f, p, end - p, &need);

        if (rc == NGX_WS_GUARD_OK) {
            p += need;
            goto header;
        }

        if (rc == NGX_WS_GUARD_ERROR) {
            goto violation;
        }

        /* need > end - p: keep the start of the header */

        n = end - p;
        memcpy(f->hdr, p, n);
        f->hdr_len = n;
        f->hdr_need = need;
        p = end;

        f->state = sw_header;
        goto again;

    case sw_header:

        for ( ;; ) {
            if (p == end) {
                goto again;
            }

            n = f->hdr_need - f->hdr_len;

            if (n > (size_t) (end - p)) {
                n = end - p;
            }

            memcpy(f->hdr + f->hdr_len, p, n);
            f->hdr_len += n;
            p += n;

            rc = ngx_ws_guard_frame_header(f, f->hdr, f->hdr_len, &need);

            if (rc == NGX_WS_GUARD_OK) {
                goto header;
            }

            if (rc == NGX_WS_GUARD_ERROR) {
                goto violation;
            }

            f->hdr_need = need;
        }

    case sw_payload:

        if (p == end) {
            goto again;
        }

        n = end - p;

        if ((uint64_t) n > f->left) {
            n = (size_t) f->left;
        }

        ev->offset = f->frame.length - f->left;

        if (f->frame.opcode >= NGX_WS_GUARD_FRAME_OP_CLOSE) {

            /* at most 125 bytes; a close frame's are checked as they come */

            if (f->unmask) {

                if (n > f->conf->scratch_size) {
                    n = f->conf->scratch_size;
                }

                (void) ngx_ws_guard_frame_xor(f->conf->scratch, p, n,
                                              f->frame.key, ev->offset);
                ev->data = f->conf->scratch;

            } else {
                ev->data = p;
            }

            if (f->frame.opcode == NGX_WS_GUARD_FRAME_OP_CLOSE) {
                ngx_ws_guard_frame_close_data(f, ev->data, n);
            }

            f->ctrl_len += n;

        } else if (f->unmask) {

            if (n > f->conf->scratch_size) {
                n = f->conf->scratch_size;
            }

            ev->data = f->conf->scratch;

            if (ngx_ws_guard_frame_window(f, p, n, ev->offset, f->check_utf8,
                                          &f->msg_utf8, 1)
                != NGX_WS_GUARD_OK)
            {
                ngx_ws_guard_frame_violation(f, NGX_WS_GUARD_CLOSE_INVALID_DATA,
                                             "invalid utf-8");
                goto violation;
            }

        } else {

            ev->data = f->frame.masked ? NULL : p;

            if (f->check_utf8
                && ngx_ws_guard_utf8_validate(&f->msg_utf8, p, n)
                   != NGX_WS_GUARD_OK)
            {
                ngx_ws_guard_frame_violation(f, NGX_WS_GUARD_CLOSE_INVALID_DATA,
                                             "invalid utf-8");
                goto violation;
            }
        }

        ev->type = NGX_WS_GUARD_FRAME_EV_DATA;
        ev->raw = p;
        ev->len = n;

        p += n;
        f->left -= n;

        if (f->left == 0) {
            f->state = sw_end;
        }

        goto done;

    case sw_end:

        if (ngx_ws_guard_frame_end(f, ev) != NGX_WS_GUARD_OK) {
            goto violation;
        }

        f->state = sw_start;
        goto done;

    default: /* sw_error */
        goto violation;
    }

header:

    f->hdr_len = 0;
    f->left = f->frame.length;

    if (f->frame.opcode < NGX_WS_GUARD_FRAME_OP_CLOSE) {

        if (f->frame.opcode != NGX_WS_GUARD_FRAME_OP_CONT) {
            f->msg_active = 1;
            f->msg_opcode = f->frame.opcode;
            f->msg_compressed = (f->frame.rsv & NGX_WS_GUARD_FRAME_RSV1) != 0;
            f->msg_size = 0;
            ngx_ws_guard_utf8_init(&f->msg_utf8);

            ev->flags = NGX_WS_GUARD_FRAME_MESSAGE_START;
        }

        /* ngx_ws_guard_frame_header() made sure that this cannot overflow */
        f->msg_size += f->frame.length;

        f->check_utf8 = f->msg_opcode == NGX_WS_GUARD_FRAME_OP_TEXT
                        && f->conf->utf8
                        && !f->msg_compressed;

        f->unmask = f->frame.masked
                    && (f->check_utf8
                        || (f->conf->inspect
                            & (f->msg_opcode == NGX_WS_GUARD_FRAME_OP_TEXT
                               ? NGX_WS_GUARD_FRAME_TEXT
                               : NGX_WS_GUARD_FRAME_BINARY)));

    } else {
        f->ctrl_len = 0;
        f->ctrl_code = 0;
        f->ctrl_bad = 0;
        ngx_ws_guard_utf8_init(&f->ctrl_utf8);
        f->check_utf8 = 0;
        f->unmask = f->frame.masked;
    }

    f->state = f->left ? sw_payload : sw_end;

    ev->type = NGX_WS_GUARD_FRAME_EV_HEADER;

done:

    if (f->frame.start >= base) {
        ev->frame_pos = (size_t) (f->frame.start - base);
        ev->frame_in_buf = 1;

    } else {
        ev->frame_pos = 0;
        ev->frame_in_buf = 0;
    }

    f->offset += p - (buf + *pos);
    *pos = p - buf;

    return NGX_WS_GUARD_OK;

again:

    f->offset += p - (buf + *pos);
    *pos = p - buf;

    return NGX_WS_GUARD_AGAIN;

violation:

    f->state = sw_error;

    ev->type = NGX_WS_GUARD_FRAME_EV_ERROR;
    ev->flags = 0;
    ev->raw = NULL;
    ev->data = NULL;
    ev->len = 0;

    if (f->frame.start >= base) {
        ev->frame_pos = (size_t) (f->frame.start - base);
        ev->frame_in_buf = 1;

    } else {
        ev->frame_pos = 0;
        ev->frame_in_buf = 0;
    }

    f->offset += p - (buf + *pos);
    *pos = p - buf;

    return NGX_WS_GUARD_ERROR;
}


/*
 * Data frames without events.  Nothing is committed to f before the bytes
 * taken have passed every check their events would make (header() sets
 * only f->frame, or f->err_* on error, and frame_parse() sets both again),
 * so stopping anywhere leaves f where ngx_ws_guard_frame_parse() expects
 * it.
 */

size_t
ngx_ws_guard_frame_run(ngx_ws_guard_frame_t *f, const unsigned char *buf,
    size_t len, size_t *pos)
{
    size_t                n, need, ended;
    uint64_t              length, at, offset;
    unsigned              op, start, text, check, unmask;
    ngx_ws_guard_utf8_t   u;
    const unsigned char  *p, *end;

    if (f->conf->inspect) {
        return 0;
    }

    p = buf + *pos;
    end = buf + len;
    offset = f->offset;
    ended = 0;

    for ( ;; ) {

        if (f->state == sw_payload) {

            /* the rest of a data frame begun before */

            if (f->frame.opcode >= NGX_WS_GUARD_FRAME_OP_CLOSE
                || f->msg_compressed || p == end)
            {
                break;
            }

            need = 0;
            start = 0;
            length = f->left;
            at = f->frame.length - f->left;
            check = f->check_utf8;
            unmask = f->unmask;
            u = f->msg_utf8;

        } else if (f->state == sw_start && end - p >= 2) {

            if (ngx_ws_guard_frame_header(f, p, end - p, &need)
                != NGX_WS_GUARD_OK)
            {
                break;
            }

            op = f->frame.opcode;

            if (op >= NGX_WS_GUARD_FRAME_OP_CLOSE) {
                break;
            }

            start = (op != NGX_WS_GUARD_FRAME_OP_CONT);

            if (start) {
                if (f->frame.rsv & NGX_WS_GUARD_FRAME_RSV1) {
                    /* compressed: the caller inflates it */
                    break;
                }

                text = (op == NGX_WS_GUARD_FRAME_OP_TEXT);
                ngx_ws_guard_utf8_init(&u);

            } else {
                if (f->msg_compressed) {
                    break;
                }

                text = (f->msg_opcode == NGX_WS_GUARD_FRAME_OP_TEXT);
                u = f->msg_utf8;
            }

            length = f->frame.length;
            at = 0;
            check = text && f->conf->utf8;
            unmask = check && f->frame.masked;

        } else {
            break;
        }

        /* the payload here, checked on a copy of the UTF-8 state */

        n = (end - p) - need;

        if ((uint64_t) n > length) {
            n = (size_t) length;
        }

        if (check
            && (ngx_ws_guard_frame_run_payload(f, p + need, n, at, unmask, &u)
                != NGX_WS_GUARD_OK
                || (n == length && f->frame.fin
                    && ngx_ws_guard_utf8_finish(&u) != NGX_WS_GUARD_OK)))
        {
            break;
        }

        if (f->state == sw_start) {

            /* the header passed, and the payload so far: its HEADER event */

            f->frame.start = offset;

            if (start) {
                f->msg_active = 1;
                f->msg_opcode = op;
                f->msg_compressed = 0;
                f->msg_size = 0;
            }

            f->msg_size += length;
            f->check_utf8 = check;
            f->unmask = unmask;
            f->hdr_len = 0;
            f->left = length;
            f->state = sw_payload;
        }

        /* n bytes of payload passed: DATA, and END if they were the last */

        f->msg_utf8 = u;
        f->left -= n;
        p += need + n;
        offset += need + n;

        if (f->left) {
            break;
        }

        if (f->frame.fin) {
            f->msg_active = 0;
            f->messages++;
            ended++;
        }

        f->frames++;
        f->state = sw_start;
    }

    f->offset = offset;
    *pos = p - buf;

    return ended;
}


/*
 * Checks n bytes of text payload at offset in the frame against the UTF-8
 * state u, unmasked a scratch window at a time if need be.
 */

static int
ngx_ws_guard_frame_run_payload(ngx_ws_guard_frame_t *f,
    const unsigned char *p, size_t n, uint64_t offset, unsigned unmask,
    ngx_ws_guard_utf8_t *u)
{
    size_t  k;

    if (!unmask) {
        return ngx_ws_guard_utf8_validate(u, p, n);
    }

    while (n) {
        k = (n < f->conf->scratch_size) ? n : f->conf->scratch_size;

        if (ngx_ws_guard_frame_window(f, p, k, offset, 1, u, 0)
            != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }

        p += k;
        n -= k;
        offset += k;
    }

    return NGX_WS_GUARD_OK;
}


/*
 * Unmasks n bytes (at most the scratch window) at offset in the frame into
 * the window; with check, feeds them to the UTF-8 state u.  From a
 * boundary between code points, the UTF-8 blocks unmask and check in one
 * pass (ngx_ws_guard_utf8_blocks_masked()), writing the window only if the
 * caller keeps it; what they leave is unmasked here and checked as before.
 * ASCII between code points leaves the state as it is: the OR of the
 * unmasked bytes says so without looking at them again.
 */

static int
ngx_ws_guard_frame_window(ngx_ws_guard_frame_t *f, const unsigned char *p,
    size_t n, uint64_t offset, unsigned check, ngx_ws_guard_utf8_t *u,
    unsigned keep)
{
    size_t          i, done;
    uint64_t        hi;
    unsigned char  *w, kk[8];

    w = f->conf->scratch;

    if (check && n >= 64 && ngx_ws_guard_utf8_boundary(u)) {

        /* the key twice: 4 bytes of it from any phase */

        memcpy(kk, f->frame.key, 4);
        memcpy(kk + 4, f->frame.key, 4);

        done = ngx_ws_guard_utf8_blocks_masked(keep ? w : NULL, p, n,
                                               kk + (offset & 3));

        if (done == (size_t) -1) {
            return NGX_WS_GUARD_ERROR;
        }

        if (done > n - 4) {
            /* the blocks took all but a sequence open at the end */

            for (i = done; i < n; i++) {
                w[i] = p[i] ^ kk[(offset + i) & 3];
            }

            if (done < n
                && ngx_ws_guard_utf8_validate(u, w + done, n - done)
                   != NGX_WS_GUARD_OK)
            {
                return NGX_WS_GUARD_ERROR;
            }

            return NGX_WS_GUARD_OK;
        }

    } else {
        done = 0;
    }

    hi = ngx_ws_guard_frame_xor(w + done, p + done, n - done, f->frame.key,
                                offset + done);

    if (check
        && ((hi & NGX_WS_GUARD_FRAME_HIGH) || !ngx_ws_guard_utf8_boundary(u))
        && ngx_ws_guard_utf8_validate(u, w + done, n - done)
           != NGX_WS_GUARD_OK)
    {
        return NGX_WS_GUARD_ERROR;
    }

    return NGX_WS_GUARD_OK;
}


/*
 * Checks the header bytes h[0] .. h[n - 1] in stream order, so that a
 * violation is found as soon as its byte is there, whatever the chunking.
 * Returns NGX_WS_GUARD_OK with f->frame filled in and *need set to the
 * header length, NGX_WS_GUARD_AGAIN with *need set to the bytes needed to
 * go on (more than n), or NGX_WS_GUARD_ERROR.  f is changed only on error
 * and on success.
 */

static int
ngx_ws_guard_frame_header(ngx_ws_guard_frame_t *f, const unsigned char *h,
    size_t n, size_t *need)
{
    size_t    size, ext, i;
    uint64_t  len, so_far, max;
    unsigned  fin, rsv, op, masked, len7, type;

    fin = h[0] >> 7;
    rsv = (h[0] >> 4) & 0x7;
    op = h[0] & 0xf;

    if ((op > NGX_WS_GUARD_FRAME_OP_BINARY && op < NGX_WS_GUARD_FRAME_OP_CLOSE)
        || op > NGX_WS_GUARD_FRAME_OP_PONG)
    {
        return ngx_ws_guard_frame_violation(f, NGX_WS_GUARD_CLOSE_PROTOCOL,
                                            "reserved opcode");
    }

    if ((rsv & (NGX_WS_GUARD_FRAME_RSV2|NGX_WS_GUARD_FRAME_RSV3))
        || ((rsv & NGX_WS_GUARD_FRAME_RSV1)
            && !(f->conf->rsv1_allowed
                 && (op == NGX_WS_GUARD_FRAME_OP_TEXT
                     || op == NGX_WS_GUARD_FRAME_OP_BINARY))))
    {
        return ngx_ws_guard_frame_violation(f, NGX_WS_GUARD_CLOSE_PROTOCOL,
                                            "rsv bits set");
    }

    if (op >= NGX_WS_GUARD_FRAME_OP_CLOSE) {

        if (!fin) {
            return ngx_ws_guard_frame_violation(f, NGX_WS_GUARD_CLOSE_PROTOCOL,
                                                "fragmented control frame");
        }

    } else if (op == NGX_WS_GUARD_FRAME_OP_CONT) {

        if (!f->msg_active) {
            return ngx_ws_guard_frame_violation(f, NGX_WS_GUARD_CLOSE_PROTOCOL,
                                                "continuation without message");
        }

    } else {

        if (f->msg_active) {
            return ngx_ws_guard_frame_violation(f, NGX_WS_GUARD_CLOSE_PROTOCOL,
                                       "data frame inside fragmented message");
        }

        type = (op == NGX_WS_GUARD_FRAME_OP_TEXT) ? NGX_WS_GUARD_FRAME_TEXT
                                                  : NGX_WS_GUARD_FRAME_BINARY;

        if ((f->conf->types & type) == 0) {
            return ngx_ws_guard_frame_violation(f,
                                          NGX_WS_GUARD_CLOSE_UNSUPPORTED,
                                          (type == NGX_WS_GUARD_FRAME_TEXT)
                                          ? "text messages not allowed"
                                          : "binary messages not allowed");
        }
    }

    if (n < 2) {
        *need = 2;
        return NGX_WS_GUARD_AGAIN;
    }

    masked = h[1] >> 7;
    len7 = h[1] & 0x7f;

    if (f->conf->client && !masked) {
        return ngx_ws_guard_frame_violation(f, NGX_WS_GUARD_CLOSE_PROTOCOL,
                                            "unmasked client frame");
    }

    if (!f->conf->client && masked) {
        return ngx_ws_guard_frame_violation(f, NGX_WS_GUARD_CLOSE_PROTOCOL,
                                            "masked server frame");
    }

    if (op >= NGX_WS_GUARD_FRAME_OP_CLOSE) {

        if (len7 > NGX_WS_GUARD_FRAME_CONTROL_MAX) {
            return ngx_ws_guard_frame_violation(f, NGX_WS_GUARD_CLOSE_PROTOCOL,
                                                "control frame too long");
        }

        if (op == NGX_WS_GUARD_FRAME_OP_CLOSE && len7 == 1) {
            return ngx_ws_guard_frame_violation(f, NGX_WS_GUARD_CLOSE_PROTOCOL,
                                              "close frame payload of 1 byte");
        }
    }

    ext = (len7 == 126) ? 2 : (len7 == 127) ? 8 : 0;
    size = 2 + ext + (masked ? 4 : 0);

    *need = size;

    if (n < 2 + ext) {
        return NGX_WS_GUARD_AGAIN;
    }

    if (ext == 0) {
        len = len7;

    } else if (ext == 2) {
        len = ((uint64_t) h[2] << 8) | h[3];

        if (len < 126) {
            return ngx_ws_guard_frame_violation(f, NGX_WS_GUARD_CLOSE_PROTOCOL,
                                                "length not minimally encoded");
        }

    } else {

        if (h[2] & 0x80) {
            return ngx_ws_guard_frame_violation(f, NGX_WS_GUARD_CLOSE_PROTOCOL,
                                                "64-bit length top bit set");
        }

        len = 0;

        for (i = 2; i < 10; i++) {
            len = (len << 8) | h[i];
        }

        if (len <= 0xffff) {
            return ngx_ws_guard_frame_violation(f, NGX_WS_GUARD_CLOSE_PROTOCOL,
                                                "length not minimally encoded");
        }
    }

    if (op < NGX_WS_GUARD_FRAME_OP_CLOSE) {

        if (f->conf->max_frame_size && len > f->conf->max_frame_size) {
            return ngx_ws_guard_frame_violation(f, NGX_WS_GUARD_CLOSE_TOO_BIG,
                                                "frame too big");
        }

        so_far = (op == NGX_WS_GUARD_FRAME_OP_CONT) ? f->msg_size : 0;
        max = f->conf->max_message_size ? f->conf->max_message_size
                                       : UINT64_MAX;

        if (so_far > max || len > max - so_far) {
            return ngx_ws_guard_frame_violation(f, NGX_WS_GUARD_CLOSE_TOO_BIG,
                                                "message too big");
        }
    }

    if (n < size) {
        return NGX_WS_GUARD_AGAIN;
    }

    f->frame.fin = fin;
    f->frame.rsv = rsv;
    f->frame.opcode = op;
    f->frame.masked = masked;
    f->frame.header_len = (unsigned) size;
    f->frame.length = len;

    if (masked) {
        memcpy(f->frame.key, h + 2 + ext, 4);

    } else {
        memset(f->frame.key, 0, 4);
    }

    return NGX_WS_GUARD_OK;
}


/* a span of a close frame's payload, unmasked: the code, then the reason */

static void
ngx_ws_guard_frame_close_data(ngx_ws_guard_frame_t *f,
    const unsigned char *d, size_t n)
{
    size_t  k;

    for (k = 0; k < n && f->ctrl_len + k < 2; k++) {
        f->ctrl_code = (unsigned short) ((f->ctrl_code << 8) | d[k]);
    }

    if (k < n && !f->ctrl_bad
        && ngx_ws_guard_utf8_validate(&f->ctrl_utf8, d + k, n - k)
           != NGX_WS_GUARD_OK)
    {
        f->ctrl_bad = 1;
    }
}


/* the payload is complete: the checks that need all of it */

static int
ngx_ws_guard_frame_end(ngx_ws_guard_frame_t *f, ngx_ws_guard_frame_event_t *ev)
{
    unsigned  code;

    if (f->frame.opcode == NGX_WS_GUARD_FRAME_OP_CLOSE) {

        if (f->ctrl_len >= 2) {
            code = f->ctrl_code;

            if (!ngx_ws_guard_frame_close_code_valid(code)) {
                return ngx_ws_guard_frame_violation(f,
                                                   NGX_WS_GUARD_CLOSE_PROTOCOL,
                                                   "invalid close code");
            }

            if (f->ctrl_bad
                || ngx_ws_guard_utf8_finish(&f->ctrl_utf8) != NGX_WS_GUARD_OK)
            {
                return ngx_ws_guard_frame_violation(f,
                                               NGX_WS_GUARD_CLOSE_INVALID_DATA,
                                               "invalid utf-8 in close reason");
            }

            f->close_code = (unsigned short) code;
            f->close_reason_len = f->ctrl_len - 2;

        } else {
            f->close_code = 0;
            f->close_reason_len = 0;
        }

        f->close_received = 1;
        ev->flags = NGX_WS_GUARD_FRAME_CLOSE;

    } else if (f->frame.opcode < NGX_WS_GUARD_FRAME_OP_CLOSE && f->frame.fin) {

        if (f->check_utf8
            && ngx_ws_guard_utf8_finish(&f->msg_utf8) != NGX_WS_GUARD_OK)
        {
            return ngx_ws_guard_frame_violation(f,
                                               NGX_WS_GUARD_CLOSE_INVALID_DATA,
                                               "invalid utf-8");
        }

        f->msg_active = 0;
        f->messages++;
        ev->flags = NGX_WS_GUARD_FRAME_MESSAGE_END;
    }

    f->frames++;
    ev->type = NGX_WS_GUARD_FRAME_EV_END;

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_frame_violation(ngx_ws_guard_frame_t *f, unsigned code,
    const char *reason)
{
    f->err_code = code;
    f->err_reason = reason;

    return NGX_WS_GUARD_ERROR;
}


/*
 * XORs 8 bytes at a time with the key repeated and rotated to the payload
 * offset; returns the OR of the unmasked bytes, so that the caller learns
 * for free whether they are all ASCII.
 */

static uint64_t
ngx_ws_guard_frame_xor(unsigned char *dst, const unsigned char *src,
    size_t len, const unsigned char *key, uint64_t offset)
{
    size_t                i;
    uint64_t              m, w0, w1, w2, w3, acc;
    unsigned char         kk[12];
    const unsigned char  *k;

    /* the key three times: 8 bytes of it from any phase */

    memcpy(kk, key, 4);
    memcpy(kk + 4, key, 4);
    memcpy(kk + 8, key, 4);

    k = kk + (offset & 3);

    memcpy(&m, k, 8);

    acc = 0;

#if (NGX_WS_GUARD_FRAME_AVX2)

    if (len >= 64 && ngx_ws_guard_utf8_simd < 0) {
        (void) ngx_ws_guard_utf8_simd_level(-1);
    }

    if (len >= 64 && ngx_ws_guard_utf8_simd >= 2) {
        i = len & ~(size_t) 31;

        /* a multiple of 32 bytes: the key phase stays where it was */

        acc = ngx_ws_guard_frame_xor_avx2(dst, src, i, m);

        src += i;
        dst += i;
        len -= i;
    }

#endif

    while (len >= 32) {
        memcpy(&w0, src, 8);
        memcpy(&w1, src + 8, 8);
        memcpy(&w2, src + 16, 8);
        memcpy(&w3, src + 24, 8);

        w0 ^= m;
        w1 ^= m;
        w2 ^= m;
        w3 ^= m;

        memcpy(dst, &w0, 8);
        memcpy(dst + 8, &w1, 8);
        memcpy(dst + 16, &w2, 8);
        memcpy(dst + 24, &w3, 8);

        acc |= w0 | w1 | w2 | w3;

        src += 32;
        dst += 32;
        len -= 32;
    }

    while (len >= 8) {
        memcpy(&w0, src, 8);
        w0 ^= m;
        memcpy(dst, &w0, 8);

        acc |= w0;

        src += 8;
        dst += 8;
        len -= 8;
    }

    /* a multiple of 8 bytes done: the key phase is where it started */

    for (i = 0; i < len; i++) {
        dst[i] = src[i] ^ k[i];
        acc |= dst[i];
    }

    return acc;
}


#if (NGX_WS_GUARD_FRAME_AVX2)

/* len a multiple of 32; m the key for 8 bytes at the phase of src[0] */

__attribute__((target("avx2")))
static uint64_t
ngx_ws_guard_frame_xor_avx2(unsigned char *dst, const unsigned char *src,
    size_t len, uint64_t m)
{
    size_t    i;
    uint64_t  acc;
    __m256i   k, a, b, or;
    __m128i   h;

    k = _mm256_set1_epi64x((long long) m);
    or = _mm256_setzero_si256();

    for (i = 0; i + 64 <= len; i += 64) {
        a = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *) (src + i)),
                             k);
        b = _mm256_xor_si256(
                      _mm256_loadu_si256((const __m256i *) (src + i + 32)), k);

        _mm256_storeu_si256((__m256i *) (dst + i), a);
        _mm256_storeu_si256((__m256i *) (dst + i + 32), b);

        or = _mm256_or_si256(or, _mm256_or_si256(a, b));
    }

    if (i < len) {
        a = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *) (src + i)),
                             k);
        _mm256_storeu_si256((__m256i *) (dst + i), a);
        or = _mm256_or_si256(or, a);
    }

    h = _mm_or_si128(_mm256_castsi256_si128(or),
                     _mm256_extracti128_si256(or, 1));
    h = _mm_or_si128(h, _mm_unpackhi_epi64(h, h));

    acc = (uint64_t) _mm_cvtsi128_si64(h);

    /* clean upper halves for the SSE code that runs next */
    _mm256_zeroupper();

    return acc;
}

#endif


void
ngx_ws_guard_frame_unmask(unsigned char *dst, const unsigned char *src,
    size_t len, const unsigned char key[4], uint64_t offset)
{
    (void) ngx_ws_guard_frame_xor(dst, src, len, key, offset);
}


int
ngx_ws_guard_frame_close_code_valid(unsigned code)
{
    /* 1004 reserved; 1005, 1006, 1015 are never sent; 1012..1014 in use */

    return (code >= 1000 && code <= 1003)
           || (code >= 1007 && code <= 1014)
           || (code >= 3000 && code <= 4999);
}


size_t
ngx_ws_guard_frame_close(unsigned char *buf, size_t size, unsigned code,
    const unsigned char *reason, size_t reason_len, const unsigned char *key)
{
    size_t          n, plen, total;
    unsigned char  *q;

    if (code > 0xffff) {
        return 0;
    }

    n = 0;
    plen = 0;

    if (code) {
        n = reason_len;

        if (n > NGX_WS_GUARD_FRAME_REASON_MAX) {
            n = NGX_WS_GUARD_FRAME_REASON_MAX;

            /* reason[n] is the first byte cut: do not split a code point */

            while (n > 0 && (reason[n] & 0xc0) == 0x80) {
                n--;
            }
        }

        plen = 2 + n;
    }

    total = 2 + ((key != NULL) ? 4 : 0) + plen;

    if (size < total) {
        return 0;
    }

    buf[0] = 0x80 | NGX_WS_GUARD_FRAME_OP_CLOSE;
    buf[1] = (unsigned char) (((key != NULL) ? 0x80 : 0) | plen);

    q = buf + 2;

    if (key != NULL) {
        memcpy(q, key, 4);
        q += 4;
    }

    if (plen) {
        q[0] = (unsigned char) (code >> 8);
        q[1] = (unsigned char) (code & 0xff);

        if (n) {
            memcpy(q + 2, reason, n);
        }

        if (key != NULL) {
            (void) ngx_ws_guard_frame_xor(q, q, plen, key, 0);
        }
    }

    return total;
}


int
ngx_ws_guard_frame_init(ngx_ws_guard_frame_t *f,
    const ngx_ws_guard_frame_conf_t *conf)
{
    memset(f, 0, sizeof(ngx_ws_guard_frame_t));

    if (conf->client
        && (conf->scratch == NULL || conf->scratch_size == 0))
    {
        return NGX_WS_GUARD_ERROR;
    }

    f->conf = conf;
    f->state = sw_start;

    return NGX_WS_GUARD_OK;
}
