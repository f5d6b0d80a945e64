
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Unit tests of permessage-deflate: negotiation parsing, and the inflater
 * against zlib's own deflate as the sender (raw, Z_SYNC_FLUSH, the trailing
 * 00 00 ff ff stripped as RFC 7692, 7.2.1 says).
 */


#include "ngx_ws_guard_inflate.h"
#include "unit.h"


#define OUT_MAX      4096
#define MSG_MAX      (256 * 1024)
#define COLLECT_MAX  (1024 * 1024)

#define MIB          (1024 * 1024)

#define RESPONSE     1
#define OFFER        0


/* what one message gave */

typedef struct {
    int              rc;           /* DONE or ERROR */
    unsigned         err_code;
    const char      *err_reason;
    unsigned char   *data;         /* the first COLLECT_MAX bytes */
    size_t           len;          /* bytes given in spans */
    size_t           spans;
    size_t           max_span;
    uint64_t         hash;         /* FNV-1a of every byte given */
} result_t;


/* zlib as the sending peer */

typedef struct {
    z_stream         zs;
    int              no_context_takeover;
} sender_t;


typedef struct {
    const char      *value;
    int              rc;
    unsigned         snct;
    unsigned         cnct;
    unsigned         smwb;
    unsigned         cmwb;
    unsigned         others;
} response_case_t;


typedef struct {
    const char      *offer;
    const char      *response;
    int              rc;
} allowed_case_t;


/* counting allocation hooks */

typedef struct {
    unsigned         allocs;
    unsigned         frees;
    size_t           fail_after;   /* refuse once this many bytes given */
    size_t           given;
} pool_t;


static void result_init(result_t *r);
static void result_add(result_t *r, const unsigned char *p, size_t n);
static void result_free(result_t *r);
static uint64_t lcg(uint64_t *x);
static void conf_make(ngx_ws_guard_inflate_conf_t *conf, unsigned bits,
    unsigned nct, uint64_t max, size_t out_size);
static int sender_init(sender_t *s, int bits, int nct);
static size_t sender_message(sender_t *s, const unsigned char *data,
    size_t len, unsigned char *out, size_t size);
static void sender_free(sender_t *s);
static void inflate_message(ngx_ws_guard_inflate_t *inf,
    const unsigned char *payload, size_t len, size_t chunk, result_t *r);
static void inflate_hex(ngx_ws_guard_inflate_t *inf, const char *hex,
    result_t *r);
static void *pool_alloc(void *opaque, size_t size);
static void pool_free(void *opaque, void *p);

static void test_response(void);
static void test_offer(void);
static void test_allowed(void);
static void test_negotiated(void);
static void test_rfc_examples(void);
static void test_bfinal(void);
static void test_corrupt(void);
static void test_round_trips(void);
static void test_context(void);
static void test_window_bits(void);
static void test_limit(void);
static void test_bomb(void);
static void test_memory(void);
static void test_states(void);


static unsigned char  out_window[OUT_MAX];
static unsigned char  msg_buf[MSG_MAX];
static unsigned char  wire_buf[MSG_MAX + 1024];


static void
result_init(result_t *r)
{
    memset(r, 0, sizeof(result_t));

    r->hash = 0xcbf29ce484222325ULL;
    r->data = malloc(COLLECT_MAX);

    if (r->data == NULL) {
        abort();
    }
}


static void
result_add(result_t *r, const unsigned char *p, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        r->hash = (r->hash ^ p[i]) * 0x100000001b3ULL;
    }

    if (r->len < COLLECT_MAX) {
        memcpy(r->data + r->len, p,
               n < COLLECT_MAX - r->len ? n : COLLECT_MAX - r->len);
    }

    r->len += n;
    r->spans++;

    if (n > r->max_span) {
        r->max_span = n;
    }
}


static void
result_free(result_t *r)
{
    free(r->data);
    r->data = NULL;
}


static uint64_t
lcg(uint64_t *x)
{
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;

    return *x >> 33;
}


static void
conf_make(ngx_ws_guard_inflate_conf_t *conf, unsigned bits, unsigned nct,
    uint64_t max, size_t out_size)
{
    memset(conf, 0, sizeof(ngx_ws_guard_inflate_conf_t));

    conf->dir.window_bits = bits;
    conf->dir.no_context_takeover = nct;
    conf->max_output = max;
    conf->out = out_window;
    conf->out_size = out_size;
}


static int
sender_init(sender_t *s, int bits, int nct)
{
    memset(s, 0, sizeof(sender_t));

    s->no_context_takeover = nct;

    return deflateInit2(&s->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -bits, 8,
                        Z_DEFAULT_STRATEGY);
}


/* one message as a peer sends it: Z_SYNC_FLUSH, tail stripped */

static size_t
sender_message(sender_t *s, const unsigned char *data, size_t len,
    unsigned char *out, size_t size)
{
    int     rc;
    size_t  n;

    s->zs.next_in = (Bytef *) data;
    s->zs.avail_in = (uInt) len;
    s->zs.next_out = out;
    s->zs.avail_out = (uInt) size;

    /* as websockets does: data, then a flush, also for an empty message */

    rc = deflate(&s->zs, Z_NO_FLUSH);

    if ((rc != Z_OK && rc != Z_BUF_ERROR) || s->zs.avail_in != 0) {
        abort();
    }

    rc = deflate(&s->zs, Z_SYNC_FLUSH);

    if (rc != Z_OK || s->zs.avail_out == 0) {
        abort();
    }

    n = size - s->zs.avail_out;

    if (n < 4 || memcmp(out + n - 4, "\x00\x00\xff\xff", 4) != 0) {
        abort();
    }

    if (s->no_context_takeover) {
        (void) deflateReset(&s->zs);
    }

    return n - 4;
}


static void
sender_free(sender_t *s)
{
    (void) deflateEnd(&s->zs);
}


/* inflates one message fed in chunks of chunk bytes (0: all at once) */

static void
inflate_message(ngx_ws_guard_inflate_t *inf, const unsigned char *payload,
    size_t len, size_t chunk, result_t *r)
{
    int                   rc;
    size_t                from, n, pos, out_len;
    const unsigned char  *out;

    rc = ngx_ws_guard_inflate_begin(inf);

    if (rc != NGX_WS_GUARD_OK) {
        goto failed;
    }

    from = 0;

    do {
        n = len - from;

        if (chunk && n > chunk) {
            n = chunk;
        }

        pos = 0;

        while ((rc = ngx_ws_guard_inflate_feed(inf, payload + from, n, &pos,
                                               &out, &out_len))
               == NGX_WS_GUARD_OK)
        {
            if (out_len == 0 || out != out_window
                || out_len > inf->conf.out_size)
            {
                abort();
            }

            result_add(r, out, out_len);
        }

        if (rc != NGX_WS_GUARD_AGAIN) {
            goto failed;
        }

        if (pos != n) {
            abort();
        }

        from += n;

    } while (from < len);

    while ((rc = ngx_ws_guard_inflate_end(inf, &out, &out_len))
           == NGX_WS_GUARD_OK)
    {
        if (out_len == 0 || out_len > inf->conf.out_size) {
            abort();
        }

        result_add(r, out, out_len);
    }

    r->rc = rc;

    if (rc == NGX_WS_GUARD_INFLATE_DONE) {
        return;
    }

failed:

    r->rc = rc;
    r->err_code = inf->err_code;
    r->err_reason = inf->err_reason;
}


