/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Fuzz target of the streaming JSON parser, two properties:
 *
 * (a) chunking: the events, the outcome, the kind of error, its detail and
 *     its offset in the message do not depend on how the message is cut
 *     nor on the parser having parsed other messages before (reset), with
 *     and without the UTF-8 check, with small limits so that they are
 *     reached, and with a callback that stops the parse; an allocator that
 *     fails changes nothing but for a MEMORY error; a message that is valid
 *     UTF-8 gives the same with and without the check, and one that is not
 *     is refused with it.  A string value comes as sent: its escaped flag
 *     says whether it has a backslash, its bytes are in the message, and
 *     the code points it reports are the bytes of its decoding
 *     (ngx_ws_guard_json_decode(), called for every string) that are not
 *     UTF-8 continuation bytes; without escapes, the decoding is the bytes.
 *
 *     A plain scanner of the message written here checks the limits: a
 *     DEPTH, STRING or NUMBER error comes at the byte that goes over the
 *     limit, and no message goes over a limit without one.
 *
 * (b) differential: against yajl 2 (multiple values allowed, strings
 *     validated) with limits that are never reached, both accept or both
 *     refuse, and when both accept their events are the same.  A message
 *     with \u escapes of surrogates, which yajl decodes in its own ways, is
 *     compared instead with itself where those escapes are replaced by the
 *     bytes they stand for (a pair by its code point, a half alone by its
 *     own 3 bytes), both without the UTF-8 check.
 *
 * Input: byte 0 the options below, bytes 1-2 seed the cuts, the rest is
 * the message.
 */


#include <stdio.h>
#include <stdlib.h>

#include <yajl/yajl_parse.h>

#include "ngx_ws_guard_json.h"


#define FUZZ_TOKEN      0x01        /* max_token 7, else 64 */
#define FUZZ_DEPTH      0x02        /* max_depth 3, else 16 */
#define FUZZ_STOP       0x3c        /* (>> 2) the event that stops, or 0 */
#define FUZZ_MEMORY     0x40        /* a run with an allocator that fails */
#define FUZZ_SMALL      0x80        /* pieces of 0..5 bytes, else 0..70 */

#define FUZZ_WHOLE      0
#define FUZZ_BYTES      1
#define FUZZ_PIECES     2

#define FUZZ_BYTES_MAX  2048
#define FUZZ_DEPTH_MAX  1024

/* the events, as a tag byte, and for a token its length and bytes */
#define EV_NULL         'z'
#define EV_TRUE         't'
#define EV_FALSE        'f'
#define EV_NUMBER       'n'
#define EV_STRING       's'
#define EV_KEY          'k'
#define EV_START_OBJ    '{'
#define EV_END_OBJ      '}'
#define EV_START_ARR    '['
#define EV_END_ARR      ']'


typedef struct {
    unsigned char                  *p;
    size_t                          len;
    size_t                          cap;
    unsigned                        events;
    unsigned                        stop_at;
    unsigned                        stopped;
    unsigned                        late;
} fuzz_trace_t;


typedef struct {
    int                             rc;
    int                             error;
    size_t                          offset;
    char                            detail[96];
    fuzz_trace_t                    t;
} fuzz_result_t;


typedef struct {
    long                            grant;     /* blocks; -1: all */
    long                            allocs;
    long                            live;
    unsigned                        fill;      /* the next pattern */
} fuzz_alloc_t;


/* what the scanner found in a prefix of the message */
typedef struct {
    size_t                          depth;     /* open containers */
    size_t                          deepest;
    size_t                          longest;   /* raw bytes of a token */
    size_t                          open;      /* of a token not ended */
    int                             in;        /* 's', 'n' or 0 */
} fuzz_scan_t;


static void fuzz_trace_reset(fuzz_trace_t *t, unsigned stop_at);
static int fuzz_put(void *ctx, int tag, const unsigned char *p, size_t len);
static int fuzz_null(void *ctx);
static int fuzz_boolean(void *ctx, int value);
static int fuzz_number(void *ctx, const unsigned char *p, size_t len);
static int fuzz_string(void *ctx, const unsigned char *p, size_t len,
    size_t cps, unsigned escaped);
static int fuzz_contains(const unsigned char *hay, size_t n,
    const unsigned char *p, size_t len);
static int fuzz_start_object(void *ctx);
static int fuzz_key(void *ctx, const unsigned char *p, size_t len);
static int fuzz_end_object(void *ctx);
static int fuzz_start_array(void *ctx);
static int fuzz_end_array(void *ctx);
static int fuzz_y_null(void *ctx);
static int fuzz_y_boolean(void *ctx, int value);
static int fuzz_y_number(void *ctx, const char *p, size_t len);
static int fuzz_y_string(void *ctx, const unsigned char *p, size_t len);
static int fuzz_y_start_map(void *ctx);
static int fuzz_y_map_key(void *ctx, const unsigned char *p, size_t len);
static int fuzz_y_end_map(void *ctx);
static int fuzz_y_start_array(void *ctx);
static int fuzz_y_end_array(void *ctx);
static void *fuzz_alloc(void *data, size_t size);
static void fuzz_free(void *data, void *p);
static void fuzz_open(ngx_ws_guard_json_t *j, fuzz_alloc_t *fa,
    ngx_ws_guard_json_allocator_t *a, unsigned fill, size_t max_token,
    size_t max_depth, unsigned utf8);
static uint32_t fuzz_rand(uint32_t *x);
static void fuzz_dump(const char *what, const unsigned char *p, size_t len,
    int trace);
