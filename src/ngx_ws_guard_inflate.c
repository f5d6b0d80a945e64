
/*
 * Copyright (C) ngx_ws_guard authors
 */


#include <limits.h>
#include <stdlib.h>

#include "ngx_ws_guard_inflate.h"


/*
 * Every allocation carries its size in front, so that zfree can count what
 * it returns; 16 bytes keep the alignment the allocator gave.
 */
#define NGX_WS_GUARD_INFLATE_HEADER  16

/* zlib's inflate() sets data_type to this: at a block boundary, no bits */
#define NGX_WS_GUARD_INFLATE_BOUNDARY  0x80
#define NGX_WS_GUARD_INFLATE_BOUNDARY_MASK  0xc7

#define NGX_WS_GUARD_INFLATE_INVALID  "invalid compressed data"


enum {
    sw_idle = 0,
    sw_message,
    sw_tail,
    sw_error
};


static int ngx_ws_guard_inflate_run(ngx_ws_guard_inflate_t *inf,
    const unsigned char *in, size_t len, size_t *pos,
    const unsigned char **out, size_t *out_len);
static int ngx_ws_guard_inflate_fail(ngx_ws_guard_inflate_t *inf,
    unsigned code, const char *reason, const char *detail);
static voidpf ngx_ws_guard_inflate_zalloc(voidpf opaque, uInt items,
    uInt size);
static void ngx_ws_guard_inflate_zfree(voidpf opaque, voidpf p);
static int ngx_ws_guard_inflate_allows(const ngx_ws_guard_inflate_params_t *o,
    const ngx_ws_guard_inflate_params_t *r);
static int ngx_ws_guard_inflate_next_param(const unsigned char **pos,
    const unsigned char *end, const unsigned char **name, size_t *name_len,
    const unsigned char **value, size_t *value_len);
static unsigned ngx_ws_guard_inflate_bits(const unsigned char *value,
    size_t len);
static const unsigned char *ngx_ws_guard_inflate_token(
    const unsigned char *p, const unsigned char *end);
static const unsigned char *ngx_ws_guard_inflate_ows(const unsigned char *p,
    const unsigned char *end);
static int ngx_ws_guard_inflate_eq(const unsigned char *p, size_t len,
    const char *s);


/* LEN and NLEN of the empty stored block a sender strips (RFC 7692, 7.2.1) */
static const unsigned char  ngx_ws_guard_inflate_tail[4] = {
    0x00, 0x00, 0xff, 0xff
};


int
ngx_ws_guard_inflate_begin(ngx_ws_guard_inflate_t *inf)
{
    switch (inf->state) {

    case sw_idle:
        break;

    case sw_error:
        if (!inf->zinit || !inf->conf.dir.no_context_takeover) {
            return NGX_WS_GUARD_ERROR;
        }

        break;

    default:
        if (!inf->conf.dir.no_context_takeover) {
            return ngx_ws_guard_inflate_fail(inf,
                                           NGX_WS_GUARD_INFLATE_CLOSE_INTERNAL,
                                           "compression context lost",
                                           "message left unfinished");
        }

        break;
    }

    if (inf->conf.dir.no_context_takeover) {
        if (inflateReset(&inf->zs) != Z_OK) {
            return ngx_ws_guard_inflate_fail(inf,
                                           NGX_WS_GUARD_INFLATE_CLOSE_INTERNAL,
                                           "inflate failed", "inflateReset");
        }
    }

    inf->state = sw_message;
    inf->size = 0;
    inf->pending = 0;
    inf->ended = 0;
    inf->extra = 0;
    inf->tail_pos = 0;
    inf->err_code = 0;
    inf->err_reason = NULL;
    inf->err_detail = NULL;

    return NGX_WS_GUARD_OK;
}