static void
inflate_hex(ngx_ws_guard_inflate_t *inf, const char *hex, result_t *r)
{
    size_t         n;
    unsigned int   b;
    unsigned char  buf[256];

    n = 0;

    while (*hex) {

        if (*hex == ' ') {
            hex++;
            continue;
        }

        if (sscanf(hex, "%2x", &b) != 1 || n == sizeof(buf)) {
            abort();
        }

        buf[n++] = (unsigned char) b;
        hex += 2;
    }

    inflate_message(inf, buf, n, 0, r);
}


static void *
pool_alloc(void *opaque, size_t size)
{
    pool_t  *pool;

    pool = opaque;

    if (pool->fail_after && pool->given + size > pool->fail_after) {
        return NULL;
    }

    pool->allocs++;
    pool->given += size;

    return malloc(size);
}


static void
pool_free(void *opaque, void *p)
{
    pool_t  *pool;

    pool = opaque;
    pool->frees++;

    free(p);
}


static void
test_response(void)
{
    int                             rc;
    size_t                          i;
    unsigned                        others;
    const char                     *err;
    ngx_ws_guard_inflate_params_t   params;

    static const response_case_t  cases[] = {

        { "permessage-deflate", NGX_WS_GUARD_OK, 0, 0, 0, 0, 0 },
        { "permessage-deflate; server_no_context_takeover",
          NGX_WS_GUARD_OK, 1, 0, 0, 0, 0 },
        { "permessage-deflate;client_no_context_takeover;"
          "server_max_window_bits=10;client_max_window_bits=9",
          NGX_WS_GUARD_OK, 0, 1, 10, 9, 0 },
        { "  Permessage-Deflate ;\tSERVER_NO_CONTEXT_TAKEOVER  ",
          NGX_WS_GUARD_OK, 1, 0, 0, 0, 0 },
        { "permessage-deflate; server_max_window_bits=\"12\"",
          NGX_WS_GUARD_OK, 0, 0, 12, 0, 0 },
        { "permessage-deflate; server_max_window_bits = 8",
          NGX_WS_GUARD_OK, 0, 0, 8, 0, 0 },
        { "permessage-deflate; client_max_window_bits=\"1\\5\"",
          NGX_WS_GUARD_OK, 0, 0, 0, 15, 0 },
        { "x-foo, permessage-deflate; client_max_window_bits=15, "
          "y; a=\"b,c;d\"", NGX_WS_GUARD_OK, 0, 0, 0, 15, 2 },
        { ", ,permessage-deflate,,", NGX_WS_GUARD_OK, 0, 0, 0, 0, 0 },

        { "", NGX_WS_GUARD_DECLINED, 0, 0, 0, 0, 0 },
        { " , ", NGX_WS_GUARD_DECLINED, 0, 0, 0, 0, 0 },
        { "x-webkit-deflate-frame", NGX_WS_GUARD_DECLINED, 0, 0, 0, 0, 1 },
        { "permessage-deflatex; a=1, deflate-frame",
          NGX_WS_GUARD_DECLINED, 0, 0, 0, 0, 2 },

        { "permessage-deflate; server_max_window_bits",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; client_max_window_bits",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; server_max_window_bits=7",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; server_max_window_bits=16",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; server_max_window_bits=08",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; server_max_window_bits=010",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; server_max_window_bits=9x",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; server_max_window_bits=\"\"",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; server_max_window_bits=",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; server_max_window_bits=10 10",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; client_max_window_bits=-9",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; server_no_context_takeover; "
          "server_no_context_takeover", NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; client_no_context_takeover; "
          "Client_No_Context_Takeover", NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; server_max_window_bits=10; "
          "server_max_window_bits=10", NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; client_max_window_bits=10; "
          "client_max_window_bits=11", NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; server_no_context_takeover=1",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; client_no_context_takeover=\"\"",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; foo", NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; server_max_window_bits_x=10",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate, permessage-deflate",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; client_max_window_bits=10, x, "
          "PERMESSAGE-DEFLATE", NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate;", NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; ;server_no_context_takeover",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; a=\"unterminated",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; a=\"bad\x01\"",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage deflate", NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate; =10", NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate server_no_context_takeover",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "x; a=b c, permessage-deflate",
          NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "\"permessage-deflate\"", NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 },
        { "permessage-deflate=1", NGX_WS_GUARD_ERROR, 0, 0, 0, 0, 0 }
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err = NULL;
        others = 99;

        rc = ngx_ws_guard_inflate_parse_response(
                 (const unsigned char *) cases[i].value,
                 strlen(cases[i].value), &params, &others, &err);

        if (rc != cases[i].rc) {
            fprintf(stderr, "response case %zu: \"%s\"\n", i,
                    cases[i].value);
        }

        CHECK_EQ_INT(rc, cases[i].rc);

        if (rc == NGX_WS_GUARD_ERROR) {
            CHECK(err != NULL);
            continue;
        }

        CHECK_EQ_INT(others, cases[i].others);

        if (rc != NGX_WS_GUARD_OK) {
            continue;
        }

        CHECK_EQ_INT(params.server_no_context_takeover, cases[i].snct);
        CHECK_EQ_INT(params.client_no_context_takeover, cases[i].cnct);
        CHECK_EQ_INT(params.server_max_window_bits, cases[i].smwb);
        CHECK_EQ_INT(params.client_max_window_bits, cases[i].cmwb);
    }

    /* others may be NULL; the value need not be NUL-terminated */

    rc = ngx_ws_guard_inflate_parse_response(
             (const unsigned char *) "permessage-deflate; "
                                     "server_max_window_bits=9XYZ",
             sizeof("permessage-deflate; server_max_window_bits=9") - 1,
             &params, NULL, &err);

    CHECK_EQ_INT(rc, NGX_WS_GUARD_OK);
    CHECK_EQ_INT(params.server_max_window_bits, 9);
}