static void fuzz_run(ngx_ws_guard_json_t *j, const uint8_t *msg, size_t len,
    unsigned mode, uint32_t seed, size_t max, unsigned stop_at,
    fuzz_result_t *res);
static int fuzz_same(const fuzz_result_t *a, const fuzz_result_t *b);
static void fuzz_compare(const fuzz_result_t *a, const fuzz_result_t *b,
    const char *what, const uint8_t *msg, size_t len);
static void fuzz_memory(const uint8_t *msg, size_t len, unsigned utf8,
    size_t max_token, size_t max_depth, uint32_t seed, size_t max,
    unsigned stop_at, const fuzz_result_t *ref);
static int fuzz_yajl(const uint8_t *msg, size_t len, fuzz_trace_t *t);
static int fuzz_surrogate_escape(const uint8_t *msg, size_t len);
static void fuzz_scan(const uint8_t *msg, size_t end, fuzz_scan_t *sc);
static void fuzz_limits(const uint8_t *msg, size_t len, size_t max_token,
    size_t max_depth, const fuzz_result_t *ref);
static size_t fuzz_hex4(const uint8_t *p, size_t n, uint32_t *v);
static size_t fuzz_put_utf8(uint8_t *out, uint32_t cp);
static void fuzz_surrogates(const uint8_t *msg, size_t len, unsigned fill);
static int fuzz_utf8_check(const uint8_t *msg, size_t len);
static int fuzz_open_string(const uint8_t *msg, size_t len,
    const fuzz_trace_t *yt);
static void fuzz_differential(const uint8_t *msg, size_t len, unsigned fill);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static const ngx_ws_guard_json_callbacks_t  fuzz_callbacks = {
    fuzz_null,
    fuzz_boolean,
    fuzz_number,
    fuzz_string,
    fuzz_start_object,
    fuzz_key,
    fuzz_end_object,
    fuzz_start_array,
    fuzz_end_array
};


static const yajl_callbacks  fuzz_yajl_callbacks = {
    fuzz_y_null,
    fuzz_y_boolean,
    NULL,
    NULL,
    fuzz_y_number,
    fuzz_y_string,
    fuzz_y_start_map,
    fuzz_y_map_key,
    fuzz_y_end_map,
    fuzz_y_start_array,
    fuzz_y_end_array
};


/* the trace of the current run of our parser: its callbacks' context */
static fuzz_trace_t  *fuzz_current;

/* the parser and message of the current run, for string events */
static ngx_ws_guard_json_t  *fuzz_parser;
static const uint8_t        *fuzz_msg;
static size_t                fuzz_msg_len;

/* decode() may fail: the allocator is told to */
static unsigned              fuzz_decode_may_fail;

/* the references, fed whole to a fresh parser, by utf8 */
static fuzz_result_t  fuzz_ref[2];

static fuzz_result_t  fuzz_res, fuzz_mem;
static fuzz_trace_t   fuzz_ytrace;

/* parsers that live across inputs, by utf8 and the two limit bits */
static ngx_ws_guard_json_t  fuzz_parsers[2][4];
static unsigned             fuzz_ready[2][4];
static fuzz_alloc_t         fuzz_parsers_alloc = { -1, 0, 0, 0 };

static const ngx_ws_guard_json_allocator_t  fuzz_parsers_allocator = {
    fuzz_alloc,
    fuzz_free,
    &fuzz_parsers_alloc
};


/* an empty trace, with a buffer (memcmp() wants one even for 0 bytes) */

static void
fuzz_trace_reset(fuzz_trace_t *t, unsigned stop_at)
{
    if (t->p == NULL) {
        t->cap = 4096;
        t->p = malloc(t->cap);
        if (t->p == NULL) {
            abort();
        }
    }

    t->len = 0;
    t->events = 0;
    t->stop_at = stop_at;
    t->stopped = 0;
    t->late = 0;
}


static int
fuzz_put(void *ctx, int tag, const unsigned char *p, size_t len)
{
    size_t         need, cap;
    uint32_t       l;
    fuzz_trace_t  *t;

    t = ctx;

    if (t->stopped) {
        t->late++;
        return 0;
    }

    need = t->len + 1 + sizeof(uint32_t) + len;

    if (need > t->cap) {
        cap = t->cap;

        while (cap < need) {
            cap *= 2;
        }

        t->p = realloc(t->p, cap);
        if (t->p == NULL) {
            abort();
        }

        t->cap = cap;
    }

    t->p[t->len++] = (unsigned char) tag;

    if (tag == EV_NUMBER || tag == EV_STRING || tag == EV_KEY) {
        l = (uint32_t) len;
        memcpy(t->p + t->len, &l, sizeof(uint32_t));
        t->len += sizeof(uint32_t);

        if (len) {
            memcpy(t->p + t->len, p, len);
            t->len += len;
        }
    }

    t->events++;

    if (t->stop_at != 0 && t->events == t->stop_at) {
        t->stopped = 1;
        return 0;
    }

    return 1;
}


static int
fuzz_null(void *ctx)
{
    return fuzz_put(*(fuzz_trace_t **) ctx, EV_NULL, NULL, 0);
}


static int
fuzz_boolean(void *ctx, int value)
{
    return fuzz_put(*(fuzz_trace_t **) ctx, value ? EV_TRUE : EV_FALSE,
                    NULL, 0);
}


static int
fuzz_number(void *ctx, const unsigned char *p, size_t len)
{
    return fuzz_put(*(fuzz_trace_t **) ctx, EV_NUMBER, p, len);
}


