
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Fuzz target of the frame parser: the input is parsed whole and again in
 * chunkings chosen by the input (random sizes, and one byte at a time for
 * short inputs); the events and the verdict must be identical, the data
 * identical as far as each run delivered it, and every event must keep the
 * promises of the header (positions, spans, unmasked data, header rules).
 * Without conf.inspect, it is parsed again the quiet way (the fast path,
 * ngx_ws_guard_frame_run(), before every event, whole and chunked): the
 * verdict and the counters must be those of the events.
 *
 * Input: 8 bytes of configuration and seed, then the stream.
 *   [0]  bit 0 client, 1 rsv1_allowed, 2 utf8, 3 text, 4 binary,
 *        5 inspect text, 6 inspect binary, 7 small chunks
 *   [1]  max_frame_size, [2] max_message_size: index into limits[]
 *   [3]  scratch size: index into scratches[]
 *   [4..7] seed of the chunking
 */


#include <stdio.h>
#include <stdlib.h>

#include "ngx_ws_guard_frame.h"


#define FUZZ_CONF  8


/* one event as logged, identical whatever the chunking */

typedef struct {
    uint64_t        start;
    uint64_t        length;
    uint64_t        end;
    unsigned        type;
    unsigned        flags;
    unsigned        opcode;
    unsigned        fin;
    unsigned        rsv;
    unsigned        masked;
    unsigned        close_code;
    size_t          close_reason_len;
    unsigned char   key[4];
    unsigned char   close_reason[NGX_WS_GUARD_FRAME_CONTROL_MAX];
} fuzz_event_t;


typedef struct {
    int             rc;
    unsigned        err_code;
    const char     *err_reason;
    uint64_t        err_frame;
    uint64_t        frames;
    uint64_t        messages;
    uint64_t        offset;         /* of the parser at the end */
    fuzz_event_t   *events;
    size_t          nevents;
    unsigned char  *data;
    size_t          data_len;
} fuzz_run_t;


static const uint64_t  limits[] = {
    0, 0, 0, 0, 1, 2, 10, 125, 126, 127, 1000, 65535, 65536, 100000
};

static const size_t  scratches[] = {
    4096, 4096, 1, 2, 3, 7, 8, 16, 31, 64, 125, 4096
};


static void fuzz_fail(const char *what);
static uint32_t fuzz_rand(uint32_t *x);
static void fuzz_run(fuzz_run_t *r, const ngx_ws_guard_frame_conf_t *conf,
    const unsigned char *s, size_t n, uint32_t seed, size_t max_chunk,
    int quiet);
static void fuzz_compare(const fuzz_run_t *a, const fuzz_run_t *b);
static void fuzz_compare_verdict(const fuzz_run_t *a, const fuzz_run_t *b);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static unsigned char  fuzz_scratch[4096];


static void
fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_frame: %s\n", what);
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


/*
 * Parses s in chunks of 0 .. max_chunk bytes (all of it at once if
 * max_chunk is 0), each in a heap buffer of its exact size; quiet: with
 * ngx_ws_guard_frame_run() before every event.
 */