int
ngx_ws_guard_inflate_feed(ngx_ws_guard_inflate_t *inf,
    const unsigned char *buf, size_t len, size_t *pos,
    const unsigned char **out, size_t *out_len)
{
    if (inf->state != sw_message) {

        if (inf->state == sw_error) {
            return NGX_WS_GUARD_ERROR;
        }

        return ngx_ws_guard_inflate_fail(inf,
                                         NGX_WS_GUARD_INFLATE_CLOSE_INTERNAL,
                                         "inflate failed",
                                         "data outside a message");
    }

    return ngx_ws_guard_inflate_run(inf, buf, len, pos, out, out_len);
}


int
ngx_ws_guard_inflate_end(ngx_ws_guard_inflate_t *inf,
    const unsigned char **out, size_t *out_len)
{
    int  rc;

    switch (inf->state) {

    case sw_message:
        inf->state = sw_tail;

        /* after a final block in the payload the tail is not inflated */

        inf->tail_pos = inf->ended ? sizeof(ngx_ws_guard_inflate_tail) : 0;
        inf->tail_size = inf->size;
        break;

    case sw_tail:
        break;

    case sw_error:
        return NGX_WS_GUARD_ERROR;

    default:
        return ngx_ws_guard_inflate_fail(inf,
                                         NGX_WS_GUARD_INFLATE_CLOSE_INTERNAL,
                                         "inflate failed",
                                         "end outside a message");
    }

    rc = ngx_ws_guard_inflate_run(inf, ngx_ws_guard_inflate_tail,
                                  sizeof(ngx_ws_guard_inflate_tail),
                                  &inf->tail_pos, out, out_len);

    if (rc != NGX_WS_GUARD_AGAIN) {
        return rc;
    }

    if (inf->ended) {

        /* the sender's stream is over; it starts a new one, window empty */

        if (inflateReset(&inf->zs) != Z_OK) {
            return ngx_ws_guard_inflate_fail(inf,
                                           NGX_WS_GUARD_INFLATE_CLOSE_INTERNAL,
                                           "inflate failed", "inflateReset");
        }

    } else if (inf->size != inf->tail_size
               || (inf->zs.data_type & NGX_WS_GUARD_INFLATE_BOUNDARY_MASK)
                  != NGX_WS_GUARD_INFLATE_BOUNDARY)
    {
        /*
         * inside a block: the sender did not end the message with an
         * empty stored block, so the next would start at another place
         * for the receiver than for the sender.  The tail, an empty
         * stored block, makes no output: if it did, it was taken as data
         * (zlib's data_type alone depends on how the input was cut)
         */

        return ngx_ws_guard_inflate_fail(inf, NGX_WS_GUARD_CLOSE_INVALID_DATA,
                                         NGX_WS_GUARD_INFLATE_INVALID,
                                         "message ends inside a block");
    }

    inf->state = sw_idle;
    inf->messages++;

    return NGX_WS_GUARD_INFLATE_DONE;
}


/*
 * Inflates in[*pos .. len - 1] (payload, or the tail in sw_tail) until a
 * span of output is ready, the input is used up, or an error.
 */