static void
test_offer(void)
{
    int                             rc;
    const char                     *err;
    const unsigned char            *p, *end;
    ngx_ws_guard_inflate_ext_t      ext;
    ngx_ws_guard_inflate_params_t   params;

    static const char  offer[] =
        "permessage-deflate; client_max_window_bits, "
        "permessage-deflate; client_max_window_bits=10; "
        "server_max_window_bits=12; server_no_context_takeover, "
        "x-other; q=\"1\"";

    p = (const unsigned char *) offer;
    end = p + sizeof(offer) - 1;

    rc = ngx_ws_guard_inflate_next_ext(&p, end, &ext);
    CHECK_EQ_INT(rc, NGX_WS_GUARD_OK);
    CHECK(ngx_ws_guard_inflate_ext_is_deflate(&ext));

    /* no value: valid in an offer, not in a response */

    rc = ngx_ws_guard_inflate_parse_params(&ext, OFFER, &params, &err);
    CHECK_EQ_INT(rc, NGX_WS_GUARD_OK);
    CHECK_EQ_INT(params.client_max_window_bits,
                 NGX_WS_GUARD_INFLATE_NO_VALUE);

    rc = ngx_ws_guard_inflate_parse_params(&ext, RESPONSE, &params, &err);
    CHECK_EQ_INT(rc, NGX_WS_GUARD_ERROR);

    rc = ngx_ws_guard_inflate_next_ext(&p, end, &ext);
    CHECK_EQ_INT(rc, NGX_WS_GUARD_OK);

    rc = ngx_ws_guard_inflate_parse_params(&ext, OFFER, &params, &err);
    CHECK_EQ_INT(rc, NGX_WS_GUARD_OK);
    CHECK_EQ_INT(params.client_max_window_bits, 10);
    CHECK_EQ_INT(params.server_max_window_bits, 12);
    CHECK_EQ_INT(params.server_no_context_takeover, 1);
    CHECK_EQ_INT(params.client_no_context_takeover, 0);

    rc = ngx_ws_guard_inflate_next_ext(&p, end, &ext);
    CHECK_EQ_INT(rc, NGX_WS_GUARD_OK);
    CHECK(!ngx_ws_guard_inflate_ext_is_deflate(&ext));
    CHECK_EQ_INT(ext.name_len, 7);
    CHECK(memcmp(ext.name, "x-other", 7) == 0);
    CHECK_EQ_INT(ext.params_len, 7);
    CHECK(memcmp(ext.params, "; q=\"1\"", 7) == 0);

    rc = ngx_ws_guard_inflate_next_ext(&p, end, &ext);
    CHECK_EQ_INT(rc, NGX_WS_GUARD_DECLINED);
    CHECK(p == end);

    rc = ngx_ws_guard_inflate_next_ext(&p, end, &ext);
    CHECK_EQ_INT(rc, NGX_WS_GUARD_DECLINED);
}


static void
test_allowed(void)
{
    int                             rc;
    size_t                          i;
    const char                     *err;
    ngx_ws_guard_inflate_params_t   response;

    static const allowed_case_t  cases[] = {

        { "permessage-deflate", "permessage-deflate", NGX_WS_GUARD_OK },
        { "permessage-deflate; client_max_window_bits",
          "permessage-deflate", NGX_WS_GUARD_OK },

        /* client_max_window_bits only if offered, at most as offered */

        { "permessage-deflate",
          "permessage-deflate; client_max_window_bits=10",
          NGX_WS_GUARD_DECLINED },
        { "permessage-deflate; client_max_window_bits",
          "permessage-deflate; client_max_window_bits=10",
          NGX_WS_GUARD_OK },
        { "permessage-deflate; client_max_window_bits=9",
          "permessage-deflate; client_max_window_bits=10",
          NGX_WS_GUARD_DECLINED },
        { "permessage-deflate; client_max_window_bits=9",
          "permessage-deflate; client_max_window_bits=9",
          NGX_WS_GUARD_OK },
        { "permessage-deflate; client_max_window_bits=9",
          "permessage-deflate; client_max_window_bits=8",
          NGX_WS_GUARD_OK },

        /* server_no_context_takeover offered must be confirmed */

        { "permessage-deflate; server_no_context_takeover",
          "permessage-deflate", NGX_WS_GUARD_DECLINED },
        { "permessage-deflate; server_no_context_takeover",
          "permessage-deflate; server_no_context_takeover",
          NGX_WS_GUARD_OK },

        /* a server may always add these */

        { "permessage-deflate",
          "permessage-deflate; server_no_context_takeover",
          NGX_WS_GUARD_OK },
        { "permessage-deflate",
          "permessage-deflate; client_no_context_takeover",
          NGX_WS_GUARD_OK },
        { "permessage-deflate",
          "permessage-deflate; server_max_window_bits=10",
          NGX_WS_GUARD_OK },

        /* server_max_window_bits offered: same or smaller, and present */

        { "permessage-deflate; server_max_window_bits=10",
          "permessage-deflate", NGX_WS_GUARD_DECLINED },
        { "permessage-deflate; server_max_window_bits=10",
          "permessage-deflate; server_max_window_bits=11",
          NGX_WS_GUARD_DECLINED },
        { "permessage-deflate; server_max_window_bits=10",
          "permessage-deflate; server_max_window_bits=10",
          NGX_WS_GUARD_OK },
        { "permessage-deflate; server_max_window_bits=10",
          "permessage-deflate; server_max_window_bits=8",
          NGX_WS_GUARD_OK },

        /* any of several offers */

        { "permessage-deflate; server_max_window_bits=10, "
          "permessage-deflate", "permessage-deflate", NGX_WS_GUARD_OK },
        { "permessage-deflate; server_max_window_bits=10, "
          "permessage-deflate; server_no_context_takeover",
          "permessage-deflate", NGX_WS_GUARD_DECLINED },
        { "x-foo, permessage-deflate; client_max_window_bits",
          "permessage-deflate; client_max_window_bits=12",
          NGX_WS_GUARD_OK },

        /* no offer, or only invalid ones */

        { "", "permessage-deflate", NGX_WS_GUARD_DECLINED },
        { "x-webkit-deflate-frame", "permessage-deflate",
          NGX_WS_GUARD_DECLINED },
        { "permessage-deflate; bogus", "permessage-deflate",
          NGX_WS_GUARD_DECLINED },
        { "permessage-deflate; server_max_window_bits",
          "permessage-deflate", NGX_WS_GUARD_DECLINED },
        { "permessage-deflate; bogus, permessage-deflate",
          "permessage-deflate", NGX_WS_GUARD_OK },

        /* a malformed list */

        { "permessage-deflate;;", "permessage-deflate", NGX_WS_GUARD_ERROR },
        { "permessage-deflate, x=1", "permessage-deflate",
          NGX_WS_GUARD_ERROR }
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {

        rc = ngx_ws_guard_inflate_parse_response(
                 (const unsigned char *) cases[i].response,
                 strlen(cases[i].response), &response, NULL, &err);

        CHECK_EQ_INT(rc, NGX_WS_GUARD_OK);

        rc = ngx_ws_guard_inflate_response_allowed(
                 (const unsigned char *) cases[i].offer,
                 strlen(cases[i].offer), &response);

        if (rc != cases[i].rc) {
            fprintf(stderr, "allowed case %zu: \"%s\" / \"%s\"\n", i,
                    cases[i].offer, cases[i].response);
        }

        CHECK_EQ_INT(rc, cases[i].rc);
    }
}


static void
test_negotiated(void)
{
    size_t                          i;
    const char                     *err;
    ngx_ws_guard_inflate_dir_t      client, server;
    ngx_ws_guard_inflate_params_t   params;

    /* a response, and the window bits and no_context_takeover each way */

    static const struct {
        const char  *response;
        unsigned     client_bits, client_nct, server_bits, server_nct;
    } cases[] = {
        { "permessage-deflate", 15, 0, 15, 0 },
        { "permessage-deflate; client_max_window_bits=10;"
          " server_no_context_takeover", 10, 0, 15, 1 },
        { "permessage-deflate; server_max_window_bits=8;"
          " client_no_context_takeover", 15, 1, 8, 0 }
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK_EQ_INT(ngx_ws_guard_inflate_parse_response(
                         (const unsigned char *) cases[i].response,
                         strlen(cases[i].response), &params, NULL, &err),
                     NGX_WS_GUARD_OK);

        ngx_ws_guard_inflate_negotiated(&params, &client, &server);

        CHECK_EQ_INT(client.window_bits, cases[i].client_bits);
        CHECK_EQ_INT(client.no_context_takeover, cases[i].client_nct);
        CHECK_EQ_INT(server.window_bits, cases[i].server_bits);
        CHECK_EQ_INT(server.no_context_takeover, cases[i].server_nct);
    }
}


/* the payloads of RFC 7692, 7.2.3 */

static void
test_rfc_examples(void)
{
    result_t                     r;
    ngx_ws_guard_inflate_t       inf;
    ngx_ws_guard_inflate_conf_t  conf;

    conf_make(&conf, 15, 0, 0, OUT_MAX);
    CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf), NGX_WS_GUARD_OK);

    /* "Hello", then "Hello" again referring to the first */

    result_init(&r);
    inflate_hex(&inf, "f2 48 cd c9 c9 07 00", &r);
    CHECK_EQ_INT(r.rc, NGX_WS_GUARD_INFLATE_DONE);
    CHECK(r.len == 5 && memcmp(r.data, "Hello", 5) == 0);
    CHECK_EQ_INT(inf.size, 5);
    result_free(&r);

    result_init(&r);
    inflate_hex(&inf, "f2 00 11 00 00", &r);
    CHECK_EQ_INT(r.rc, NGX_WS_GUARD_INFLATE_DONE);
    CHECK(r.len == 5 && memcmp(r.data, "Hello", 5) == 0);
    result_free(&r);

    /* a stored block */

    result_init(&r);
    inflate_hex(&inf, "00 05 00 fa ff 48 65 6c 6c 6f 00", &r);
    CHECK_EQ_INT(r.rc, NGX_WS_GUARD_INFLATE_DONE);
    CHECK(r.len == 5 && memcmp(r.data, "Hello", 5) == 0);
    result_free(&r);

    /* an empty message is one byte */

    result_init(&r);
    inflate_hex(&inf, "00", &r);
    CHECK_EQ_INT(r.rc, NGX_WS_GUARD_INFLATE_DONE);
    CHECK_EQ_INT(r.len, 0);
    result_free(&r);

    CHECK_EQ_INT(inf.messages, 4);
    CHECK_EQ_INT(inf.bytes_in, 7 + 5 + 11 + 1);
    CHECK_EQ_INT(inf.bytes_out, 15);

    /* an empty payload does not end on a block boundary */

    result_init(&r);
    inflate_hex(&inf, "", &r);
    CHECK_EQ_INT(r.rc, NGX_WS_GUARD_ERROR);
    CHECK_EQ_INT(r.err_code, NGX_WS_GUARD_CLOSE_INVALID_DATA);
    CHECK(r.err_reason && strcmp(r.err_reason, "invalid compressed data")
                          == 0);
    result_free(&r);

    ngx_ws_guard_inflate_free(&inf);
}