static void
fuzz_run(fuzz_run_t *r, const ngx_ws_guard_frame_conf_t *conf,
    const unsigned char *s, size_t n, uint32_t seed, size_t max_chunk,
    int quiet)
{
    int                          rc;
    size_t                       from, to, pos, at, ended, i;
    uint64_t                     base, offset, messages;
    fuzz_event_t                *e;
    unsigned char               *buf, *tmp;
    const unsigned char         *reason;
    ngx_ws_guard_frame_t         f;
    ngx_ws_guard_frame_event_t   ev;

    r->nevents = 0;
    r->data_len = 0;

    if (ngx_ws_guard_frame_init(&f, conf) != NGX_WS_GUARD_OK) {
        fuzz_fail("init");
    }

    rc = NGX_WS_GUARD_AGAIN;
    from = 0;

    /* an empty buffer first: nothing happens */

    pos = 0;
    if (ngx_ws_guard_frame_parse(&f, s, 0, &pos, &ev) != NGX_WS_GUARD_AGAIN
        || pos != 0)
    {
        fuzz_fail("empty buffer");
    }

    while (from < n) {

        if (max_chunk == 0) {
            to = n;

        } else {
            to = from + fuzz_rand(&seed) % (max_chunk + 1);

            if (to > n) {
                to = n;
            }
        }

        buf = malloc(to - from + 1);
        tmp = malloc(to - from + 1);
        if (buf == NULL || tmp == NULL) {
            abort();
        }

        memcpy(buf, s + from, to - from);
        base = from;
        pos = 0;

        for ( ;; ) {

            if (quiet) {
                at = pos;
                offset = f.offset;
                messages = f.messages;

                ended = ngx_ws_guard_frame_run(&f, buf, to - from, &pos);

                if (ended != f.messages - messages) {
                    fuzz_fail("quiet run's count of messages");
                }

                /* at a boundary, or inside a data payload at the end */

                if (pos < at || pos > to - from
                    || f.offset - offset != pos - at
                    || (pos > at && !ngx_ws_guard_frame_boundary(&f)
                        && (f.frame.opcode >= 8 || f.left == 0
                            || pos != to - from
                            || f.frame.start + f.frame.header_len
                               + f.frame.length - f.left != base + pos)))
                {
                    fuzz_fail("quiet run");
                }
            }

            rc = ngx_ws_guard_frame_parse(&f, buf, to - from, &pos, &ev);

            if (rc == NGX_WS_GUARD_AGAIN) {
                if (pos != to - from) {
                    fuzz_fail("again before the end of the buffer");
                }

                break;
            }

            if (pos > to - from) {
                fuzz_fail("pos beyond the buffer");
            }

            if (ev.frame_in_buf
                ? base + ev.frame_pos != f.frame.start
                : f.frame.start >= base)
            {
                fuzz_fail("frame position");
            }

            if (rc == NGX_WS_GUARD_ERROR) {

                if (ev.type != NGX_WS_GUARD_FRAME_EV_ERROR
                    || f.err_reason == NULL
                    || (f.err_code != NGX_WS_GUARD_CLOSE_PROTOCOL
                        && f.err_code != NGX_WS_GUARD_CLOSE_UNSUPPORTED
                        && f.err_code != NGX_WS_GUARD_CLOSE_INVALID_DATA
                        && f.err_code != NGX_WS_GUARD_CLOSE_TOO_BIG))
                {
                    fuzz_fail("error event");
                }

                if (ngx_ws_guard_frame_parse(&f, buf, to - from, &pos, &ev)
                    != NGX_WS_GUARD_ERROR)
                {
                    fuzz_fail("error not sticky");
                }

                break;
            }

            if (rc != NGX_WS_GUARD_OK) {
                fuzz_fail("return code");
            }

            if (ev.type == NGX_WS_GUARD_FRAME_EV_DATA) {

                if (ev.len == 0 || ev.raw < buf
                    || ev.raw + ev.len != buf + pos
                    || base + pos > f.frame.start + f.frame.header_len
                                    + f.frame.length
                    || ev.offset + ev.len > f.frame.length)
                {
                    fuzz_fail("data span");
                }

                if (ev.data != NULL) {
                    ngx_ws_guard_frame_unmask(tmp, ev.raw, ev.len,
                                              f.frame.key, ev.offset);

                    if (memcmp(tmp, ev.data, ev.len) != 0) {
                        fuzz_fail("unmasked data");
                    }

                    if (f.frame.masked && f.frame.opcode < 8
                        && ev.len > conf->scratch_size)
                    {
                        fuzz_fail("span larger than the scratch window");
                    }

                } else if (!f.frame.masked || f.frame.opcode >= 8
                           || (conf->inspect
                               & ((f.msg_opcode == NGX_WS_GUARD_FRAME_OP_TEXT)
                                  ? NGX_WS_GUARD_FRAME_TEXT
                                  : NGX_WS_GUARD_FRAME_BINARY))
                           || (f.msg_opcode == NGX_WS_GUARD_FRAME_OP_TEXT
                               && conf->utf8 && !f.msg_compressed))
                {
                    fuzz_fail("data missing");
                }

                memcpy(r->data + r->data_len,
                       ev.data != NULL ? ev.data : ev.raw, ev.len);
                r->data_len += ev.len;

                continue;
            }

            e = &r->events[r->nevents++];
            memset(e, 0, sizeof(fuzz_event_t));

            e->type = ev.type;
            e->flags = ev.flags;
            e->start = f.frame.start;
            e->length = f.frame.length;
            e->opcode = f.frame.opcode;
            e->fin = f.frame.fin;
            e->rsv = f.frame.rsv;
            e->masked = f.frame.masked;
            e->end = base + pos;
            memcpy(e->key, f.frame.key, 4);

            /* the rules a valid header follows */

            if (e->masked != conf->client
                || (e->rsv & ~NGX_WS_GUARD_FRAME_RSV1)
                || (e->rsv && (!conf->rsv1_allowed || e->opcode == 0
                               || e->opcode >= 8))
                || (e->opcode >= 8 && (!e->fin || e->length > 125))
                || (e->opcode > 2 && e->opcode < 8) || e->opcode > 0xa
                || (e->length >> 63)
                || (conf->max_frame_size && e->opcode < 8
                    && e->length > conf->max_frame_size)
                || (conf->max_message_size
                    && f.msg_size > conf->max_message_size))
            {
                fuzz_fail("header breaks a rule");
            }

            if (ev.type == NGX_WS_GUARD_FRAME_EV_HEADER) {

                if (e->start + f.frame.header_len != e->end
                    || ngx_ws_guard_frame_boundary(&f))
                {
                    fuzz_fail("header position");
                }

                if (((ev.flags & NGX_WS_GUARD_FRAME_MESSAGE_START) != 0)
                    != (e->opcode == 1 || e->opcode == 2))
                {
                    fuzz_fail("message start flag");
                }

            } else if (ev.type == NGX_WS_GUARD_FRAME_EV_END) {

                if (e->start + f.frame.header_len + e->length != e->end
                    || !ngx_ws_guard_frame_boundary(&f))
                {
                    fuzz_fail("end position");
                }

                if (((ev.flags & NGX_WS_GUARD_FRAME_MESSAGE_END) != 0)
                    != (e->opcode < 8 && e->fin))
                {
                    fuzz_fail("message end flag");
                }

                if (ev.flags & NGX_WS_GUARD_FRAME_CLOSE) {

                    /*
                     * the payload came in the DATA events: the code is
                     * its first two bytes, the reason the rest
                     */

                    reason = r->data + r->data_len - f.close_reason_len;

                    if (e->opcode != NGX_WS_GUARD_FRAME_OP_CLOSE
                        || f.close_reason_len > r->data_len
                        || e->length != (f.close_code
                                         ? f.close_reason_len + 2 : 0)
                        || (f.close_code != 0
                            && (!ngx_ws_guard_frame_close_code_valid(
                                                              f.close_code)
                                || (((unsigned) reason[-2] << 8)
                                    | reason[-1]) != f.close_code))
                        || ngx_ws_guard_utf8_check(reason, f.close_reason_len)
                           != NGX_WS_GUARD_OK)
                    {
                        fuzz_fail("close frame");
                    }

                    e->close_code = f.close_code;
                    e->close_reason_len = f.close_reason_len;
                    memcpy(e->close_reason, reason, f.close_reason_len);
                }

            } else {
                fuzz_fail("event type");
            }
        }

        free(buf);
        free(tmp);

        if (rc == NGX_WS_GUARD_ERROR) {
            break;
        }

        from = to;
    }

    r->rc = rc;
    r->err_code = f.err_code;
    r->err_reason = f.err_reason;
    r->err_frame = f.frame.start;
    r->frames = f.frames;
    r->messages = f.messages;
    r->offset = f.offset;

    for (i = 0; i < r->nevents; i++) {
        if (r->events[i].start > n) {
            fuzz_fail("event past the input");
        }
    }
}