static int
ngx_ws_guard_inflate_run(ngx_ws_guard_inflate_t *inf,
    const unsigned char *in, size_t len, size_t *pos,
    const unsigned char **out, size_t *out_len)
{
    int          rc;
    uInt         in_n, out_n;
    size_t       n, used, made;
    unsigned     code;
    const char  *reason, *detail;

    out_n = inf->conf.out_size > UINT_MAX ? UINT_MAX
                                          : (uInt) inf->conf.out_size;

    for ( ;; ) {

        if (inf->ended) {
            n = len - *pos;

            if (n == 0) {
                return NGX_WS_GUARD_AGAIN;
            }

            /*
             * after a final block: one byte of payload, the header of the
             * empty stored block whose LEN and NLEN are the tail
             */

            if (inf->state == sw_tail || inf->extra + n > 1 || in[*pos] > 1)
            {
                return ngx_ws_guard_inflate_fail(inf,
                                               NGX_WS_GUARD_CLOSE_INVALID_DATA,
                                               NGX_WS_GUARD_INFLATE_INVALID,
                                               "data after the final block");
            }

            inf->extra = 1;
            inf->bytes_in++;
            *pos = len;

            return NGX_WS_GUARD_AGAIN;
        }

        if (*pos == len && !inf->pending) {
            return NGX_WS_GUARD_AGAIN;
        }

        n = len - *pos;
        in_n = n > UINT_MAX ? UINT_MAX : (uInt) n;

        inf->zs.next_in = (Bytef *) (in + *pos);
        inf->zs.avail_in = in_n;
        inf->zs.next_out = inf->conf.out;
        inf->zs.avail_out = out_n;

        rc = inflate(&inf->zs, Z_SYNC_FLUSH);

        used = in_n - inf->zs.avail_in;
        made = out_n - inf->zs.avail_out;

        *pos += used;

        if (inf->state == sw_message) {
            inf->bytes_in += used;
        }

        /* a full window: there may be more output without more input */
        inf->pending = (inf->zs.avail_out == 0);

        code = 0;
        reason = NULL;
        detail = NULL;

        switch (rc) {

        case Z_OK:
        case Z_BUF_ERROR:
            break;

        case Z_STREAM_END:
            inf->ended = 1;
            inf->pending = 0;
            break;

        case Z_DATA_ERROR:
        case Z_NEED_DICT:
            code = NGX_WS_GUARD_CLOSE_INVALID_DATA;
            reason = NGX_WS_GUARD_INFLATE_INVALID;
            detail = inf->zs.msg ? inf->zs.msg : "inflate data error";
            break;

        case Z_MEM_ERROR:
            code = NGX_WS_GUARD_INFLATE_CLOSE_INTERNAL;
            reason = "out of memory";
            detail = "inflate";
            break;

        default:
            code = NGX_WS_GUARD_INFLATE_CLOSE_INTERNAL;
            reason = "inflate failed";
            detail = inf->zs.msg ? inf->zs.msg : "inflate stream error";
            break;
        }

        if (made) {

            /*
             * the bytes up to the limit are given in any case, so that the
             * output does not depend on how input and window are cut
             */

            if (inf->conf.max_output
                && made > inf->conf.max_output - inf->size)
            {
                made = (size_t) (inf->conf.max_output - inf->size);
                code = NGX_WS_GUARD_CLOSE_TOO_BIG;
                reason = "message too big";
                detail = "inflated size limit";
            }

            if (made) {
                inf->size += made;
                inf->bytes_out += made;

                /* the error is set; the next call returns it */

                if (code) {
                    (void) ngx_ws_guard_inflate_fail(inf, code, reason,
                                                     detail);
                }

                *out = inf->conf.out;
                *out_len = made;

                return NGX_WS_GUARD_OK;
            }
        }

        if (code) {
            return ngx_ws_guard_inflate_fail(inf, code, reason, detail);
        }

        if (used == 0 && *pos != len && !inf->ended) {

            /* with input and room zlib always moves; never spin */

            return ngx_ws_guard_inflate_fail(inf,
                                           NGX_WS_GUARD_INFLATE_CLOSE_INTERNAL,
                                           "inflate failed",
                                           "inflate made no progress");
        }
    }
}


static int
ngx_ws_guard_inflate_fail(ngx_ws_guard_inflate_t *inf, unsigned code,
    const char *reason, const char *detail)
{
    inf->state = sw_error;
    inf->err_code = code;
    inf->err_reason = reason;
    inf->err_detail = detail;

    return NGX_WS_GUARD_ERROR;
}