static void
test_bfinal(void)
{
    size_t                       i;
    result_t                     r;
    ngx_ws_guard_inflate_t       inf;
    ngx_ws_guard_inflate_conf_t  conf;

    static const char  *good[] = {
        "f3 48 cd c9 c9 07 00 00",    /* RFC 7692, 7.2.3: an empty stored */
        "f3 48 cd c9 c9 07 00",       /* Z_FINISH, nothing appended */
        "f3 48 cd c9 c9 07 00 01",    /* a final empty stored block */
        "01 05 00 fa ff 48 65 6c 6c 6f"    /* a final stored block */
    };

    static const char  *bad[] = {
        "f3 48 cd c9 c9 07 00 00 00",
        "f3 48 cd c9 c9 07 00 02",
        "f3 48 cd c9 c9 07 00 f2 48 cd c9 c9 07 00",
        "f3 48 cd c9 c9 07 00 00 00 00 ff ff"
    };

    conf_make(&conf, 15, 0, 0, OUT_MAX);
    CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf), NGX_WS_GUARD_OK);

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        result_init(&r);
        inflate_hex(&inf, good[i], &r);
        CHECK_EQ_INT(r.rc, NGX_WS_GUARD_INFLATE_DONE);
        CHECK(r.len == 5 && memcmp(r.data, "Hello", 5) == 0);
        result_free(&r);
    }

    /* "01": a final empty stored block whose LEN and NLEN are the tail */

    result_init(&r);
    inflate_hex(&inf, "01", &r);
    CHECK_EQ_INT(r.rc, NGX_WS_GUARD_INFLATE_DONE);
    CHECK_EQ_INT(r.len, 0);
    result_free(&r);

    /* after a final block the window starts empty: no back reference */

    result_init(&r);
    inflate_hex(&inf, "f3 48 cd c9 c9 07 00 00", &r);
    CHECK_EQ_INT(r.rc, NGX_WS_GUARD_INFLATE_DONE);
    result_free(&r);

    result_init(&r);
    inflate_hex(&inf, "f2 00 11 00 00", &r);
    CHECK_EQ_INT(r.rc, NGX_WS_GUARD_ERROR);
    CHECK_EQ_INT(r.err_code, NGX_WS_GUARD_CLOSE_INVALID_DATA);
    result_free(&r);

    ngx_ws_guard_inflate_free(&inf);

    /* anything more after the final block */

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        conf_make(&conf, 15, 0, 0, OUT_MAX);
        CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf),
                     NGX_WS_GUARD_OK);

        result_init(&r);
        inflate_hex(&inf, bad[i], &r);
        CHECK_EQ_INT(r.rc, NGX_WS_GUARD_ERROR);
        CHECK_EQ_INT(r.err_code, NGX_WS_GUARD_CLOSE_INVALID_DATA);
        CHECK(inf.err_detail != NULL
              && strcmp(inf.err_detail, "data after the final block") == 0);
        result_free(&r);

        ngx_ws_guard_inflate_free(&inf);
    }
}