static void
fuzz_compare(const fuzz_run_t *a, const fuzz_run_t *b)
{
    size_t  n;

    if (a->rc != b->rc || a->err_code != b->err_code
        || a->err_reason != b->err_reason)
    {
        fuzz_fail("verdicts differ");
    }

    if (a->rc == NGX_WS_GUARD_ERROR && a->err_frame != b->err_frame) {
        fuzz_fail("violating frames differ");
    }

    if (a->frames != b->frames || a->messages != b->messages
        || a->nevents != b->nevents
        || memcmp(a->events, b->events, a->nevents * sizeof(fuzz_event_t)))
    {
        fuzz_fail("events differ");
    }

    /* the data of the last, unfinished or violating frame may be shorter */

    if (a->rc != NGX_WS_GUARD_ERROR
        && (a->data_len != b->data_len || a->offset != b->offset))
    {
        fuzz_fail("data lengths differ");
    }

    n = (a->data_len < b->data_len) ? a->data_len : b->data_len;

    if (memcmp(a->data, b->data, n) != 0) {
        fuzz_fail("data differs");
    }
}


/* the quiet way against the events: the same verdict and counters */

static void
fuzz_compare_verdict(const fuzz_run_t *a, const fuzz_run_t *b)
{
    if (a->rc != b->rc || a->err_code != b->err_code
        || a->err_reason != b->err_reason)
    {
        fuzz_fail("quiet verdicts differ");
    }

    if (a->rc == NGX_WS_GUARD_ERROR && a->err_frame != b->err_frame) {
        fuzz_fail("quiet violating frames differ");
    }

    if (a->frames != b->frames || a->messages != b->messages) {
        fuzz_fail("quiet counters differ");
    }

    if (a->rc != NGX_WS_GUARD_ERROR && a->offset != b->offset) {
        fuzz_fail("quiet stream offsets differ");
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                      n, max_events;
    uint32_t                    seed;
    fuzz_run_t                  whole, cut;
    const unsigned char        *s;
    ngx_ws_guard_frame_conf_t   conf;

    if (size < FUZZ_CONF) {
        return 0;
    }

    memset(&conf, 0, sizeof(conf));

    conf.client = data[0] & 0x01;
    conf.rsv1_allowed = (data[0] >> 1) & 1;
    conf.utf8 = (data[0] >> 2) & 1;
    conf.types = (data[0] >> 3) & 3;
    conf.inspect = (data[0] >> 5) & 3;
    conf.max_frame_size = limits[data[1] % (sizeof(limits)
                                            / sizeof(limits[0]))];
    conf.max_message_size = limits[data[2] % (sizeof(limits)
                                              / sizeof(limits[0]))];
    conf.scratch = fuzz_scratch;
    conf.scratch_size = scratches[data[3] % (sizeof(scratches)
                                             / sizeof(scratches[0]))];

    seed = (uint32_t) data[4] | (uint32_t) data[5] << 8
           | (uint32_t) data[6] << 16 | (uint32_t) data[7] << 24;
    seed |= 1;

    s = data + FUZZ_CONF;
    n = size - FUZZ_CONF;

    /* every frame is at least 2 bytes and has at most 2 logged events */

    max_events = n + 2;

    whole.events = malloc(max_events * sizeof(fuzz_event_t));
    cut.events = malloc(max_events * sizeof(fuzz_event_t));
    whole.data = malloc(n + 1);
    cut.data = malloc(n + 1);

    if (whole.events == NULL || cut.events == NULL || whole.data == NULL
        || cut.data == NULL)
    {
        abort();
    }

    fuzz_run(&whole, &conf, s, n, seed, 0, 0);

    fuzz_run(&cut, &conf, s, n, seed, (data[0] & 0x80) ? 3 : 200, 0);
    fuzz_compare(&whole, &cut);

    fuzz_run(&cut, &conf, s, n, seed ^ 0x5bd1e995, 17, 0);
    fuzz_compare(&whole, &cut);

    if (n <= 2048) {
        fuzz_run(&cut, &conf, s, n, seed, 1, 0);
        fuzz_compare(&whole, &cut);
    }

    if (conf.inspect == 0) {
        fuzz_run(&cut, &conf, s, n, seed, 0, 1);
        fuzz_compare_verdict(&whole, &cut);

        fuzz_run(&cut, &conf, s, n, seed ^ 0x2545f491, 200, 1);
        fuzz_compare_verdict(&whole, &cut);
    }

    free(whole.events);
    free(cut.events);
    free(whole.data);
    free(cut.data);

    return 0;
}