int
ngx_ws_guard_inflate_init(ngx_ws_guard_inflate_t *inf,
    const ngx_ws_guard_inflate_conf_t *conf)
{
    int            bits, rc;
    unsigned char  dict;

    memset(inf, 0, sizeof(ngx_ws_guard_inflate_t));

    inf->conf = *conf;

    if (conf->dir.window_bits < 8 || conf->dir.window_bits > 15
        || conf->out == NULL || conf->out_size == 0
        || (conf->alloc == NULL) != (conf->free == NULL))
    {
        return ngx_ws_guard_inflate_fail(inf,
                                         NGX_WS_GUARD_INFLATE_CLOSE_INTERNAL,
                                         "inflate failed",
                                         "invalid configuration");
    }

    /* see the header: raw streams of 8 window bits are inflated with 9 */

    bits = conf->dir.window_bits == 8 ? 9 : (int) conf->dir.window_bits;

    inf->zs.zalloc = ngx_ws_guard_inflate_zalloc;
    inf->zs.zfree = ngx_ws_guard_inflate_zfree;
    inf->zs.opaque = inf;
    inf->zs.next_in = Z_NULL;
    inf->zs.avail_in = 0;

    rc = inflateInit2(&inf->zs, -bits);

    if (rc != Z_OK) {
        return ngx_ws_guard_inflate_fail(inf,
                                         NGX_WS_GUARD_INFLATE_CLOSE_INTERNAL,
                                         rc == Z_MEM_ERROR ? "out of memory"
                                                           : "inflate failed",
                                         "inflateInit2");
    }

    inf->zinit = 1;

    /*
     * zlib allocates the window at the first output; a dictionary makes
     * it do so now, and the reset forgets the dictionary but keeps the
     * window, so that no message ever allocates
     */

    dict = 0;

    rc = inflateSetDictionary(&inf->zs, &dict, 1);

    if (rc == Z_OK) {
        rc = inflateReset(&inf->zs);
    }

    if (rc != Z_OK) {
        ngx_ws_guard_inflate_free(inf);

        return ngx_ws_guard_inflate_fail(inf,
                                         NGX_WS_GUARD_INFLATE_CLOSE_INTERNAL,
                                         rc == Z_MEM_ERROR ? "out of memory"
                                                           : "inflate failed",
                                         "window");
    }

    inf->state = sw_idle;

    return NGX_WS_GUARD_OK;
}


void
ngx_ws_guard_inflate_free(ngx_ws_guard_inflate_t *inf)
{
    if (inf->zinit) {
        (void) inflateEnd(&inf->zs);
        inf->zinit = 0;
    }

    inf->state = sw_error;
}


static voidpf
ngx_ws_guard_inflate_zalloc(voidpf opaque, uInt items, uInt size)
{
    size_t                   n;
    unsigned char           *p;
    ngx_ws_guard_inflate_t  *inf;

    inf = opaque;

    if (size != 0
        && items > (SIZE_MAX - NGX_WS_GUARD_INFLATE_HEADER) / size)
    {
        return Z_NULL;
    }

    n = (size_t) items * size + NGX_WS_GUARD_INFLATE_HEADER;

    if (inf->conf.alloc) {
        p = inf->conf.alloc(inf->conf.opaque, n);

    } else {
        p = malloc(n);
    }

    if (p == NULL) {
        return Z_NULL;
    }

    memcpy(p, &n, sizeof(size_t));

    inf->memory += n;

    if (inf->memory > inf->memory_peak) {
        inf->memory_peak = inf->memory;
    }

    return p + NGX_WS_GUARD_INFLATE_HEADER;
}


static void
ngx_ws_guard_inflate_zfree(voidpf opaque, voidpf p)
{
    size_t                   n;
    unsigned char           *h;
    ngx_ws_guard_inflate_t  *inf;

    if (p == Z_NULL) {
        return;
    }

    inf = opaque;
    h = (unsigned char *) p - NGX_WS_GUARD_INFLATE_HEADER;

    memcpy(&n, h, sizeof(size_t));

    inf->memory -= n;

    if (inf->conf.free) {
        inf->conf.free(inf->conf.opaque, h);

    } else {
        free(h);
    }
}