static void
test_corrupt(void)
{
    size_t                       i;
    result_t                     r;
    ngx_ws_guard_inflate_t       inf;
    ngx_ws_guard_inflate_conf_t  conf;

    static const char  *bad[] = {
        "ff ff ff ff",                     /* block type 3 */
        "07",                              /* final, type 3 */
        "00 05 00 00 00 48 65 6c 6c 6f 00",    /* NLEN is not ~LEN */
        "f2 00 11 00 00",                  /* distance before the start */
        "f2 48 cd",                        /* truncated: ends in a block */
        "f2 48 cd c9 c9 07",               /* no empty stored block */
        "00 05 00 fa ff 48 65"             /* stored block cut short */
    };

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        conf_make(&conf, 15, 0, 0, OUT_MAX);
        CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf),
                     NGX_WS_GUARD_OK);

        result_init(&r);
        inflate_hex(&inf, bad[i], &r);

        if (r.rc != NGX_WS_GUARD_ERROR) {
            fprintf(stderr, "corrupt case %zu inflated\n", i);
        }

        CHECK_EQ_INT(r.rc, NGX_WS_GUARD_ERROR);
        CHECK_EQ_INT(r.err_code, NGX_WS_GUARD_CLOSE_INVALID_DATA);
        CHECK(r.err_reason
              && strcmp(r.err_reason, "invalid compressed data") == 0);
        CHECK(inf.err_detail != NULL);

        /* sticky */

        CHECK_EQ_INT(ngx_ws_guard_inflate_begin(&inf), NGX_WS_GUARD_ERROR);
        CHECK_EQ_INT(inf.err_code, NGX_WS_GUARD_CLOSE_INVALID_DATA);

        result_free(&r);
        ngx_ws_guard_inflate_free(&inf);
    }
}


/*
 * Text and binary messages through zlib and back: whole, one byte at a
 * time and in odd chunks, into windows of 4096, 7 and 1 bytes; every run
 * must give the message itself.
 */

static void
test_round_trips(void)
{
    size_t                       i, k, c, len, wire_len, size;
    uint64_t                     x, hash;
    result_t                     r;
    sender_t                     s;
    ngx_ws_guard_inflate_t       inf;
    ngx_ws_guard_inflate_conf_t  conf;

    static const size_t  sizes[] = { 0, 1, 5, 100, 4095, 4096, 4097, 70000,
                                     200000 };
    static const size_t  chunks[] = { 0, 1, 3, 1000 };
    static const size_t  windows[] = { OUT_MAX, 7, 1 };
    static const char    words[8][7] = { "guard ", "frame ", "close ",
                                         "{\"a\":1", "},\"b\":",
                                         "\xc3\xa9t\xc3\xa9 ", "nginx\n",
                                         "ws ok " };

    x = 42;

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {

        for (k = 0; k < 2; k++) {
            len = sizes[i];

            /* k 0: text of repeated words, k 1: random bytes */

            for (size = 0; size < len; size++) {

                if (k == 0) {
                    msg_buf[size] =
                        (unsigned char) words[(size / 6 * 5) % 8][size % 6];

                } else {
                    msg_buf[size] = (unsigned char) lcg(&x);
                }
            }

            if (sender_init(&s, 15, 0) != Z_OK) {
                abort();
            }

            wire_len = sender_message(&s, msg_buf, len, wire_buf,
                                      sizeof(wire_buf));
            sender_free(&s);

            hash = 0;

            for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {

                conf_make(&conf, 15, c & 1, 0,
                          windows[c % (sizeof(windows) / sizeof(windows[0]))]);

                CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf),
                             NGX_WS_GUARD_OK);

                result_init(&r);
                inflate_message(&inf, wire_buf, wire_len, chunks[c], &r);

                CHECK_EQ_INT(r.rc, NGX_WS_GUARD_INFLATE_DONE);
                CHECK_EQ_INT(r.len, len);
                CHECK(memcmp(r.data, msg_buf, len) == 0);
                CHECK(r.max_span <= conf.out_size);

                if (c == 0) {
                    hash = r.hash;

                } else {
                    CHECK(r.hash == hash);
                }

                result_free(&r);
                ngx_ws_guard_inflate_free(&inf);
            }
        }
    }
}


/*
 * A run of messages from one sender keeping its context, and from one
 * resetting it: the first needs an inflater that keeps its window too.
 */

static void
test_context(void)
{
    size_t                       i, j, n, wire_len[8], total;
    result_t                     r;
    sender_t                     s;
    ngx_ws_guard_inflate_t       inf;
    ngx_ws_guard_inflate_conf_t  conf;
    unsigned char               *wire[8];

    static const char  *msgs[8] = {
        "{\"action\":\"subscribe\",\"channel\":\"prices\",\"id\":1}",
        "{\"action\":\"subscribe\",\"channel\":\"prices\",\"id\":2}",
        "{\"action\":\"subscribe\",\"channel\":\"trades\",\"id\":3}",
        "{\"action\":\"unsubscribe\",\"channel\":\"prices\",\"id\":4}",
        "",
        "{\"action\":\"subscribe\",\"channel\":\"prices\",\"id\":5}",
        "x",
        "{\"action\":\"subscribe\",\"channel\":\"prices\",\"id\":6}"
    };

    for (i = 0; i < 8; i++) {
        wire[i] = malloc(256);

        if (wire[i] == NULL) {
            abort();
        }
    }

    /* sender keeps its window */

    if (sender_init(&s, 15, 0) != Z_OK) {
        abort();
    }

    total = 0;

    for (i = 0; i < 8; i++) {
        wire_len[i] = sender_message(&s, (const unsigned char *) msgs[i],
                                     strlen(msgs[i]), wire[i], 256);
        total += wire_len[i];
    }

    sender_free(&s);

    /* later messages are smaller than the first: they refer back */

    CHECK(wire_len[1] < wire_len[0] / 2);

    for (j = 0; j < 2; j++) {

        /* j 0: whole, j 1: a byte at a time */

        conf_make(&conf, 15, 0, 0, OUT_MAX);
        CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf),
                     NGX_WS_GUARD_OK);

        for (i = 0; i < 8; i++) {
            result_init(&r);
            inflate_message(&inf, wire[i], wire_len[i], j, &r);
            n = strlen(msgs[i]);
            CHECK_EQ_INT(r.rc, NGX_WS_GUARD_INFLATE_DONE);
            CHECK(r.len == n && memcmp(r.data, msgs[i], n) == 0);
            result_free(&r);
        }

        CHECK_EQ_INT(inf.messages, 8);
        CHECK_EQ_INT(inf.bytes_in, total);
        ngx_ws_guard_inflate_free(&inf);
    }

    /* the same messages into an inflater that resets: the second fails */

    conf_make(&conf, 15, 1, 0, OUT_MAX);
    CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf), NGX_WS_GUARD_OK);

    result_init(&r);
    inflate_message(&inf, wire[0], wire_len[0], 0, &r);
    CHECK_EQ_INT(r.rc, NGX_WS_GUARD_INFLATE_DONE);
    result_free(&r);

    result_init(&r);
    inflate_message(&inf, wire[1], wire_len[1], 0, &r);
    CHECK_EQ_INT(r.rc, NGX_WS_GUARD_ERROR);
    CHECK_EQ_INT(r.err_code, NGX_WS_GUARD_CLOSE_INVALID_DATA);
    result_free(&r);

    /* with no_context_takeover the next message starts afresh */

    result_init(&r);
    inflate_message(&inf, wire[0], wire_len[0], 0, &r);
    CHECK_EQ_INT(r.rc, NGX_WS_GUARD_INFLATE_DONE);
    CHECK(r.len == strlen(msgs[0]));
    result_free(&r);

    ngx_ws_guard_inflate_free(&inf);

    /* sender resetting: both kinds of inflater take it */

    if (sender_init(&s, 15, 1) != Z_OK) {
        abort();
    }

    for (i = 0; i < 8; i++) {
        wire_len[i] = sender_message(&s, (const unsigned char *) msgs[i],
                                     strlen(msgs[i]), wire[i], 256);
    }

    sender_free(&s);

    CHECK(wire_len[1] > wire_len[0] / 2);

    for (j = 0; j < 2; j++) {
        conf_make(&conf, 15, j, 0, OUT_MAX);
        CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf),
                     NGX_WS_GUARD_OK);

        for (i = 0; i < 8; i++) {
            result_init(&r);
            inflate_message(&inf, wire[i], wire_len[i], 1, &r);
            n = strlen(msgs[i]);
            CHECK_EQ_INT(r.rc, NGX_WS_GUARD_INFLATE_DONE);
            CHECK(r.len == n && memcmp(r.data, msgs[i], n) == 0);
            result_free(&r);
        }

        ngx_ws_guard_inflate_free(&inf);
    }

    for (i = 0; i < 8; i++) {
        free(wire[i]);
    }
}