static int
fuzz_contains(const unsigned char *hay, size_t n, const unsigned char *p,
    size_t len)
{
    size_t  i;

    for (i = 0; i + len <= n; i++) {
        if (hay[i] == p[0] && memcmp(hay + i, p, len) == 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * A string value as sent: the flag, the bytes, their decoding and its code
 * points (the bytes that are not UTF-8 continuation bytes); the decoded
 * bytes go to the trace, as yajl gives them.
 */

static int
fuzz_string(void *ctx, const unsigned char *p, size_t len, size_t cps,
    unsigned escaped)
{
    size_t                i, n, dlen;
    fuzz_trace_t         *t;
    const unsigned char  *d;

    t = *(fuzz_trace_t **) ctx;

    if (len > 0
        && (p == NULL
            || (memchr(p, '\\', len) != NULL) != (escaped != 0)
            || !fuzz_contains(fuzz_msg, fuzz_msg_len, p, len)))
    {
        fuzz_dump("string", p, p ? len : 0, 0);
        fprintf(stderr, "escaped %u, or bytes not in the message\n", escaped);
        abort();
    }

    d = ngx_ws_guard_json_decode(fuzz_parser, p, len, &dlen);

    if (d == NULL) {
        if (!fuzz_decode_may_fail) {
            fprintf(stderr, "decode failed\n");
            abort();
        }

        t->stopped = 1;
        return 0;
    }

    if (!escaped && (dlen != len || (len && memcmp(d, p, len) != 0))) {
        fuzz_dump("string", p, len, 0);
        fuzz_dump("decoded", d, dlen, 0);
        fprintf(stderr, "decoding a string without escapes changed it\n");
        abort();
    }

    for (n = 0, i = 0; i < dlen; i++) {
        n += ((d[i] & 0xc0) != 0x80);
    }

    if (n != cps) {
        fuzz_dump("decoded", d, dlen, 0);
        fprintf(stderr, "%zu code points reported, %zu in the bytes\n", cps,
                n);
        abort();
    }

    return fuzz_put(t, EV_STRING, d, dlen);
}


static int
fuzz_start_object(void *ctx)
{
    return fuzz_put(*(fuzz_trace_t **) ctx, EV_START_OBJ, NULL, 0);
}


static int
fuzz_key(void *ctx, const unsigned char *p, size_t len)
{
    return fuzz_put(*(fuzz_trace_t **) ctx, EV_KEY, p, len);
}


static int
fuzz_end_object(void *ctx)
{
    return fuzz_put(*(fuzz_trace_t **) ctx, EV_END_OBJ, NULL, 0);
}


static int
fuzz_start_array(void *ctx)
{
    return fuzz_put(*(fuzz_trace_t **) ctx, EV_START_ARR, NULL, 0);
}


static int
fuzz_end_array(void *ctx)
{
    return fuzz_put(*(fuzz_trace_t **) ctx, EV_END_ARR, NULL, 0);
}


static int
fuzz_y_null(void *ctx)
{
    return fuzz_put(ctx, EV_NULL, NULL, 0);
}


static int
fuzz_y_boolean(void *ctx, int value)
{
    return fuzz_put(ctx, value ? EV_TRUE : EV_FALSE, NULL, 0);
}


static int
fuzz_y_number(void *ctx, const char *p, size_t len)
{
    return fuzz_put(ctx, EV_NUMBER, (const unsigned char *) p, len);
}


static int
fuzz_y_string(void *ctx, const unsigned char *p, size_t len)
{
    return fuzz_put(ctx, EV_STRING, p, len);
}


static int
fuzz_y_start_map(void *ctx)
{
    return fuzz_put(ctx, EV_START_OBJ, NULL, 0);
}


static int
fuzz_y_map_key(void *ctx, const unsigned char *p, size_t len)
{
    return fuzz_put(ctx, EV_KEY, p, len);
}


static int
fuzz_y_end_map(void *ctx)
{
    return fuzz_put(ctx, EV_END_OBJ, NULL, 0);
}


static int
fuzz_y_start_array(void *ctx)
{
    return fuzz_put(ctx, EV_START_ARR, NULL, 0);
}


static int
fuzz_y_end_array(void *ctx)
{
    return fuzz_put(ctx, EV_END_ARR, NULL, 0);
}


/*
 * Counts the blocks, fails after the grant, and fills each block with the
 * next of four patterns, so that a bit read before it is written does not
 * pass by the luck of what malloc() left there.
 */

static void *
fuzz_alloc(void *data, size_t size)
{
    unsigned char  *p;
    fuzz_alloc_t   *fa;

    static const unsigned char  fill[4] = { 0x00, 0xff, 0x55, 0xaa };

    fa = data;

    if (fa->grant >= 0 && fa->allocs >= fa->grant) {
        return NULL;
    }

    p = malloc(size ? size : 1);
    if (p == NULL) {
        abort();
    }

    memset(p, fill[fa->fill++ & 3], size);

    fa->allocs++;
    fa->live++;

    return p;
}


static void
fuzz_free(void *data, void *p)
{
    fuzz_alloc_t  *fa;

    fa = data;

    if (p != NULL) {
        fa->live--;
        free(p);
    }
}


/* a parser on a counting allocator (fa, a: the caller's, kept alive) */

static void
fuzz_open(ngx_ws_guard_json_t *j, fuzz_alloc_t *fa,
    ngx_ws_guard_json_allocator_t *a, unsigned fill, size_t max_token,
    size_t max_depth, unsigned utf8)
{
    a->alloc = fuzz_alloc;
    a->free = fuzz_free;
    a->data = fa;

    fa->grant = -1;
    fa->allocs = 0;
    fa->live = 0;
    fa->fill = fill;

    if (ngx_ws_guard_json_init(j, &fuzz_callbacks, &fuzz_current, a,
                               max_token, max_depth, utf8)
        != NGX_WS_GUARD_OK)
    {
        abort();
    }
}


static uint32_t
fuzz_rand(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;

    return *x;
}


/* bytes, or a trace with one event a line, printably */

static void
fuzz_dump(const char *what, const unsigned char *p, size_t len, int trace)
{
    size_t    i, n;
    uint32_t  l;

    fprintf(stderr, "%s:", what);

    for (i = 0; i < len && i < 4096; /* void */ ) {

        if (trace) {
            fprintf(stderr, "\n  %c", p[i]);

            if (p[i] != EV_NUMBER && p[i] != EV_STRING && p[i] != EV_KEY) {
                i++;
                continue;
            }

            memcpy(&l, p + i + 1, sizeof(uint32_t));
            i += 1 + sizeof(uint32_t);
            fputc(':', stderr);
            n = i + l;

        } else {
            fputc(' ', stderr);
            n = len;
        }

        for ( /* void */ ; i < n; i++) {
            if (p[i] > 0x20 && p[i] < 0x7f && p[i] != '%') {
                fputc(p[i], stderr);

            } else {
                fprintf(stderr, "%%%02x", p[i]);
            }
        }
    }

    fputc('\n', stderr);
}


/*
 * One run of a parser fresh from init or reset: whole, one byte at a time,
 * or in pieces of 0..max bytes (an empty feed included), each piece in its
 * own buffer so that any overread or pointer kept into a chunk shows.
 * After an error or a stop, a feed and a finish more must give the same
 * and no event.
 */

static void
fuzz_run(ngx_ws_guard_json_t *j, const uint8_t *msg, size_t len,
    unsigned mode, uint32_t seed, size_t max, unsigned stop_at,
    fuzz_result_t *res)
{
    int             rc;
    size_t          off, n;
    unsigned        events;
    unsigned char  *chunk;

    fuzz_trace_reset(&res->t, stop_at);
    fuzz_parser = j;
    fuzz_msg = msg;
    fuzz_msg_len = len;
    res->rc = 0;
    res->error = 0;
    res->offset = 0;
    res->detail[0] = '\0';

    fuzz_current = &res->t;

    rc = NGX_WS_GUARD_OK;
    off = 0;

    do {
        switch (mode) {
        case FUZZ_WHOLE:
            n = len;
            break;
        case FUZZ_BYTES:
            n = 1;
            break;
        default:
            n = fuzz_rand(&seed) % (max + 1);
            break;
        }

        if (n > len - off) {
            n = len - off;
        }

        chunk = malloc(n ? n : 1);
        if (chunk == NULL) {
            abort();
        }

        memcpy(chunk, msg + off, n);
        rc = ngx_ws_guard_json_feed(j, chunk, n);
        free(chunk);

        if (rc != NGX_WS_GUARD_OK) {
            break;
        }

        off += n;

    } while (off < len);

    if (rc == NGX_WS_GUARD_OK) {
        rc = ngx_ws_guard_json_finish(j);
        off = len;
    }

    if (rc != NGX_WS_GUARD_OK && rc != NGX_WS_GUARD_ERROR
        && rc != NGX_WS_GUARD_DECLINED)
    {
        fprintf(stderr, "unknown rc %d\n", rc);
        abort();
    }

    if (rc == NGX_WS_GUARD_DECLINED && !res->t.stopped) {
        fprintf(stderr, "declined with no callback stopping it\n");
        abort();
    }

    if (rc == NGX_WS_GUARD_OK && res->t.stopped) {
        fprintf(stderr, "a callback stopped it, yet OK\n");
        abort();
    }

    res->rc = rc;

    if (rc == NGX_WS_GUARD_ERROR) {
        if (j->error < NGX_WS_GUARD_JSON_SYNTAX
            || j->error > NGX_WS_GUARD_JSON_MEMORY)
        {
            fprintf(stderr, "error %d\n", (int) j->error);
            abort();
        }

        if (j->error == NGX_WS_GUARD_JSON_SYNTAX
            && (j->detail == NULL || j->detail[0] == '\0'))
        {
            fprintf(stderr, "syntax error without a detail\n");
            abort();
        }

        res->error = j->error;
        res->offset = off + j->offset;

        if (res->offset > len) {
            fprintf(stderr, "error offset %zu past the end %zu\n",
                    res->offset, len);
            abort();
        }

        if (j->detail != NULL) {
            snprintf(res->detail, sizeof(res->detail), "%s", j->detail);
        }
    }

    /* sticky: no more events, the same answer */

    if (rc != NGX_WS_GUARD_OK) {
        events = res->t.events;
        res->t.stopped = 0;
        res->t.stop_at = 0;

        if (ngx_ws_guard_json_feed(j, (const unsigned char *) "[1", 2) != rc
            || ngx_ws_guard_json_finish(j) != rc
            || res->t.events != events)
        {
            fprintf(stderr, "rc %d not sticky\n", rc);
            abort();
        }
    }

    if (res->t.late) {
        fprintf(stderr, "an event after a stop\n");
        abort();
    }
}


static int
fuzz_same(const fuzz_result_t *a, const fuzz_result_t *b)
{
    return a->rc == b->rc
           && a->error == b->error
           && a->offset == b->offset
           && strcmp(a->detail, b->detail) == 0
           && a->t.len == b->t.len
           && memcmp(a->t.p, b->t.p, a->t.len) == 0;
}


static void
fuzz_compare(const fuzz_result_t *a, const fuzz_result_t *b,
    const char *what, const uint8_t *msg, size_t len)
{
    if (fuzz_same(a, b)) {
        return;
    }

    fprintf(stderr, "%s: rc %d error %d offset %zu \"%s\", whole: rc %d "
            "error %d offset %zu \"%s\"\n", what, b->rc, b->error, b->offset,
            b->detail, a->rc, a->error, a->offset, a->detail);
    fuzz_dump("message", msg, len, 0);
    fuzz_dump("whole", a->t.p, a->t.len, 1);
    fuzz_dump(what, b->t.p, b->t.len, 1);
    abort();
}


/*
 * A fresh parser whose allocator grants 1..4 blocks, in the same pieces:
 * the reference's result, or a MEMORY error after a prefix of its events;
 * nothing is left allocated.
 */

static void
fuzz_memory(const uint8_t *msg, size_t len, unsigned utf8, size_t max_token,
    size_t max_depth, uint32_t seed, size_t max, unsigned stop_at,
    const fuzz_result_t *ref)
{
    fuzz_alloc_t                    fa;
    ngx_ws_guard_json_t             j;
    ngx_ws_guard_json_allocator_t   a;

    fa.grant = 1 + seed % 4;
    fa.allocs = 0;
    fa.live = 0;
    fa.fill = seed >> 8;

    a.alloc = fuzz_alloc;
    a.free = fuzz_free;
    a.data = &fa;

    if (ngx_ws_guard_json_init(&j, &fuzz_callbacks, &fuzz_current, &a,
                               max_token, max_depth, utf8)
        != NGX_WS_GUARD_OK)
    {
        fprintf(stderr, "init failed with a block to spare\n");
        abort();
    }

    fuzz_decode_may_fail = 1;
    fuzz_run(&j, msg, len, FUZZ_PIECES, seed, max, stop_at, &fuzz_mem);
    fuzz_decode_may_fail = 0;

    if (!fuzz_same(ref, &fuzz_mem)
        && !(fuzz_mem.rc == NGX_WS_GUARD_ERROR
             && fuzz_mem.error == NGX_WS_GUARD_JSON_MEMORY
             && fuzz_mem.t.len <= ref->t.len
             && memcmp(fuzz_mem.t.p, ref->t.p, fuzz_mem.t.len) == 0))
    {
        fuzz_compare(ref, &fuzz_mem, "failing allocator", msg, len);
    }

    ngx_ws_guard_json_free(&j);

    if (fa.live != 0) {
        fprintf(stderr, "%ld blocks left after free\n", fa.live);
        abort();
    }
}


/* 1 if yajl accepts the whole message */

static int
fuzz_yajl(const uint8_t *msg, size_t len, fuzz_trace_t *t)
{
    yajl_status   st;
    yajl_handle   h;

    fuzz_trace_reset(t, 0);

    h = yajl_alloc(&fuzz_yajl_callbacks, NULL, t);
    if (h == NULL) {
        abort();
    }

    yajl_config(h, yajl_allow_multiple_values, 1);
    yajl_config(h, yajl_dont_validate_strings, 0);

    st = yajl_parse(h, msg, len);

    if (st == yajl_status_ok) {
        st = yajl_complete_parse(h);
    }

    yajl_free(h);

    return st == yajl_status_ok;
}


/* any \u escape of a surrogate, or what looks like one */

static int
fuzz_surrogate_escape(const uint8_t *msg, size_t len)
{
    size_t  i;

    for (i = 0; i + 3 < len; i++) {
        if (msg[i] == '\\' && msg[i + 1] == 'u'
            && (msg[i + 2] | 0x20) == 'd'
            && ((msg[i + 3] >= '8' && msg[i + 3] <= '9')
                || ((msg[i + 3] | 0x20) >= 'a' && (msg[i + 3] | 0x20) <= 'f')))
        {
            return 1;
        }
    }

    return 0;
}


static int
fuzz_utf8_check(const uint8_t *msg, size_t len)
{
    return ngx_ws_guard_utf8_check(msg, len) == NGX_WS_GUARD_OK;
}


/*
 * Follows the message up to end, which must be a prefix of JSON (up to
 * an error, it is): containers, and the raw bytes of strings and numbers.
 * A number goes on while the grammar lets it ("01" is two numbers).
 */

static void
fuzz_scan(const uint8_t *msg, size_t end, fuzz_scan_t *sc)
{
    int       esc, num;
    size_t    i;
    unsigned  c;

    sc->depth = 0;
    sc->deepest = 0;
    sc->longest = 0;
    sc->open = 0;
    sc->in = 0;

    esc = 0;
    num = 0;

    for (i = 0; i < end; i++) {
        c = msg[i];

        if (sc->in == 's') {
            if (esc) {
                esc = 0;

            } else if (c == '\\') {
                esc = 1;

            } else if (c == '"') {
                sc->in = 0;

                if (sc->open > sc->longest) {
                    sc->longest = sc->open;
                }

                continue;
            }

            sc->open++;
            continue;
        }

        if (sc->in == 'n') {

            /* the states: 1 "-", 2 "0", 3 "1", 4 "1.", 5 "1.5", 6 "1e",
             * 7 "1e-", 8 "1e5" */

            switch (num) {
            case 1:
                num = (c == '0') ? 2 : (c >= '1' && c <= '9') ? 3 : 0;
                break;
            case 2:
            case 3:
            case 5:
                num = (c >= '0' && c <= '9' && num != 2) ? num
                      : (c == '.' && num != 5) ? 4
                      : (c == 'e' || c == 'E') ? 6 : 0;
                break;
            case 4:
                num = (c >= '0' && c <= '9') ? 5 : 0;
                break;
            case 6:
                num = (c == '+' || c == '-') ? 7
                      : (c >= '0' && c <= '9') ? 8 : 0;
                break;
            default:
                num = (c >= '0' && c <= '9') ? 8 : 0;
                break;
            }

            if (num) {
                sc->open++;
                continue;
            }

            sc->in = 0;

            if (sc->open > sc->longest) {
                sc->longest = sc->open;
            }
        }

        if (c == '"') {
            sc->in = 's';
            sc->open = 0;

        } else if (c == '-' || (c >= '0' && c <= '9')) {
            sc->in = 'n';
            sc->open = 1;
            num = (c == '-') ? 1 : (c == '0') ? 2 : 3;

        } else if (c == '[' || c == '{') {
            if (++sc->depth > sc->deepest) {
                sc->deepest = sc->depth;
            }

        } else if ((c == ']' || c == '}') && sc->depth > 0) {
            sc->depth--;
        }
    }
}


/*
 * The limits by the scanner: a limit error at the byte that goes over it,
 * and nothing over a limit up to where the parse ended otherwise.
 */

static void
fuzz_limits(const uint8_t *msg, size_t len, size_t max_token,
    size_t max_depth, const fuzz_result_t *ref)
{
    int          ok;
    size_t       end;
    fuzz_scan_t  sc;

    if (ref->rc == NGX_WS_GUARD_DECLINED) {
        return;
    }

    end = (ref->rc == NGX_WS_GUARD_ERROR) ? ref->offset : len;

    fuzz_scan(msg, end, &sc);

    switch (ref->rc == NGX_WS_GUARD_ERROR ? ref->error : 0) {

    case NGX_WS_GUARD_JSON_DEPTH:
        ok = (end < len && (msg[end] == '[' || msg[end] == '{')
              && sc.in == 0 && sc.depth == max_depth);
        break;

    case NGX_WS_GUARD_JSON_STRING:
        ok = (end < len && sc.in == 's' && sc.open == max_token);
        break;

    case NGX_WS_GUARD_JSON_NUMBER:
        ok = (end < len && sc.in == 'n' && sc.open == max_token);
        break;

    default:
        ok = 1;
        break;
    }

    ok = ok && sc.deepest <= max_depth && sc.longest <= max_token
         && sc.open <= max_token;

    if (!ok) {
        fprintf(stderr, "limits: rc %d error %d at %zu; scanner: depth %zu, "
                "deepest %zu, longest %zu, open %c of %zu; max_token %zu, "
                "max_depth %zu\n", ref->rc, ref->error, end, sc.depth,
                sc.deepest, sc.longest, sc.in ? sc.in : '-', sc.open,
                max_token, max_depth);
        fuzz_dump("message", msg, len, 0);
        abort();
    }
}


/* 4 hex digits at p, if n allows: their value and 4, or 0 */

static size_t
fuzz_hex4(const uint8_t *p, size_t n, uint32_t *v)
{
    size_t    i;
    unsigned  c;

    if (n < 4) {
        return 0;
    }

    *v = 0;

    for (i = 0; i < 4; i++) {
        c = p[i];

        if (c >= '0' && c <= '9') {
            c -= '0';

        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
            c = (c | 0x20) - 'a' + 10;

        } else {
            return 0;
        }

        *v = (*v << 4) | c;
    }

    return 4;
}


static size_t
fuzz_put_utf8(uint8_t *out, uint32_t cp)
{
    if (cp < 0x10000) {
        out[0] = (uint8_t) (0xe0 | cp >> 12);
        out[1] = (uint8_t) (0x80 | (cp >> 6 & 0x3f));
        out[2] = (uint8_t) (0x80 | (cp & 0x3f));
        return 3;
    }

    out[0] = (uint8_t) (0xf0 | cp >> 18);
    out[1] = (uint8_t) (0x80 | (cp >> 12 & 0x3f));
    out[2] = (uint8_t) (0x80 | (cp >> 6 & 0x3f));
    out[3] = (uint8_t) (0x80 | (cp & 0x3f));
    return 4;
}


/*
 * The message against itself with the surrogate escapes in its strings
 * replaced by their bytes (never shorter than the bytes: 6 or 12 raw bytes
 * for 3 or 4), both without the UTF-8 check and with limits not reached:
 * the same outcome and events.
 */

static void
fuzz_surrogates(const uint8_t *msg, size_t len, unsigned fill)
{
    int                             in;
    size_t                          i, n;
    uint8_t                        *out;
    uint32_t                        hi, lo;
    fuzz_alloc_t                    fa;
    ngx_ws_guard_json_t             j;
    ngx_ws_guard_json_allocator_t   a;

    out = malloc(len ? len : 1);
    if (out == NULL) {
        abort();
    }

    in = 0;
    n = 0;

    for (i = 0; i < len; /* void */ ) {

        if (!in || msg[i] != '\\' || i + 1 == len) {
            if (msg[i] == '"') {
                in = !in;
            }

            out[n++] = msg[i++];
            continue;
        }

        if (msg[i + 1] != 'u'
            || fuzz_hex4(msg + i + 2, len - i - 2, &hi) == 0
            || hi < 0xd800 || hi > 0xdfff)
        {
            /* another escape: as it is, both bytes */
            out[n++] = msg[i++];
            out[n++] = msg[i++];
            continue;
        }

        if (hi < 0xdc00 && i + 7 < len && msg[i + 6] == '\\'
            && msg[i + 7] == 'u'
            && fuzz_hex4(msg + i + 8, len - i - 8, &lo) != 0
            && lo >= 0xdc00 && lo <= 0xdfff)
        {
            n += fuzz_put_utf8(out + n,
                               0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00));
            i += 12;
            continue;
        }

        n += fuzz_put_utf8(out + n, hi);
        i += 6;
    }

    fuzz_open(&j, &fa, &a, fill, len + 1, FUZZ_DEPTH_MAX, 0);

    fuzz_run(&j, msg, len, FUZZ_WHOLE, 0, 0, 0, &fuzz_res);
    ngx_ws_guard_json_reset(&j);
    fuzz_run(&j, out, n, FUZZ_WHOLE, 0, 0, 0, &fuzz_mem);
    ngx_ws_guard_json_free(&j);

    if (fa.live != 0) {
        fprintf(stderr, "%ld blocks left after free\n", fa.live);
        abort();
    }

    if (fuzz_res.rc != fuzz_mem.rc || fuzz_res.error != fuzz_mem.error
        || fuzz_res.t.len != fuzz_mem.t.len
        || memcmp(fuzz_res.t.p, fuzz_mem.t.p, fuzz_res.t.len) != 0)
    {
        fprintf(stderr, "escaped surrogates: rc %d error %d, as bytes: rc %d "
                "error %d\n", fuzz_res.rc, fuzz_res.error, fuzz_mem.rc,
                fuzz_mem.error);
        fuzz_dump("message", msg, len, 0);
        fuzz_dump("as bytes", out, n, 0);
        fuzz_dump("escaped", fuzz_res.t.p, fuzz_res.t.len, 1);
        fuzz_dump("bytes", fuzz_mem.t.p, fuzz_mem.t.len, 1);
        abort();
    }

    free(out);
}


/*
 * 1 if the message is what yajl passes though it ends inside a string (yajl
 * lets a string begun after a complete value stay open at the end): with a
 * quote added we accept it, and yajl's events come first in ours.
 */

static int
fuzz_open_string(const uint8_t *msg, size_t len, const fuzz_trace_t *yt)
{
    int                   ok;
    uint8_t              *quoted;
    ngx_ws_guard_json_t   j;

    quoted = malloc(len + 1);
    if (quoted == NULL) {
        abort();
    }

    memcpy(quoted, msg, len);
    quoted[len] = '"';

    if (ngx_ws_guard_json_init(&j, &fuzz_callbacks, &fuzz_current, NULL,
                               len + 2, FUZZ_DEPTH_MAX, 1)
        != NGX_WS_GUARD_OK)
    {
        abort();
    }

    fuzz_run(&j, quoted, len + 1, FUZZ_WHOLE, 0, 0, 0, &fuzz_mem);
    ngx_ws_guard_json_free(&j);
    free(quoted);

    ok = (fuzz_mem.rc == NGX_WS_GUARD_OK
          && fuzz_mem.t.len > yt->len
          && memcmp(fuzz_mem.t.p, yt->p, yt->len) == 0
          && fuzz_mem.t.p[yt->len] == EV_STRING);

    return ok;
}


static void
fuzz_differential(const uint8_t *msg, size_t len, unsigned fill)
{
    int                             ours, theirs;
    size_t                          i, opens;
    fuzz_alloc_t                    fa;
    ngx_ws_guard_json_t             j;
    ngx_ws_guard_json_allocator_t   a;

    /* yajl decodes escaped surrogates in its own ways */

    if (fuzz_surrogate_escape(msg, len)) {
        fuzz_surrogates(msg, len, fill);
        return;
    }

    fuzz_open(&j, &fa, &a, fill, len + 1, FUZZ_DEPTH_MAX, 1);

    fuzz_run(&j, msg, len, FUZZ_WHOLE, 0, 0, 0, &fuzz_res);
    ngx_ws_guard_json_free(&j);

    if (fa.live != 0) {
        fprintf(stderr, "%ld blocks left after free\n", fa.live);
        abort();
    }

    if (fuzz_res.rc == NGX_WS_GUARD_ERROR
        && (fuzz_res.error == NGX_WS_GUARD_JSON_STRING
            || fuzz_res.error == NGX_WS_GUARD_JSON_NUMBER
            || fuzz_res.error == NGX_WS_GUARD_JSON_MEMORY))
    {
        fprintf(stderr, "limit %d reached, max_token %zu\n", fuzz_res.error,
                len + 1);
        abort();
    }

    /* nesting deeper than the limit: yajl has none */

    if (fuzz_res.rc == NGX_WS_GUARD_ERROR
        && fuzz_res.error == NGX_WS_GUARD_JSON_DEPTH)
    {
        for (opens = 0, i = 0; i < len; i++) {
            opens += (msg[i] == '[' || msg[i] == '{');
        }

        if (opens <= FUZZ_DEPTH_MAX) {
            fprintf(stderr, "depth error with %zu openers\n", opens);
            abort();
        }

        return;
    }

    ours = (fuzz_res.rc == NGX_WS_GUARD_OK);

    /*
     * yajl checks UTF-8 only for the shape of a sequence: it lets overlong
     * forms, surrogates and code points above U+10FFFF through, which RFC
     * 8259 (section 8.1, with RFC 3629) does not.  The message is compared
     * only if it is valid UTF-8; if it is not, we must refuse it.
     */

    if (!fuzz_utf8_check(msg, len)) {
        if (ours) {
            fuzz_dump("message", msg, len, 0);
            fprintf(stderr, "invalid UTF-8 accepted\n");
            abort();
        }

        return;
    }

    theirs = fuzz_yajl(msg, len, &fuzz_ytrace);

    /*
     * yajl takes vertical tab and form feed for white space between
     * tokens; RFC 8259 (section 2) allows only space, tab, line feed and
     * carriage return.  Such a difference is yajl's.
     */

    if (theirs && !ours && fuzz_res.error == NGX_WS_GUARD_JSON_SYNTAX
        && fuzz_res.offset < len
        && (msg[fuzz_res.offset] == '\v' || msg[fuzz_res.offset] == '\f'))
    {
        return;
    }

    /*
     * yajl, with multiple values allowed, accepts a message whose last
     * value is a string left open ("1 \"abc"); RFC 8259 (section 7) has a
     * string end with a quotation mark.  Such a difference is yajl's.
     */

    if (theirs && !ours && fuzz_res.error == NGX_WS_GUARD_JSON_SYNTAX
        && fuzz_res.offset == len
        && fuzz_res.t.len == fuzz_ytrace.len
        && memcmp(fuzz_res.t.p, fuzz_ytrace.p, fuzz_ytrace.len) == 0
        && fuzz_open_string(msg, len, &fuzz_ytrace))
    {
        return;
    }

    if (ours != theirs
        || (ours
            && (fuzz_res.t.len != fuzz_ytrace.len
                || memcmp(fuzz_res.t.p, fuzz_ytrace.p, fuzz_ytrace.len) != 0)))
    {
        fprintf(stderr, "differs from yajl: ours %s (error %d at %zu \"%s\"),"
                " yajl %s\n", ours ? "accepts" : "refuses", fuzz_res.error,
                fuzz_res.offset, fuzz_res.detail,
                theirs ? "accepts" : "refuses");
        fuzz_dump("message", msg, len, 0);
        fuzz_dump("ours", fuzz_res.t.p, fuzz_res.t.len, 1);
        fuzz_dump("yajl", fuzz_ytrace.p, fuzz_ytrace.len, 1);
        abort();
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                          max, len, max_token, max_depth;
    uint32_t                        seed;
    unsigned                        opt, utf8, lim, stop_at;
    const uint8_t                  *msg;
    fuzz_alloc_t                    fa;
    fuzz_result_t                  *ref;
    ngx_ws_guard_json_t             fresh, *j;
    ngx_ws_guard_json_allocator_t   a;

    if (size < 3) {
        return 0;
    }

    opt = data[0];
    seed = ((uint32_t) data[1] << 8 | data[2]) * 2654435761u | 1;
    msg = data + 3;
    len = size - 3;

    lim = opt & (FUZZ_TOKEN|FUZZ_DEPTH);
    max_token = (opt & FUZZ_TOKEN) ? 7 : 64;
    max_depth = (opt & FUZZ_DEPTH) ? 3 : 16;
    stop_at = (opt & FUZZ_STOP) >> 2;
    max = (opt & FUZZ_SMALL) ? 5 : 70;

    /* (a) chunking, without the UTF-8 check and with it */

    for (utf8 = 0; utf8 < 2; utf8++) {
        ref = &fuzz_ref[utf8];

        /* the reference: a fresh parser, whole; it must free everything */

        fuzz_open(&fresh, &fa, &a, data[1] + utf8, max_token, max_depth,
                  utf8);

        fuzz_run(&fresh, msg, len, FUZZ_WHOLE, seed, max, stop_at, ref);
        ngx_ws_guard_json_free(&fresh);

        if (fa.live != 0) {
            fprintf(stderr, "%ld blocks left after free\n", fa.live);
            abort();
        }

        fuzz_limits(msg, len, max_token, max_depth, ref);

        /* a parser that lives across inputs, reset between runs */

        j = &fuzz_parsers[utf8][lim];

        if (!fuzz_ready[utf8][lim]) {
            if (ngx_ws_guard_json_init(j, &fuzz_callbacks, &fuzz_current,
                                       &fuzz_parsers_allocator, max_token,
                                       max_depth, utf8)
                != NGX_WS_GUARD_OK)
            {
                abort();
            }

            fuzz_ready[utf8][lim] = 1;
        }

        ngx_ws_guard_json_reset(j);
        fuzz_run(j, msg, len, FUZZ_WHOLE, seed, max, stop_at, &fuzz_res);
        fuzz_compare(ref, &fuzz_res, "reused parser, whole", msg, len);

        ngx_ws_guard_json_reset(j);
        fuzz_run(j, msg, len, FUZZ_PIECES, seed, max, stop_at, &fuzz_res);
        fuzz_compare(ref, &fuzz_res, "random pieces", msg, len);

        if (len <= FUZZ_BYTES_MAX) {
            ngx_ws_guard_json_reset(j);
            fuzz_run(j, msg, len, FUZZ_BYTES, seed, max, stop_at, &fuzz_res);
            fuzz_compare(ref, &fuzz_res, "one byte per feed", msg, len);
        }

        if (opt & FUZZ_MEMORY) {
            fuzz_memory(msg, len, utf8, max_token, max_depth, seed, max,
                        stop_at, ref);
        }
    }

    /*
     * Valid UTF-8 throughout: the check cannot matter (every string's raw
     * bytes lie between ASCII bytes, so they are valid too).  Invalid: the
     * check must refuse it, unless a stop or a limit came first.
     */

    if (fuzz_utf8_check(msg, len)) {
        fuzz_compare(&fuzz_ref[0], &fuzz_ref[1], "utf8=1", msg, len);

    } else if (fuzz_ref[1].rc == NGX_WS_GUARD_OK) {
        fuzz_dump("message", msg, len, 0);
        fprintf(stderr, "invalid UTF-8 accepted with utf8=1\n");
        abort();
    }

    /* (b) against yajl */

    fuzz_differential(msg, len, data[2]);

    return 0;
}