int
ngx_ws_guard_inflate_parse_response(const unsigned char *value, size_t len,
    ngx_ws_guard_inflate_params_t *params, unsigned *others,
    const char **err)
{
    int                          rc, found;
    unsigned                     n;
    const unsigned char         *p, *end;
    ngx_ws_guard_inflate_ext_t   ext;

    memset(params, 0, sizeof(ngx_ws_guard_inflate_params_t));

    p = value;
    end = value + len;
    found = 0;
    n = 0;

    while ((rc = ngx_ws_guard_inflate_next_ext(&p, end, &ext))
           == NGX_WS_GUARD_OK)
    {
        if (!ngx_ws_guard_inflate_ext_is_deflate(&ext)) {
            n++;
            continue;
        }

        if (found) {
            *err = "permessage-deflate accepted twice";
            return NGX_WS_GUARD_ERROR;
        }

        if (ngx_ws_guard_inflate_parse_params(&ext, 1, params, err)
            != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }

        found = 1;
    }

    if (rc == NGX_WS_GUARD_ERROR) {
        *err = "malformed extension list";
        return NGX_WS_GUARD_ERROR;
    }

    if (others) {
        *others = n;
    }

    return found ? NGX_WS_GUARD_OK : NGX_WS_GUARD_DECLINED;
}


int
ngx_ws_guard_inflate_response_allowed(const unsigned char *offer, size_t len,
    const ngx_ws_guard_inflate_params_t *response)
{
    int                             rc, allowed;
    const char                     *err;
    const unsigned char            *p, *end;
    ngx_ws_guard_inflate_ext_t      ext;
    ngx_ws_guard_inflate_params_t   o;

    p = offer;
    end = offer + len;
    allowed = 0;

    while ((rc = ngx_ws_guard_inflate_next_ext(&p, end, &ext))
           == NGX_WS_GUARD_OK)
    {
        if (!ngx_ws_guard_inflate_ext_is_deflate(&ext)) {
            continue;
        }

        /* an invalid offer is one no server may accept */

        if (ngx_ws_guard_inflate_parse_params(&ext, 0, &o, &err)
            != NGX_WS_GUARD_OK)
        {
            continue;
        }

        if (ngx_ws_guard_inflate_allows(&o, response)) {
            allowed = 1;
        }
    }

    if (rc == NGX_WS_GUARD_ERROR) {
        return NGX_WS_GUARD_ERROR;
    }

    return allowed ? NGX_WS_GUARD_OK : NGX_WS_GUARD_DECLINED;
}


/* RFC 7692, 7.1: what a response accepting offer o may say */

static int
ngx_ws_guard_inflate_allows(const ngx_ws_guard_inflate_params_t *o,
    const ngx_ws_guard_inflate_params_t *r)
{
    /* a server accepting this must confirm it (7.1.1.1) */

    if (o->server_no_context_takeover && !r->server_no_context_takeover) {
        return 0;
    }

    /* the same or a smaller value (7.1.2.1) */

    if (o->server_max_window_bits
        && (r->server_max_window_bits == 0
            || r->server_max_window_bits > o->server_max_window_bits))
    {
        return 0;
    }

    /* only if offered, and no more than offered (7.1.2.2) */

    if (r->client_max_window_bits) {

        if (o->client_max_window_bits == 0) {
            return 0;
        }

        if (o->client_max_window_bits != NGX_WS_GUARD_INFLATE_NO_VALUE
            && r->client_max_window_bits > o->client_max_window_bits)
        {
            return 0;
        }
    }

    /* server_max_window_bits and both no_context_takeover: always allowed */

    return 1;
}


void
ngx_ws_guard_inflate_negotiated(const ngx_ws_guard_inflate_params_t *response,
    ngx_ws_guard_inflate_dir_t *client, ngx_ws_guard_inflate_dir_t *server)
{
    unsigned  bits;

    bits = response->client_max_window_bits;

    client->window_bits = (bits >= 8 && bits <= 15) ? bits : 15;
    client->no_context_takeover = response->client_no_context_takeover ? 1
                                                                       : 0;

    bits = response->server_max_window_bits;

    server->window_bits = (bits >= 8 && bits <= 15) ? bits : 15;
    server->no_context_takeover = response->server_no_context_takeover ? 1
                                                                       : 0;
}