/*
 * Window bits.  zlib's deflate with 9 bits (its smallest for raw streams)
 * keeps 262 bytes of lookahead in its 512-byte window, so it never refers
 * further back than 250; an inflater for 8 bits uses 9 and so also takes
 * distances up to 512 from other deflaters (a 15-bit one here), while 8 or
 * 9 bits refuse a distance of 1000 -- when the bytes it refers to are no
 * longer in zlib's current output span: inflate() lets a distance reach
 * into the output of the same call, so with a large window and the input
 * whole it may take a distance beyond the window, with the right bytes.
 */

static void
test_window_bits(void)
{
    int                          rc;
    size_t                       i, t, wire_len;
    uint64_t                     x;
    result_t                     r;
    sender_t                     s;
    z_stream                     zs;
    ngx_ws_guard_inflate_t       inf;
    ngx_ws_guard_inflate_conf_t  conf;

    static const size_t  period[] = { 200, 300, 1000 };
    static const int     sender_bits[] = { 9, 15, 15 };
    static const size_t  least_bits[] = { 8, 8, 10 };

    memset(&zs, 0, sizeof(z_stream));
    rc = deflateInit2(&zs, 6, Z_DEFLATED, -8, 8, Z_DEFAULT_STRATEGY);

    if (rc == Z_OK) {
        (void) deflateEnd(&zs);
    }

    printf("# zlib %s: raw deflateInit2 with 8 window bits: %s\n",
           zlibVersion(), rc == Z_OK ? "accepted" : "refused");

    x = 7;

    for (t = 0; t < 3; t++) {

        /* random bytes repeated with this period: 4 KiB */

        for (i = 0; i < period[t]; i++) {
            msg_buf[i] = (unsigned char) lcg(&x);
        }

        for (i = period[t]; i < 4096; i++) {
            msg_buf[i] = msg_buf[i - period[t]];
        }

        if (sender_init(&s, sender_bits[t], 0) != Z_OK) {
            abort();
        }

        wire_len = sender_message(&s, msg_buf, 4096, wire_buf,
                                  sizeof(wire_buf));
        sender_free(&s);

        /* it did refer back */

        CHECK(wire_len < period[t] + 200);

        for (i = 8; i <= 15; i++) {

            /* output spans of 64 bytes: references need the window */

            conf_make(&conf, i, 0, 0, 64);
            CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf),
                         NGX_WS_GUARD_OK);

            result_init(&r);
            inflate_message(&inf, wire_buf, wire_len, 1, &r);

            if (i < least_bits[t]) {
                CHECK_EQ_INT(r.rc, NGX_WS_GUARD_ERROR);
                CHECK_EQ_INT(r.err_code, NGX_WS_GUARD_CLOSE_INVALID_DATA);
                CHECK(inf.err_detail != NULL
                      && strcmp(inf.err_detail,
                                "invalid distance too far back") == 0);

            } else {
                CHECK_EQ_INT(r.rc, NGX_WS_GUARD_INFLATE_DONE);
                CHECK(r.len == 4096 && memcmp(r.data, msg_buf, 4096) == 0);
            }

            result_free(&r);
            ngx_ws_guard_inflate_free(&inf);

            /* whole, one span: refused, or the right bytes */

            conf_make(&conf, i, 0, 0, OUT_MAX);
            CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf),
                         NGX_WS_GUARD_OK);

            result_init(&r);
            inflate_message(&inf, wire_buf, wire_len, 0, &r);

            if (r.rc == NGX_WS_GUARD_INFLATE_DONE) {
                CHECK(r.len == 4096 && memcmp(r.data, msg_buf, 4096) == 0);

                if (i < least_bits[t]) {
                    printf("# window bits %zu: distance %zu taken from the "
                           "output span\n", i, period[t]);
                }

            } else {
                CHECK(i < least_bits[t]);
                CHECK_EQ_INT(r.err_code, NGX_WS_GUARD_CLOSE_INVALID_DATA);
            }

            result_free(&r);
            ngx_ws_guard_inflate_free(&inf);
        }
    }
}


/*
 * The limit is exact: max_output bytes pass, one more fails, and the bytes
 * given before the failure are the message's first max_output, whatever
 * the chunking and the window.
 */