int
ngx_ws_guard_inflate_parse_params(const ngx_ws_guard_inflate_ext_t *ext,
    int response, ngx_ws_guard_inflate_params_t *params, const char **err)
{
    int                   rc;
    size_t                name_len, value_len;
    unsigned             *flag, *bits;
    const unsigned char  *p, *end, *name, *value;

    memset(params, 0, sizeof(ngx_ws_guard_inflate_params_t));

    p = ext->params;
    end = ext->params + ext->params_len;

    while ((rc = ngx_ws_guard_inflate_next_param(&p, end, &name, &name_len,
                                                 &value, &value_len))
           == NGX_WS_GUARD_OK)
    {
        flag = NULL;
        bits = NULL;

        if (ngx_ws_guard_inflate_eq(name, name_len,
                                    "server_no_context_takeover"))
        {
            flag = &params->server_no_context_takeover;

        } else if (ngx_ws_guard_inflate_eq(name, name_len,
                                           "client_no_context_takeover"))
        {
            flag = &params->client_no_context_takeover;

        } else if (ngx_ws_guard_inflate_eq(name, name_len,
                                           "server_max_window_bits"))
        {
            bits = &params->server_max_window_bits;

        } else if (ngx_ws_guard_inflate_eq(name, name_len,
                                           "client_max_window_bits"))
        {
            bits = &params->client_max_window_bits;

        } else {
            *err = "unknown permessage-deflate parameter";
            return NGX_WS_GUARD_ERROR;
        }

        if (flag) {

            if (*flag) {
                *err = "duplicate permessage-deflate parameter";
                return NGX_WS_GUARD_ERROR;
            }

            if (value) {
                *err = "unexpected permessage-deflate parameter value";
                return NGX_WS_GUARD_ERROR;
            }

            *flag = 1;
            continue;
        }

        if (*bits) {
            *err = "duplicate permessage-deflate parameter";
            return NGX_WS_GUARD_ERROR;
        }

        if (value == NULL) {

            /* an offer's client_max_window_bits may go without a value */

            if (!response && bits == &params->client_max_window_bits) {
                *bits = NGX_WS_GUARD_INFLATE_NO_VALUE;
                continue;
            }

            *err = "missing permessage-deflate window bits";
            return NGX_WS_GUARD_ERROR;
        }

        *bits = ngx_ws_guard_inflate_bits(value, value_len);

        if (*bits == 0) {
            *err = "invalid permessage-deflate window bits";
            return NGX_WS_GUARD_ERROR;
        }
    }

    if (rc == NGX_WS_GUARD_ERROR) {
        *err = "malformed extension parameters";
        return NGX_WS_GUARD_ERROR;
    }

    return NGX_WS_GUARD_OK;
}


int
ngx_ws_guard_inflate_ext_is_deflate(const ngx_ws_guard_inflate_ext_t *ext)
{
    return ngx_ws_guard_inflate_eq(ext->name, ext->name_len,
                                   "permessage-deflate");
}


int
ngx_ws_guard_inflate_next_ext(const unsigned char **pos,
    const unsigned char *end, ngx_ws_guard_inflate_ext_t *ext)
{
    int                   rc;
    size_t                name_len, value_len;
    const unsigned char  *p, *q, *name, *value;

    p = *pos;

    /* empty elements of the list are allowed (RFC 7230, 7) */

    for ( ;; ) {
        p = ngx_ws_guard_inflate_ows(p, end);

        if (p == end || *p != ',') {
            break;
        }

        p++;
    }

    if (p == end) {
        *pos = p;
        return NGX_WS_GUARD_DECLINED;
    }

    q = ngx_ws_guard_inflate_token(p, end);

    if (q == p) {
        return NGX_WS_GUARD_ERROR;
    }

    ext->name = p;
    ext->name_len = q - p;
    ext->params = q;

    while ((rc = ngx_ws_guard_inflate_next_param(&q, end, &name, &name_len,
                                                 &value, &value_len))
           == NGX_WS_GUARD_OK)
    {
        /* void */
    }

    if (rc == NGX_WS_GUARD_ERROR) {
        return NGX_WS_GUARD_ERROR;
    }

    ext->params_len = q - ext->params;
    *pos = q;

    return NGX_WS_GUARD_OK;
}