static void
test_limit(void)
{
    size_t                       i, c, w, wire_len;
    result_t                     r;
    sender_t                     s;
    ngx_ws_guard_inflate_t       inf;
    ngx_ws_guard_inflate_conf_t  conf;

    static const size_t  chunks[] = { 0, 1, 13 };
    static const size_t  windows[] = { OUT_MAX, 1000, 7, 1 };

    for (i = 0; i < 10000; i++) {
        msg_buf[i] = (unsigned char) ("abcdefgh"[(i * 7) % 8] + i / 1000);
    }

    if (sender_init(&s, 15, 0) != Z_OK) {
        abort();
    }

    wire_len = sender_message(&s, msg_buf, 10000, wire_buf,
                              sizeof(wire_buf));
    sender_free(&s);

    for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
        for (w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {

            conf_make(&conf, 15, 0, 10000, windows[w]);
            CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf),
                         NGX_WS_GUARD_OK);

            result_init(&r);
            inflate_message(&inf, wire_buf, wire_len, chunks[c], &r);
            CHECK_EQ_INT(r.rc, NGX_WS_GUARD_INFLATE_DONE);
            CHECK_EQ_INT(r.len, 10000);
            result_free(&r);
            ngx_ws_guard_inflate_free(&inf);

            conf_make(&conf, 15, 0, 9999, windows[w]);
            CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf),
                         NGX_WS_GUARD_OK);

            result_init(&r);
            inflate_message(&inf, wire_buf, wire_len, chunks[c], &r);
            CHECK_EQ_INT(r.rc, NGX_WS_GUARD_ERROR);
            CHECK_EQ_INT(r.err_code, NGX_WS_GUARD_CLOSE_TOO_BIG);
            CHECK(r.err_reason
                  && strcmp(r.err_reason, "message too big") == 0);
            CHECK_EQ_INT(r.len, 9999);
            CHECK(memcmp(r.data, msg_buf, 9999) == 0);
            CHECK_EQ_INT(inf.size, 9999);
            result_free(&r);

            /* sticky: with context takeover the stream is lost */

            CHECK_EQ_INT(ngx_ws_guard_inflate_begin(&inf),
                         NGX_WS_GUARD_ERROR);

            ngx_ws_guard_inflate_free(&inf);
        }
    }
}


/*
 * 100 MiB of zeros, deflated, against a limit of 1 MiB: the inflater must
 * stop after at most max_output + window bytes of inflation, allocate
 * nothing, and give exactly max_output bytes.
 */

static void
test_bomb(void)
{
    int                          rc;
    size_t                       i, c, bomb_len, bomb_size;
    pool_t                       pool;
    result_t                     r;
    z_stream                     zs;
    unsigned char               *zeros, *bomb;
    ngx_ws_guard_inflate_t       inf;
    ngx_ws_guard_inflate_conf_t  conf;

    static const size_t  chunks[] = { 0, 1, 4096 };

    zeros = calloc(1, MIB);
    bomb_size = 256 * 1024;
    bomb = malloc(bomb_size);

    if (zeros == NULL || bomb == NULL) {
        abort();
    }

    memset(&zs, 0, sizeof(z_stream));

    if (deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY)
        != Z_OK)
    {
        abort();
    }

    zs.next_out = bomb;
    zs.avail_out = (uInt) bomb_size;

    for (i = 0; i < 100; i++) {
        zs.next_in = zeros;
        zs.avail_in = MIB;

        rc = deflate(&zs, i == 99 ? Z_SYNC_FLUSH : Z_NO_FLUSH);

        if (rc != Z_OK || zs.avail_in != 0 || zs.avail_out == 0) {
            abort();
        }
    }

    bomb_len = bomb_size - zs.avail_out - 4;
    (void) deflateEnd(&zs);
    free(zeros);

    printf("# bomb: 100 MiB of zeros deflate to %zu bytes\n", bomb_len);
    CHECK(bomb_len < 110 * 1024);

    for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
        memset(&pool, 0, sizeof(pool_t));

        conf_make(&conf, 15, 0, MIB, OUT_MAX);
        conf.alloc = pool_alloc;
        conf.free = pool_free;
        conf.opaque = &pool;

        CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf),
                     NGX_WS_GUARD_OK);
        CHECK(pool.allocs > 0);

        i = pool.allocs;

        result_init(&r);
        inflate_message(&inf, bomb, bomb_len, chunks[c], &r);

        CHECK_EQ_INT(r.rc, NGX_WS_GUARD_ERROR);
        CHECK_EQ_INT(r.err_code, NGX_WS_GUARD_CLOSE_TOO_BIG);
        CHECK_EQ_INT(r.len, MIB);
        CHECK(r.max_span <= OUT_MAX);

        /* inflation work: what zlib wrote, given or not */

        CHECK(inf.zs.total_out <= MIB + OUT_MAX);

        /* and the input it took to get there: about 1 KiB per MiB */

        CHECK(inf.bytes_in < 4096);

        CHECK_EQ_INT(pool.allocs, i);
        result_free(&r);

        ngx_ws_guard_inflate_free(&inf);
        CHECK_EQ_INT(pool.frees, pool.allocs);
        CHECK_EQ_INT(inf.memory, 0);
    }

    /* without a limit it is a valid message of 100 MiB, counted */

    conf_make(&conf, 15, 0, 0, OUT_MAX);
    CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf), NGX_WS_GUARD_OK);

    result_init(&r);
    inflate_message(&inf, bomb, bomb_len, 0, &r);
    CHECK_EQ_INT(r.rc, NGX_WS_GUARD_INFLATE_DONE);
    CHECK_EQ_INT(r.len, 100 * MIB);
    CHECK_EQ_INT(inf.size, 100 * MIB);
    CHECK(r.max_span <= OUT_MAX);
    result_free(&r);

    ngx_ws_guard_inflate_free(&inf);
    free(bomb);
}


static void
test_memory(void)
{
    size_t                       i, j, wire_len, peak;
    pool_t                       pool;
    result_t                     r;
    sender_t                     s;
    ngx_ws_guard_inflate_t       inf;
    ngx_ws_guard_inflate_conf_t  conf;

    for (i = 0; i < 20000; i++) {
        msg_buf[i] = (unsigned char) ("memory "[i % 7] ^ (i / 500));
    }

    for (i = 8; i <= 15; i++) {
        memset(&pool, 0, sizeof(pool_t));

        conf_make(&conf, i, 0, 0, OUT_MAX);
        conf.alloc = pool_alloc;
        conf.free = pool_free;
        conf.opaque = &pool;

        CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf),
                     NGX_WS_GUARD_OK);

        CHECK_EQ_INT(inf.memory, pool.given);
        CHECK_EQ_INT(pool.allocs, 2);
        CHECK(inf.memory >= ((size_t) 1 << (i == 8 ? 9 : i)));
        CHECK(inf.memory <= ((size_t) 1 << (i == 8 ? 9 : i)) + 12 * 1024);

        if (i == 8 || i == 9 || i == 15) {
            printf("# memory per inflater, window bits %zu: %zu bytes "
                   "in %u allocations\n", i, inf.memory, pool.allocs);
        }

        peak = inf.memory;

        /* messages allocate nothing */

        if (sender_init(&s, i == 8 ? 9 : (int) i, 0) != Z_OK) {
            abort();
        }

        for (j = 0; j < 5; j++) {
            wire_len = sender_message(&s, msg_buf, 20000, wire_buf,
                                      sizeof(wire_buf));

            result_init(&r);
            inflate_message(&inf, wire_buf, wire_len, 0, &r);
            CHECK_EQ_INT(r.rc, NGX_WS_GUARD_INFLATE_DONE);
            CHECK(r.len == 20000 && memcmp(r.data, msg_buf, 20000) == 0);
            result_free(&r);
        }

        sender_free(&s);

        CHECK_EQ_INT(pool.allocs, 2);
        CHECK_EQ_INT(inf.memory, peak);
        CHECK_EQ_INT(inf.memory_peak, peak);

        ngx_ws_guard_inflate_free(&inf);

        CHECK_EQ_INT(inf.memory, 0);
        CHECK_EQ_INT(pool.frees, 2);

        /* free twice is harmless */

        ngx_ws_guard_inflate_free(&inf);
        CHECK_EQ_INT(pool.frees, 2);
    }

    /* an allocator that refuses: the state, then the window */

    for (i = 0; i < 2; i++) {
        memset(&pool, 0, sizeof(pool_t));
        pool.fail_after = i == 0 ? 100 : 8 * 1024;

        conf_make(&conf, 15, 0, 0, OUT_MAX);
        conf.alloc = pool_alloc;
        conf.free = pool_free;
        conf.opaque = &pool;

        CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf),
                     NGX_WS_GUARD_ERROR);
        CHECK(inf.err_reason && strcmp(inf.err_reason, "out of memory") == 0);
        CHECK_EQ_INT(inf.memory, 0);
        CHECK_EQ_INT(pool.frees, pool.allocs);
        CHECK_EQ_INT(pool.allocs, i);

        CHECK_EQ_INT(ngx_ws_guard_inflate_begin(&inf), NGX_WS_GUARD_ERROR);
        ngx_ws_guard_inflate_free(&inf);
    }

    /* the default allocator is counted too */

    conf_make(&conf, 15, 0, 0, OUT_MAX);
    CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf), NGX_WS_GUARD_OK);
    CHECK(inf.memory > 32768);
    ngx_ws_guard_inflate_free(&inf);
    CHECK_EQ_INT(inf.memory, 0);
}