/*
 * One ";" name ["=" value] at *pos.  Returns NGX_WS_GUARD_DECLINED at the
 * end of the element (the end or a ","), NGX_WS_GUARD_ERROR on bad syntax.
 * value is NULL without "="; a quoted value is given inside its quotes.
 */

static int
ngx_ws_guard_inflate_next_param(const unsigned char **pos,
    const unsigned char *end, const unsigned char **name, size_t *name_len,
    const unsigned char **value, size_t *value_len)
{
    const unsigned char  *p, *q;

    p = ngx_ws_guard_inflate_ows(*pos, end);

    if (p == end || *p == ',') {
        *pos = p;
        return NGX_WS_GUARD_DECLINED;
    }

    if (*p != ';') {
        return NGX_WS_GUARD_ERROR;
    }

    p = ngx_ws_guard_inflate_ows(p + 1, end);
    q = ngx_ws_guard_inflate_token(p, end);

    if (q == p) {
        return NGX_WS_GUARD_ERROR;
    }

    *name = p;
    *name_len = q - p;
    *value = NULL;
    *value_len = 0;

    p = ngx_ws_guard_inflate_ows(q, end);

    if (p == end || *p != '=') {
        *pos = q;
        return NGX_WS_GUARD_OK;
    }

    p = ngx_ws_guard_inflate_ows(p + 1, end);

    if (p < end && *p == '"') {

        /* quoted-string: qdtext and quoted-pair (RFC 7230, 3.2.6) */

        q = ++p;

        for ( ;; ) {

            if (q == end) {
                return NGX_WS_GUARD_ERROR;
            }

            if (*q == '"') {
                break;
            }

            if (*q == '\\') {
                q++;

                if (q == end
                    || (*q < 0x20 && *q != '\t') || *q == 0x7f)
                {
                    return NGX_WS_GUARD_ERROR;
                }

            } else if ((*q < 0x20 && *q != '\t') || *q == 0x7f) {
                return NGX_WS_GUARD_ERROR;
            }

            q++;
        }

        *value = p;
        *value_len = q - p;
        *pos = q + 1;

        return NGX_WS_GUARD_OK;
    }

    q = ngx_ws_guard_inflate_token(p, end);

    if (q == p) {
        return NGX_WS_GUARD_ERROR;
    }

    *value = p;
    *value_len = q - p;
    *pos = q;

    return NGX_WS_GUARD_OK;
}


/*
 * Window bits: 8 .. 15 without leading zeroes, perhaps as quoted-pairs;
 * 0 if the value is anything else.
 */

static unsigned
ngx_ws_guard_inflate_bits(const unsigned char *value, size_t len)
{
    size_t    i, n;
    unsigned  v;

    v = 0;
    n = 0;

    for (i = 0; i < len; i++) {

        if (value[i] == '\\' && i + 1 < len) {
            i++;
        }

        if (value[i] < '0' || value[i] > '9' || ++n > 2) {
            return 0;
        }

        if (n == 2 && v == 0) {
            return 0;
        }

        v = v * 10 + (value[i] - '0');
    }

    return (v >= 8 && v <= 15) ? v : 0;
}


static const unsigned char *
ngx_ws_guard_inflate_token(const unsigned char *p, const unsigned char *end)
{
    unsigned char  c;

    /* tchar (RFC 7230, 3.2.6) */

    while (p < end) {
        c = *p;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9')
            || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL))
        {
            p++;
            continue;
        }

        break;
    }

    return p;
}


static const unsigned char *
ngx_ws_guard_inflate_ows(const unsigned char *p, const unsigned char *end)
{
    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    return p;
}


/* ASCII caseless comparison of p with the lowercase literal s */

static int
ngx_ws_guard_inflate_eq(const unsigned char *p, size_t len, const char *s)
{
    size_t         i;
    unsigned char  c;

    for (i = 0; i < len; i++) {
        c = p[i];

        if (c >= 'A' && c <= 'Z') {
            c |= 0x20;
        }

        if (s[i] == '\0' || c != (unsigned char) s[i]) {
            return 0;
        }
    }

    return s[len] == '\0';
}