static void
test_states(void)
{
    size_t                       pos, out_len;
    result_t                     r;
    ngx_ws_guard_inflate_t       inf;
    ngx_ws_guard_inflate_conf_t  conf;
    const unsigned char         *out;

    static const unsigned char  hello[] = {
        0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00
    };

    /* bad configurations */

    conf_make(&conf, 7, 0, 0, OUT_MAX);
    CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf), NGX_WS_GUARD_ERROR);
    CHECK_EQ_INT(inf.err_code, NGX_WS_GUARD_INFLATE_CLOSE_INTERNAL);

    conf_make(&conf, 16, 0, 0, OUT_MAX);
    CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf), NGX_WS_GUARD_ERROR);

    conf_make(&conf, 15, 0, 0, 0);
    CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf), NGX_WS_GUARD_ERROR);

    conf_make(&conf, 15, 0, 0, OUT_MAX);
    conf.out = NULL;
    CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf), NGX_WS_GUARD_ERROR);

    conf_make(&conf, 15, 0, 0, OUT_MAX);
    conf.alloc = pool_alloc;
    CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf), NGX_WS_GUARD_ERROR);
    ngx_ws_guard_inflate_free(&inf);

    /* feed or end outside a message */

    conf_make(&conf, 15, 0, 0, OUT_MAX);
    CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf), NGX_WS_GUARD_OK);

    pos = 0;
    CHECK_EQ_INT(ngx_ws_guard_inflate_feed(&inf, hello, sizeof(hello), &pos,
                                           &out, &out_len),
                 NGX_WS_GUARD_ERROR);
    CHECK_EQ_INT(inf.err_code, NGX_WS_GUARD_INFLATE_CLOSE_INTERNAL);
    ngx_ws_guard_inflate_free(&inf);

    CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(ngx_ws_guard_inflate_end(&inf, &out, &out_len),
                 NGX_WS_GUARD_ERROR);
    ngx_ws_guard_inflate_free(&inf);

    /* zero-length feeds and a message left half way, with takeover */

    CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(ngx_ws_guard_inflate_begin(&inf), NGX_WS_GUARD_OK);

    pos = 0;
    CHECK_EQ_INT(ngx_ws_guard_inflate_feed(&inf, hello, 0, &pos, &out,
                                           &out_len),
                 NGX_WS_GUARD_AGAIN);

    pos = 0;
    CHECK_EQ_INT(ngx_ws_guard_inflate_feed(&inf, hello, 3, &pos, &out,
                                           &out_len),
                 NGX_WS_GUARD_OK);
    CHECK(out_len > 0 && out_len <= 5 && memcmp(out, "Hello", out_len) == 0);

    CHECK_EQ_INT(ngx_ws_guard_inflate_begin(&inf), NGX_WS_GUARD_ERROR);
    CHECK_EQ_INT(inf.err_code, NGX_WS_GUARD_INFLATE_CLOSE_INTERNAL);
    CHECK(inf.err_reason
          && strcmp(inf.err_reason, "compression context lost") == 0);
    CHECK_EQ_INT(ngx_ws_guard_inflate_begin(&inf), NGX_WS_GUARD_ERROR);
    ngx_ws_guard_inflate_free(&inf);

    /* without takeover: a new message may start any time, errors pass */

    conf_make(&conf, 15, 1, 0, OUT_MAX);
    CHECK_EQ_INT(ngx_ws_guard_inflate_init(&inf, &conf), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(ngx_ws_guard_inflate_begin(&inf), NGX_WS_GUARD_OK);

    pos = 0;
    CHECK_EQ_INT(ngx_ws_guard_inflate_feed(&inf, hello, 3, &pos, &out,
                                           &out_len),
                 NGX_WS_GUARD_OK);

    result_init(&r);
    inflate_hex(&inf, "ff ff", &r);
    CHECK_EQ_INT(r.rc, NGX_WS_GUARD_ERROR);
    CHECK_EQ_INT(r.err_code, NGX_WS_GUARD_CLOSE_INVALID_DATA);
    result_free(&r);

    /* further calls in the failed message keep failing */

    pos = 0;
    CHECK_EQ_INT(ngx_ws_guard_inflate_feed(&inf, hello, sizeof(hello), &pos,
                                           &out, &out_len),
                 NGX_WS_GUARD_ERROR);
    CHECK_EQ_INT(ngx_ws_guard_inflate_end(&inf, &out, &out_len),
                 NGX_WS_GUARD_ERROR);

    result_init(&r);
    inflate_message(&inf, hello, sizeof(hello), 1, &r);
    CHECK_EQ_INT(r.rc, NGX_WS_GUARD_INFLATE_DONE);
    CHECK(r.len == 5 && memcmp(r.data, "Hello", 5) == 0);
    result_free(&r);

    CHECK_EQ_INT(inf.messages, 1);
    ngx_ws_guard_inflate_free(&inf);
}


int
main(void)
{
    test_response();
    test_offer();
    test_allowed();
    test_negotiated();
    test_rfc_examples();
    test_bfinal();
    test_corrupt();
    test_round_trips();
    test_context();
    test_window_bits();
    test_limit();
    test_bomb();
    test_memory();
    test_states();

    return unit_done("inflate");
}
