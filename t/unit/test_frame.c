
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Unit tests of the RFC 6455 frame parser.
 */


#include "ngx_ws_guard_frame.h"
#include "unit.h"


#define STREAM_MAX  (256 * 1024)
#define LOG_MAX     8192

#define FIN     0x80
#define RSV1    0x40
#define RSV2    0x20
#define RSV3    0x10

#define OP_CONT    0x0
#define OP_TEXT    0x1
#define OP_BINARY  0x2
#define OP_CLOSE   0x8
#define OP_PING    0x9
#define OP_PONG    0xa

/* how put_frame() writes the length */
#define LEN_MIN    0
#define LEN_16     2
#define LEN_64     8

/* mask: as the direction wants, or forced */
#define MASK_DIR   -1
#define MASK_NO    0
#define MASK_YES   1

#define CLIENT     1
#define SERVER     0


typedef struct {
    unsigned char   b[STREAM_MAX];
    size_t          len;
    int             client;
} stream_t;


typedef struct {
    int             rc;
    unsigned        err_code;
    const char     *err_reason;
    uint64_t        err_frame;
    int             err_frame_in_buf;
    char            log[LOG_MAX];
    size_t          log_len;
    unsigned char   data[STREAM_MAX];
    size_t          data_len;
    unsigned        data_events;
    uint64_t        frames;
    uint64_t        messages;
    uint64_t        quiet_frames;   /* taken by ngx_ws_guard_frame_run() */
    unsigned        bad;
} run_t;


static const unsigned char  test_key[4] = { 0xa5, 0x3c, 0x0f, 0xf0 };

static unsigned char  scratch[4096];

static run_t  run_a, run_b, run_q;

/*
 * run(): the way of a caller that needs no data events (the guard without
 * message policy), ngx_ws_guard_frame_run() at every frame boundary before
 * the events; its frames log nothing, so only verdicts compare
 */
static int            quiet;

/* frames that ngx_ws_guard_frame_run() took, over all runs */
static uint64_t       quiet_total;


static void conf_default(ngx_ws_guard_frame_conf_t *conf, int client);
static void stream_init(stream_t *s, int client);
static size_t put_frame(stream_t *s, unsigned b0, int mask, int lenenc,
    uint64_t declared, const void *payload, size_t plen);
static size_t put(stream_t *s, unsigned b0, const void *payload, size_t plen);
static void log_add(run_t *r, const char *fmt, unsigned long long a,
    unsigned long long b, unsigned long long c, unsigned long long d,
    unsigned long long e, unsigned long long g, unsigned long long h);
static void run(run_t *r, const ngx_ws_guard_frame_conf_t *conf,
    const unsigned char *s, size_t len, const size_t *cuts, size_t ncuts);
static void run_whole(run_t *r, const ngx_ws_guard_frame_conf_t *conf,
    const stream_t *s);
static void run_bytes(run_t *r, const ngx_ws_guard_frame_conf_t *conf,
    const stream_t *s);
static int same_run(const run_t *a, const run_t *b);
static int same_verdict(const run_t *a, const run_t *b);
static unsigned shadow_differs(const ngx_ws_guard_frame_t *f,
    ngx_ws_guard_frame_t *g, const unsigned char *buf, size_t len, int rc);
static void expect_quiet(const char *name,
    const ngx_ws_guard_frame_conf_t *conf, const stream_t *s,
    const run_t *whole, const run_t *bytes);
static void test_quiet(int client);
static void expect_violation(const char *name,
    const ngx_ws_guard_frame_conf_t *conf, const stream_t *s,
    size_t frame_start, unsigned code, const char *reason);
static void expect_valid(const char *name,
    const ngx_ws_guard_frame_conf_t *conf, const stream_t *s,
    uint64_t frames, uint64_t messages);


static void
conf_default(ngx_ws_guard_frame_conf_t *conf, int client)
{
    memset(conf, 0, sizeof(ngx_ws_guard_frame_conf_t));

    conf->client = client;
    conf->utf8 = 1;
    conf->types = NGX_WS_GUARD_FRAME_TEXT|NGX_WS_GUARD_FRAME_BINARY;
    conf->scratch = scratch;
    conf->scratch_size = sizeof(scratch);
}


static void
stream_init(stream_t *s, int client)
{
    s->len = 0;
    s->client = client;
}


/*
 * Appends a frame: b0 is FIN|RSV|opcode, the length is written as lenenc
 * says with the value declared, then plen bytes of payload, masked if the
 * direction (or mask) says so.  Returns the offset of the frame.
 */

static size_t
put_frame(stream_t *s, unsigned b0, int mask, int lenenc, uint64_t declared,
    const void *payload, size_t plen)
{
    int             i;
    size_t          start, k;
    unsigned char  *q;
    const unsigned char  *src;

    if (mask == MASK_DIR) {
        mask = s->client;
    }

    start = s->len;
    q = s->b + s->len;

    *q++ = (unsigned char) b0;

    if (lenenc == LEN_MIN) {
        lenenc = (declared < 126) ? 0 : (declared <= 0xffff) ? LEN_16 : LEN_64;
    }

    if (lenenc == 0) {
        *q++ = (unsigned char) ((mask ? 0x80 : 0) | declared);

    } else if (lenenc == LEN_16) {
        *q++ = (unsigned char) ((mask ? 0x80 : 0) | 126);
        *q++ = (unsigned char) (declared >> 8);
        *q++ = (unsigned char) declared;

    } else {
        *q++ = (unsigned char) ((mask ? 0x80 : 0) | 127);

        for (i = 7; i >= 0; i--) {
            *q++ = (unsigned char) (declared >> (i * 8));
        }
    }

    if (mask) {
        memcpy(q, test_key, 4);
        q += 4;
    }

    src = payload;

    for (k = 0; k < plen; k++) {
        q[k] = src[k] ^ (mask ? test_key[k & 3] : 0);
    }

    s->len = (q + plen) - s->b;

    return start;
}


static size_t
put(stream_t *s, unsigned b0, const void *payload, size_t plen)
{
    return put_frame(s, b0, MASK_DIR, LEN_MIN, plen, payload, plen);
}


static void
log_add(run_t *r, const char *fmt, unsigned long long a, unsigned long long b,
    unsigned long long c, unsigned long long d, unsigned long long e,
    unsigned long long g, unsigned long long h)
{
    int  n;

    n = snprintf(r->log + r->log_len, LOG_MAX - r->log_len, fmt,
                 a, b, c, d, e, g, h);

    if (n < 0 || (size_t) n >= LOG_MAX - r->log_len) {
        r->bad++;
        return;
    }

    r->log_len += n;
}


/*
 * The quiet runs: g takes the chunk the quiet parser f took, through the
 * events alone; at the chunk's end every field that the rest of the code
 * reads must be the same (those of the frame in progress only inside one,
 * those of the message only while one is open).  rc is f's last result.
 */

static unsigned
shadow_differs(const ngx_ws_guard_frame_t *f, ngx_ws_guard_frame_t *g,
    const unsigned char *buf, size_t len, int rc)
{
    int                          grc;
    size_t                       pos;
    unsigned                     bad;
    ngx_ws_guard_frame_event_t   ev;

    pos = 0;

    do {
        grc = ngx_ws_guard_frame_parse(g, buf, len, &pos, &ev);
    } while (grc == NGX_WS_GUARD_OK);

    if (grc != rc) {
        return 1;
    }

    if (rc == NGX_WS_GUARD_ERROR) {
        return f->err_code != g->err_code || f->err_reason != g->err_reason
               || f->frame.start != g->frame.start;
    }

    bad = f->state != g->state || f->offset != g->offset
          || f->frames != g->frames || f->messages != g->messages
          || f->msg_active != g->msg_active || f->hdr_len != g->hdr_len
          || f->close_received != g->close_received
          || f->close_code != g->close_code
          || f->close_reason_len != g->close_reason_len;

    if (f->msg_active) {
        bad |= f->msg_opcode != g->msg_opcode
               || f->msg_compressed != g->msg_compressed
               || f->msg_size != g->msg_size
               || f->msg_utf8.state != g->msg_utf8.state;
    }

    if (!ngx_ws_guard_frame_boundary(f)) {
        bad |= f->left != g->left || f->check_utf8 != g->check_utf8
               || f->unmask != g->unmask
               || f->frame.start != g->frame.start
               || f->frame.length != g->frame.length
               || f->frame.opcode != g->frame.opcode
               || f->frame.fin != g->frame.fin
               || f->frame.masked != g->frame.masked
               || memcmp(f->frame.key, g->frame.key, 4) != 0;
    }

    return bad;
}


/*
 * Feeds s in chunks ending at cuts[] (the last chunk ends at len), each
 * chunk in its own heap buffer of exactly its size so that the sanitizer
 * sees any read outside it, and records the events and the checks of
 * everything the API promises about them.
 */

static void
run(run_t *r, const ngx_ws_guard_frame_conf_t *conf, const unsigned char *s,
    size_t len, const size_t *cuts, size_t ncuts)
{
    int                          rc;
    size_t                       i, from, to, pos;
    uint64_t                     base;
    unsigned char               *buf;
    ngx_ws_guard_frame_t         f, g;
    ngx_ws_guard_frame_event_t   ev;

    static unsigned char  tmp[STREAM_MAX];

    memset(r, 0, sizeof(run_t));

    if (ngx_ws_guard_frame_init(&f, conf) != NGX_WS_GUARD_OK
        || ngx_ws_guard_frame_init(&g, conf) != NGX_WS_GUARD_OK)
    {
        r->bad++;
        return;
    }

    r->bad += f.close_received;

    rc = NGX_WS_GUARD_AGAIN;
    from = 0;

    for (i = 0; i <= ncuts && rc != NGX_WS_GUARD_ERROR; i++) {
        to = (i < ncuts) ? cuts[i] : len;

        buf = malloc(to - from + 1);
        if (buf == NULL) {
            abort();
        }

        memcpy(buf, s + from, to - from);
        base = from;
        pos = 0;

        for ( ;; ) {

            if (quiet) {
                uint64_t  frames = f.frames, offset = f.offset;
                uint64_t  messages = f.messages;
                size_t    at = pos, ended;

                ended = ngx_ws_guard_frame_run(&f, buf, to - from, &pos);

                r->quiet_frames += f.frames - frames;
                quiet_total += f.frames - frames;

                /* it returns the messages that ended in it */
                r->bad += (ended != f.messages - messages);

                /*
                 * f.offset follows; it stops at a boundary or in a data
                 * payload, at the buffer's end if in a payload
                 */
                r->bad += (pos < at || pos > to - from
                           || f.offset - offset != pos - at);

                if (pos > at && !ngx_ws_guard_frame_boundary(&f)) {
                    r->bad += (f.frame.opcode >= OP_CLOSE || f.left == 0
                               || pos != to - from
                               || f.frame.start + f.frame.header_len
                                  + f.frame.length - f.left != base + pos);
                }
            }

            rc = ngx_ws_guard_frame_parse(&f, buf, to - from, &pos, &ev);

            if (rc == NGX_WS_GUARD_AGAIN) {
                r->bad += (pos != to - from);
                break;
            }

            if (ev.frame_in_buf && base + ev.frame_pos != f.frame.start) {
                r->bad++;
            }

            if (!ev.frame_in_buf && f.frame.start >= base) {
                r->bad++;
            }

            if (rc == NGX_WS_GUARD_ERROR) {
                r->bad += (ev.type != NGX_WS_GUARD_FRAME_EV_ERROR);
                r->err_code = f.err_code;
                r->err_reason = f.err_reason;
                r->err_frame = f.frame.start;
                r->err_frame_in_buf = ev.frame_in_buf;

                /* errors are sticky */

                r->bad += ngx_ws_guard_frame_parse(&f, buf, to - from, &pos,
                                                   &ev)
                          != NGX_WS_GUARD_ERROR;
                r->bad += ngx_ws_guard_frame_boundary(&f);
                break;
            }

            if (rc != NGX_WS_GUARD_OK) {
                r->bad++;
                break;
            }

            switch (ev.type) {

            case NGX_WS_GUARD_FRAME_EV_HEADER:
                log_add(r, "H op%llx fin%llu rsv%llu m%llu len%llu @%llu "
                        "f%llu\n",
                        f.frame.opcode, f.frame.fin, f.frame.rsv,
                        f.frame.masked, f.frame.length, f.frame.start,
                        ev.flags);

                r->bad += (f.frame.start + f.frame.header_len
                           != base + pos);
                break;

            case NGX_WS_GUARD_FRAME_EV_DATA:
                r->data_events++;

                if (ev.raw < buf || ev.raw + ev.len > buf + (to - from)
                    || ev.len == 0 || ev.raw + ev.len != buf + pos)
                {
                    r->bad++;
                    break;
                }

                /* masked data frames are unmasked a window at a time */

                if (f.frame.masked && f.frame.opcode < OP_CLOSE
                    && ev.data != NULL && ev.len > conf->scratch_size)
                {
                    r->bad++;
                }

                if (ev.data == NULL) {
                    memset(r->data + r->data_len, '?', ev.len);

                } else {
                    memcpy(r->data + r->data_len, ev.data, ev.len);

                    /* data is raw unmasked at the right key offset */

                    if (ev.len <= sizeof(tmp)) {
                        ngx_ws_guard_frame_unmask(tmp, ev.raw, ev.len,
                                                  f.frame.key, ev.offset);
                        r->bad += memcmp(tmp, ev.data, ev.len) != 0;

                    } else {
                        r->bad++;
                    }
                }

                r->data_len += ev.len;
                break;

            case NGX_WS_GUARD_FRAME_EV_END:
                log_add(r, "E @%llu f%llu end%llu", f.frame.start,
                        ev.flags, base + pos, 0, 0, 0, 0);

                r->bad += !(ev.flags & NGX_WS_GUARD_FRAME_CLOSE)
                          != !(f.frame.opcode == OP_CLOSE);

                if (ev.flags & NGX_WS_GUARD_FRAME_CLOSE) {
                    r->bad += !f.close_received;

                    log_add(r, " close %llu '", f.close_code, 0, 0, 0, 0, 0,
                            0);

                    /* the reason: the last bytes of the DATA events */

                    if (f.close_reason_len < LOG_MAX - r->log_len - 3
                        && f.close_reason_len <= r->data_len)
                    {
                        memcpy(r->log + r->log_len,
                               r->data + r->data_len - f.close_reason_len,
                               f.close_reason_len);
                        r->log_len += f.close_reason_len;
                    }

                    log_add(r, "'", 0, 0, 0, 0, 0, 0, 0);
                }

                log_add(r, "\n", 0, 0, 0, 0, 0, 0, 0);

                r->bad += !ngx_ws_guard_frame_boundary(&f);
                r->bad += (f.frame.start + f.frame.header_len
                           + f.frame.length != base + pos);
                break;

            default:
                r->bad++;
            }
        }

        if (quiet) {
            /* the same chunk through the events alone: the same state */
            r->bad += shadow_differs(&f, &g, buf, to - from, rc);
        }

        free(buf);
        from = to;
    }

    r->rc = rc;
    r->frames = f.frames;
    r->messages = f.messages;
}


static void
run_whole(run_t *r, const ngx_ws_guard_frame_conf_t *conf, const stream_t *s)
{
    run(r, conf, s->b, s->len, NULL, 0);
}


static void
run_bytes(run_t *r, const ngx_ws_guard_frame_conf_t *conf, const stream_t *s)
{
    size_t   i, *cuts;

    cuts = malloc((s->len + 1) * sizeof(size_t));
    if (cuts == NULL) {
        abort();
    }

    for (i = 0; i < s->len; i++) {
        cuts[i] = i;
    }

    run(r, conf, s->b, s->len, cuts, s->len);

    free(cuts);
}


/* the same events and verdict; data as far as both delivered it */

static int
same_run(const run_t *a, const run_t *b)
{
    size_t  n;

    if (a->rc != b->rc || a->err_code != b->err_code
        || a->err_frame != b->err_frame
        || a->frames != b->frames || a->messages != b->messages
        || a->log_len != b->log_len
        || memcmp(a->log, b->log, a->log_len) != 0)
    {
        return 0;
    }

    if ((a->err_reason == NULL) != (b->err_reason == NULL)
        || (a->err_reason != NULL && strcmp(a->err_reason, b->err_reason)))
    {
        return 0;
    }

    if (a->rc != NGX_WS_GUARD_ERROR) {
        return a->data_len == b->data_len
               && memcmp(a->data, b->data, a->data_len) == 0;
    }

    n = (a->data_len < b->data_len) ? a->data_len : b->data_len;

    return memcmp(a->data, b->data, n) == 0;
}


/*
 * The same stream the quiet way (conf.inspect cleared, or run() would
 * not take a frame), whole and a byte at a time: the verdicts and counters
 * of the event runs of the same chunking.
 */

static int
same_verdict(const run_t *a, const run_t *b)
{
    if (a->rc != b->rc || a->err_code != b->err_code
        || a->err_frame != b->err_frame || a->frames != b->frames
        || a->messages != b->messages
        || (a->err_reason == NULL) != (b->err_reason == NULL)
        || (a->err_reason != NULL && strcmp(a->err_reason, b->err_reason)))
    {
        return 0;
    }

    return 1;
}


static void
expect_quiet(const char *name, const ngx_ws_guard_frame_conf_t *conf,
    const stream_t *s, const run_t *whole, const run_t *bytes)
{
    ngx_ws_guard_frame_conf_t  qc;

    qc = *conf;
    qc.inspect = 0;
    quiet = 1;

    run_whole(&run_q, &qc, s);

    if (!same_verdict(whole, &run_q) || run_q.bad) {
        fprintf(stderr, "\"%s\" (%s) quiet differs: rc %d code %u frame "
                "%llu frames %llu taken %llu bad %u\n", name,
                conf->client ? "client" : "server", run_q.rc, run_q.err_code,
                (unsigned long long) run_q.err_frame,
                (unsigned long long) run_q.frames,
                (unsigned long long) run_q.quiet_frames, run_q.bad);
    }

    CHECK(same_verdict(whole, &run_q) && run_q.bad == 0);

    run_bytes(&run_q, &qc, s);

    if (!same_verdict(bytes, &run_q) || run_q.bad) {
        fprintf(stderr, "\"%s\" (%s) quiet bytewise differs\n", name,
                conf->client ? "client" : "server");
    }

    CHECK(same_verdict(bytes, &run_q) && run_q.bad == 0);

    quiet = 0;
}


static void
expect_violation(const char *name, const ngx_ws_guard_frame_conf_t *conf,
    const stream_t *s, size_t frame_start, unsigned code, const char *reason)
{
    int  ok;

    run_whole(&run_a, conf, s);

    ok = run_a.rc == NGX_WS_GUARD_ERROR
         && run_a.err_code == code
         && run_a.err_reason != NULL
         && strcmp(run_a.err_reason, reason) == 0
         && run_a.err_frame == frame_start
         && run_a.err_frame_in_buf
         && run_a.bad == 0;

    if (!ok) {
        fprintf(stderr, "violation \"%s\" (%s): rc %d code %u reason \"%s\" "
                "frame %llu in buf %d bad %u\n%s",
                name, conf->client ? "client" : "server", run_a.rc,
                run_a.err_code,
                run_a.err_reason ? run_a.err_reason : "(null)",
                (unsigned long long) run_a.err_frame, run_a.err_frame_in_buf,
                run_a.bad, run_a.log);
    }

    CHECK(ok);

    /* one byte at a time finds the same */

    run_bytes(&run_b, conf, s);

    if (!same_run(&run_a, &run_b) || run_b.bad) {
        fprintf(stderr, "violation \"%s\" (%s) bytewise differs\n", name,
                conf->client ? "client" : "server");
    }

    CHECK(same_run(&run_a, &run_b) && run_b.bad == 0);

    expect_quiet(name, conf, s, &run_a, &run_b);
}


static void
expect_valid(const char *name, const ngx_ws_guard_frame_conf_t *conf,
    const stream_t *s, uint64_t frames, uint64_t messages)
{
    int  ok;

    run_whole(&run_a, conf, s);

    ok = run_a.rc == NGX_WS_GUARD_AGAIN
         && run_a.frames == frames
         && run_a.messages == messages
         && run_a.bad == 0;

    if (!ok) {
        fprintf(stderr, "valid \"%s\" (%s): rc %d reason \"%s\" frames %llu "
                "messages %llu bad %u\n%s",
                name, conf->client ? "client" : "server", run_a.rc,
                run_a.err_reason ? run_a.err_reason : "(null)",
                (unsigned long long) run_a.frames,
                (unsigned long long) run_a.messages, run_a.bad, run_a.log);
    }

    CHECK(ok);

    run_bytes(&run_b, conf, s);

    if (!same_run(&run_a, &run_b) || run_b.bad) {
        fprintf(stderr, "valid \"%s\" (%s) bytewise differs\n", name,
                conf->client ? "client" : "server");
    }

    CHECK(same_run(&run_a, &run_b) && run_b.bad == 0);

    expect_quiet(name, conf, s, &run_a, &run_b);
}


static stream_t  st;


/* the protocol violations, each after a valid ping */

static void
test_violations(int client)
{
    size_t                      at, i;
    unsigned                    op;
    unsigned char               big[200], cl[4], text[200];
    ngx_ws_guard_frame_conf_t   conf;

    /* length, where the invalid byte is */
    static const size_t  long_cases[][2] = {
        { 64, 0 }, { 64, 31 }, { 64, 32 }, { 64, 63 }, { 100, 70 },
        { 100, 96 }, { 100, 99 }, { 200, 127 }, { 200, 128 }, { 200, 199 }
    };

    static const unsigned  bad_codes[] = {
        0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000,
        0xffff
    };

    memset(big, 'a', sizeof(big));

    conf_default(&conf, client);

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put_frame(&st, FIN|OP_TEXT, client ? MASK_NO : MASK_YES, LEN_MIN,
                   2, "hi", 2);
    expect_violation("mask", &conf, &st, at, 1002,
                     client ? "unmasked client frame" : "masked server frame");

    for (op = 3; op <= 0xf; op++) {
        if (op >= 8 && op <= 0xa) {
            continue;
        }

        stream_init(&st, client);
        put(&st, FIN|OP_PING, "p", 1);
        at = put(&st, FIN|op, "x", 1);
        expect_violation("reserved opcode", &conf, &st, at, 1002,
                         "reserved opcode");
    }

    /* RSV1 only with permessage-deflate, only on a message's first frame */

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put(&st, FIN|RSV1|OP_TEXT, "x", 1);
    expect_violation("rsv1", &conf, &st, at, 1002, "rsv bits set");

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put(&st, FIN|RSV2|OP_BINARY, "x", 1);
    expect_violation("rsv2", &conf, &st, at, 1002, "rsv bits set");

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put(&st, FIN|RSV3|OP_TEXT, "x", 1);
    expect_violation("rsv3", &conf, &st, at, 1002, "rsv bits set");

    conf.rsv1_allowed = 1;

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put(&st, FIN|RSV2|OP_TEXT, "x", 1);
    expect_violation("rsv2 deflate", &conf, &st, at, 1002, "rsv bits set");

    stream_init(&st, client);
    put(&st, RSV1|OP_TEXT, "x", 1);
    at = put(&st, FIN|RSV1|OP_CONT, "x", 1);
    expect_violation("rsv1 continuation", &conf, &st, at, 1002,
                     "rsv bits set");

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put(&st, FIN|RSV1|OP_PING, "x", 1);
    expect_violation("rsv1 ping", &conf, &st, at, 1002, "rsv bits set");

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put(&st, FIN|RSV1|OP_CLOSE, NULL, 0);
    expect_violation("rsv1 close", &conf, &st, at, 1002, "rsv bits set");

    conf.rsv1_allowed = 0;

    /* control frames */

    for (op = OP_CLOSE; op <= OP_PONG; op++) {
        stream_init(&st, client);
        put(&st, FIN|OP_PING, "p", 1);
        at = put(&st, op, NULL, 0);
        expect_violation("fragmented control", &conf, &st, at, 1002,
                         "fragmented control frame");

        stream_init(&st, client);
        put(&st, FIN|OP_PING, "p", 1);
        at = put(&st, FIN|op, big, 126);
        expect_violation("control 126", &conf, &st, at, 1002,
                         "control frame too long");

        stream_init(&st, client);
        put(&st, FIN|OP_PING, "p", 1);
        at = put_frame(&st, FIN|op, MASK_DIR, LEN_64, 70000, NULL, 0);
        expect_violation("control 64-bit", &conf, &st, at, 1002,
                         "control frame too long");
    }

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put(&st, FIN|OP_CLOSE, "\x03", 1);
    expect_violation("close 1 byte", &conf, &st, at, 1002,
                     "close frame payload of 1 byte");

    for (i = 0; i < sizeof(bad_codes) / sizeof(bad_codes[0]); i++) {
        cl[0] = (unsigned char) (bad_codes[i] >> 8);
        cl[1] = (unsigned char) bad_codes[i];

        stream_init(&st, client);
        put(&st, FIN|OP_PING, "p", 1);
        at = put(&st, FIN|OP_CLOSE, cl, 2);
        expect_violation("close code", &conf, &st, at, 1002,
                         "invalid close code");
    }

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put(&st, FIN|OP_CLOSE, "\x03\xe8ok\xc0\xaf", 6);
    expect_violation("close reason", &conf, &st, at, 1007,
                     "invalid utf-8 in close reason");

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put(&st, FIN|OP_CLOSE, "\x03\xe8\xe2\x82", 4);
    expect_violation("close reason cut", &conf, &st, at, 1007,
                     "invalid utf-8 in close reason");

    /* message structure */

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put(&st, FIN|OP_CONT, "x", 1);
    expect_violation("continuation first", &conf, &st, at, 1002,
                     "continuation without message");

    stream_init(&st, client);
    put(&st, FIN|OP_TEXT, "a", 1);
    at = put(&st, FIN|OP_CONT, "x", 1);
    expect_violation("continuation after", &conf, &st, at, 1002,
                     "continuation without message");

    stream_init(&st, client);
    put(&st, OP_TEXT, "a", 1);
    put(&st, FIN|OP_PING, "p", 1);
    at = put(&st, FIN|OP_TEXT, "x", 1);
    expect_violation("text in message", &conf, &st, at, 1002,
                     "data frame inside fragmented message");

    stream_init(&st, client);
    put(&st, OP_BINARY, "a", 1);
    put(&st, OP_CONT, "a", 1);
    at = put(&st, OP_BINARY, "x", 1);
    expect_violation("binary in message", &conf, &st, at, 1002,
                     "data frame inside fragmented message");

    /* lengths */

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put_frame(&st, FIN|OP_BINARY, MASK_DIR, LEN_64,
                   0x8000000000000010ULL, NULL, 0);
    expect_violation("64-bit top bit", &conf, &st, at, 1002,
                     "64-bit length top bit set");

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put_frame(&st, FIN|OP_BINARY, MASK_DIR, LEN_16, 125, big, 125);
    expect_violation("16-bit 125", &conf, &st, at, 1002,
                     "length not minimally encoded");

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put_frame(&st, FIN|OP_TEXT, MASK_DIR, LEN_16, 0, NULL, 0);
    expect_violation("16-bit 0", &conf, &st, at, 1002,
                     "length not minimally encoded");

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put_frame(&st, FIN|OP_BINARY, MASK_DIR, LEN_64, 0xffff, NULL, 0);
    expect_violation("64-bit 65535", &conf, &st, at, 1002,
                     "length not minimally encoded");

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put_frame(&st, FIN|OP_BINARY, MASK_DIR, LEN_64, 5, big, 5);
    expect_violation("64-bit 5", &conf, &st, at, 1002,
                     "length not minimally encoded");

    /* UTF-8 of text messages */

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put(&st, FIN|OP_TEXT, "ok \xff", 4);
    expect_violation("text utf-8", &conf, &st, at, 1007, "invalid utf-8");

    /*
     * long ones: masked, they are unmasked 32 bytes at a time and judged
     * ASCII by the OR of the unmasked bytes, which must see the bad byte
     * wherever it is
     */

    for (i = 0; i < sizeof(long_cases) / sizeof(long_cases[0]); i++) {
        memset(text, 'a', sizeof(text));
        text[long_cases[i][1]] = 0xff;

        stream_init(&st, client);
        put(&st, FIN|OP_PING, "p", 1);
        at = put(&st, FIN|OP_TEXT, text, long_cases[i][0]);
        expect_violation("long text utf-8", &conf, &st, at, 1007,
                         "invalid utf-8");
    }

    stream_init(&st, client);
    put(&st, OP_TEXT, "ok \xe2\x82", 5);
    at = put(&st, FIN|OP_CONT, "A", 1);
    expect_violation("split code point", &conf, &st, at, 1007,
                     "invalid utf-8");

    stream_init(&st, client);
    put(&st, OP_TEXT, "ok \xe2", 4);
    at = put(&st, OP_CONT, "A", 1);
    put(&st, FIN|OP_CONT, "\x82\xac", 2);
    expect_violation("ascii inside code point", &conf, &st, at, 1007,
                     "invalid utf-8");

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put(&st, FIN|OP_TEXT, "ok \xe2\x82", 5);
    expect_violation("message ends in code point", &conf, &st, at, 1007,
                     "invalid utf-8");

    stream_init(&st, client);
    put(&st, OP_TEXT, "ok \xe2", 4);
    put(&st, OP_CONT, "\x82", 1);
    put(&st, FIN|OP_PING, "p", 1);
    at = put(&st, FIN|OP_CONT, NULL, 0);
    expect_violation("empty final fragment in code point", &conf, &st, at,
                     1007, "invalid utf-8");

    /* sizes */

    conf.max_frame_size = 10;

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put(&st, FIN|OP_TEXT, big, 11);
    expect_violation("frame 11 of 10", &conf, &st, at, 1009,
                     "frame too big");

    stream_init(&st, client);
    put(&st, OP_BINARY, big, 10);
    at = put(&st, FIN|OP_CONT, big, 11);
    expect_violation("continuation 11 of 10", &conf, &st, at, 1009,
                     "frame too big");

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put_frame(&st, FIN|OP_BINARY, MASK_DIR, LEN_64, 1ULL << 40, NULL, 0);
    expect_violation("frame 2^40 of 10", &conf, &st, at, 1009,
                     "frame too big");

    conf.max_frame_size = 0;
    conf.max_message_size = 10;

    stream_init(&st, client);
    put(&st, OP_TEXT, big, 6);
    put(&st, FIN|OP_PING, big, 20);
    at = put(&st, FIN|OP_CONT, big, 5);
    expect_violation("message 11 of 10", &conf, &st, at, 1009,
                     "message too big");

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put(&st, FIN|OP_BINARY, big, 11);
    expect_violation("message 11 of 10 in one", &conf, &st, at, 1009,
                     "message too big");

    /* both limits: the frame limit is reported first */

    conf.max_frame_size = 10;

    stream_init(&st, client);
    put(&st, FIN|OP_PING, "p", 1);
    at = put(&st, FIN|OP_BINARY, big, 11);
    expect_violation("frame and message", &conf, &st, at, 1009,
                     "frame too big");

    conf.max_frame_size = 0;
    conf.max_message_size = 0;

    /* data types */

    conf.types = NGX_WS_GUARD_FRAME_BINARY;

    stream_init(&st, client);
    put(&st, FIN|OP_BINARY, "b", 1);
    at = put(&st, FIN|OP_TEXT, "t", 1);
    expect_violation("text not allowed", &conf, &st, at, 1003,
                     "text messages not allowed");

    conf.types = NGX_WS_GUARD_FRAME_TEXT;

    stream_init(&st, client);
    put(&st, FIN|OP_TEXT, "t", 1);
    at = put(&st, OP_BINARY, "b", 1);
    expect_violation("binary not allowed", &conf, &st, at, 1003,
                     "binary messages not allowed");

    conf.types = NGX_WS_GUARD_FRAME_TEXT|NGX_WS_GUARD_FRAME_BINARY;

    /* the first frame of the stream */

    stream_init(&st, client);
    at = put(&st, FIN|0x3, NULL, 0);
    expect_violation("first frame", &conf, &st, at, 1002, "reserved opcode");
}

typedef struct {
    unsigned        op;
    unsigned        fin;
    unsigned        len;
    unsigned        hflags;
    unsigned        eflags;
    const char     *close;
} frame_spec_t;


static const frame_spec_t  interleaved[] = {
    { OP_TEXT,   0, 4,   1, 0, NULL },
    { OP_PING,   1, 4,   0, 0, NULL },
    { OP_CONT,   0, 4,   0, 0, NULL },
    { OP_PONG,   1, 0,   0, 0, NULL },
    { OP_CONT,   0, 0,   0, 0, NULL },
    { OP_PING,   1, 125, 0, 0, NULL },
    { OP_CONT,   1, 2,   0, 2, NULL },
    { OP_BINARY, 1, 2,   1, 2, NULL },
    { OP_CLOSE,  1, 9,   0, 4, " close 1000 'bye \xe2\x82\xac'" }
};


/* the log that run() must write for these frames */

static const char *
expected_log(int client, const frame_spec_t *spec, size_t n)
{
    size_t       i, len;
    unsigned     at, end;

    static char  log[LOG_MAX];

    len = 0;
    at = 0;

    for (i = 0; i < n; i++) {
        end = at + 2 + (client ? 4 : 0) + (spec[i].len > 125 ? 2 : 0)
              + spec[i].len;

        len += snprintf(log + len, sizeof(log) - len,
                        "H op%x fin%u rsv0 m%u len%u @%u f%u\n"
                        "E @%u f%u end%u%s\n",
                        spec[i].op, spec[i].fin, client, spec[i].len, at,
                        spec[i].hflags, at, spec[i].eflags, end,
                        spec[i].close ? spec[i].close : "");
        at = end;
    }

    return log;
}


static void
test_valid(int client)
{
    size_t                      i;
    unsigned char               big[200], cl[4];
    ngx_ws_guard_frame_conf_t   conf;

    memset(big, 'a', sizeof(big));

    conf_default(&conf, client);

    /* control frames between fragments, a code point across fragments */

    stream_init(&st, client);
    put(&st, OP_TEXT, "caf\xc3", 4);
    put(&st, FIN|OP_PING, "ping", 4);
    put(&st, OP_CONT, "\xa9 \xe2\x82", 4);
    put(&st, FIN|OP_PONG, NULL, 0);
    put(&st, OP_CONT, NULL, 0);
    put(&st, FIN|OP_PING, big, 125);
    put(&st, FIN|OP_CONT, "\xac!", 2);
    put(&st, FIN|OP_BINARY, "\xff\x00", 2);
    put(&st, FIN|OP_CLOSE, "\x03\xe8" "bye \xe2\x82\xac", 9);
    expect_valid("interleaved", &conf, &st, 9, 2);

    CHECK(strcmp(run_a.log, expected_log(client, interleaved,
                 sizeof(interleaved) / sizeof(interleaved[0])))
          == 0);

    CHECK_EQ_INT(run_a.data_len, 4 + 4 + 4 + 0 + 0 + 125 + 2 + 2 + 9);
    CHECK(memcmp(run_a.data, "caf\xc3ping\xa9 \xe2\x82", 12) == 0);
    CHECK(memcmp(run_a.data + 12 + 125, "\xac!", 2) == 0);
    CHECK(memcmp(run_a.data + 12 + 125 + 4, "\x03\xe8" "bye \xe2\x82\xac", 9)
          == 0);
    CHECK(strstr(run_a.log, "close 1000 'bye \xe2\x82\xac'") != NULL);

    /* in the unmasked direction binary data is given too */

    if (!client) {
        CHECK(memcmp(run_a.data + 12 + 125 + 2, "\xff\x00", 2) == 0);

    } else {
        CHECK(memcmp(run_a.data + 12 + 125 + 2, "??", 2) == 0);
    }

    /* message start and end flags */

    CHECK(strstr(run_a.log, "H op1 fin0 rsv0") != NULL
          && strstr(run_a.log, "f1\n") != NULL);

    /* empty frames and messages */

    stream_init(&st, client);
    put(&st, FIN|OP_TEXT, NULL, 0);
    put(&st, OP_BINARY, NULL, 0);
    put(&st, FIN|OP_CONT, NULL, 0);
    put(&st, FIN|OP_PING, NULL, 0);
    put(&st, FIN|OP_CLOSE, NULL, 0);
    expect_valid("empty", &conf, &st, 5, 2);
    CHECK_EQ_INT(run_a.data_events, 0);
    CHECK(strstr(run_a.log, "close 0 ''") != NULL);

    /* lengths at the encoding boundaries */

    stream_init(&st, client);
    put(&st, FIN|OP_BINARY, big, 125);
    put_frame(&st, FIN|OP_BINARY, MASK_DIR, LEN_16, 126, big, 126);
    expect_valid("125 126", &conf, &st, 2, 2);
    CHECK(strstr(run_a.log, "len126 @") != NULL);

    {
        static unsigned char  huge[70000];

        for (i = 0; i < sizeof(huge); i++) {
            huge[i] = (unsigned char) ('a' + i % 26);
        }

        memcpy(huge + 65530, "\xf0\x9f\x98\x80", 4);

        stream_init(&st, client);
        put(&st, FIN|OP_TEXT, huge, 0xffff);
        put(&st, FIN|OP_TEXT, huge, 0x10000);
        put(&st, FIN|OP_TEXT, huge, sizeof(huge));
        expect_valid("65535 65536 70000", &conf, &st, 3, 3);
        CHECK(strstr(run_a.log, "len65535 @") != NULL);
        CHECK(strstr(run_a.log, "len65536 @") != NULL);
        CHECK_EQ_INT(run_a.data_len, 0xffff + 0x10000 + sizeof(huge));
        CHECK(memcmp(run_a.data + 0xffff + 0x10000, huge, sizeof(huge)) == 0);

        /* a small scratch window: DATA spans no longer than it */

        conf.scratch_size = 7;
        run_whole(&run_b, &conf, &st);
        CHECK(same_run(&run_a, &run_b));

        if (client) {
            CHECK(run_b.data_events >= (0xffff + 0x10000 + 70000) / 7);

        } else {
            CHECK_EQ_INT(run_b.data_events, 3);
        }

        conf.scratch_size = sizeof(scratch);
    }

    /* sizes exactly at the limits */

    conf.max_frame_size = 10;

    stream_init(&st, client);
    put(&st, FIN|OP_TEXT, big, 10);
    put(&st, OP_BINARY, big, 10);
    put(&st, FIN|OP_CONT, big, 10);
    put(&st, FIN|OP_PING, big, 20);
    expect_valid("frame at limit", &conf, &st, 4, 2);

    conf.max_frame_size = 0;
    conf.max_message_size = 10;

    stream_init(&st, client);
    put(&st, OP_TEXT, big, 6);
    put(&st, FIN|OP_PING, big, 20);
    put(&st, FIN|OP_CONT, big, 4);
    put(&st, FIN|OP_BINARY, big, 10);
    expect_valid("message at limit", &conf, &st, 4, 2);

    conf.max_message_size = 0;

    /* permessage-deflate: RSV1 on the first frame, payload not UTF-8 */

    conf.rsv1_allowed = 1;

    stream_init(&st, client);
    put(&st, RSV1|OP_TEXT, "\xff\xfe", 2);
    put(&st, FIN|OP_CONT, "\x80", 1);
    put(&st, FIN|RSV1|OP_BINARY, "\x01", 1);
    put(&st, FIN|OP_TEXT, "plain", 5);
    expect_valid("deflate", &conf, &st, 4, 3);
    CHECK(strstr(run_a.log, "H op1 fin0 rsv4") != NULL);

    conf.rsv1_allowed = 0;

    /* without the UTF-8 check */

    conf.utf8 = 0;

    stream_init(&st, client);
    put(&st, FIN|OP_TEXT, "\xff", 1);
    put(&st, FIN|OP_TEXT, "\xe2\x82", 2);
    expect_valid("utf8 off", &conf, &st, 2, 2);

    if (client) {
        CHECK(memcmp(run_a.data, "???", 3) == 0);
    }

    /* close reasons are always checked */

    stream_init(&st, client);
    put(&st, FIN|OP_CLOSE, "\x03\xe8\xff", 3);
    run_whole(&run_a, &conf, &st);
    CHECK_EQ_INT(run_a.rc, NGX_WS_GUARD_ERROR);
    CHECK_EQ_INT(run_a.err_code, 1007);

    conf.utf8 = 1;

    /* inspect: masked binary unmasked on request */

    conf.inspect = NGX_WS_GUARD_FRAME_BINARY;

    stream_init(&st, client);
    put(&st, FIN|OP_BINARY, "\xff\x00", 2);
    expect_valid("inspect binary", &conf, &st, 1, 1);
    CHECK(memcmp(run_a.data, "\xff\x00", 2) == 0);

    conf.inspect = 0;

    /* every valid close code */

    for (i = 1000; i < 5000; i++) {
        if (!ngx_ws_guard_frame_close_code_valid((unsigned) i)) {
            continue;
        }

        cl[0] = (unsigned char) (i >> 8);
        cl[1] = (unsigned char) i;

        stream_init(&st, client);
        put(&st, FIN|OP_CLOSE, cl, 2);
        run_whole(&run_a, &conf, &st);

        if (run_a.rc != NGX_WS_GUARD_AGAIN || run_a.frames != 1) {
            fprintf(stderr, "close code %zu refused\n", i);
            CHECK(0);
            break;
        }
    }

    CHECK(i == 5000);
}


/* a stream with every kind of frame, cut at every point and byte by byte */

static void
test_chunking(int client)
{
    int                         same;
    size_t                      i, j, cuts[2];
    unsigned char               big[300];
    ngx_ws_guard_frame_conf_t   conf;

    for (i = 0; i < sizeof(big); i++) {
        big[i] = (unsigned char) (' ' + i % 90);
    }

    conf_default(&conf, client);
    conf.scratch_size = 16;

    stream_init(&st, client);
    put(&st, FIN|OP_TEXT, "hello", 5);
    put(&st, OP_TEXT, "\xf0\x9f", 2);
    put(&st, FIN|OP_PING, "x", 1);
    put(&st, OP_CONT, "\x98", 1);
    put(&st, FIN|OP_CONT, "\x80", 1);
    put(&st, FIN|OP_BINARY, big, 300);
    put(&st, FIN|OP_TEXT, big, 126);
    put(&st, FIN|OP_PONG, "y", 1);
    put(&st, FIN|OP_CLOSE, "\x0f\xa0why", 5);

    run_whole(&run_a, &conf, &st);
    CHECK_EQ_INT(run_a.rc, NGX_WS_GUARD_AGAIN);
    CHECK_EQ_INT(run_a.frames, 9);
    CHECK_EQ_INT(run_a.messages, 4);
    CHECK_EQ_INT(run_a.bad, 0);

    same = 1;

    for (i = 0; i <= st.len; i++) {
        cuts[0] = i;
        run(&run_b, &conf, st.b, st.len, cuts, 1);
        same &= same_run(&run_a, &run_b) && run_b.bad == 0;
    }

    CHECK(same);

    same = 1;

    for (i = 0; i <= st.len; i += 3) {
        for (j = i; j <= st.len; j += 5) {
            cuts[0] = i;
            cuts[1] = j;
            run(&run_b, &conf, st.b, st.len, cuts, 2);
            same &= same_run(&run_a, &run_b) && run_b.bad == 0;
        }
    }

    CHECK(same);

    run_bytes(&run_b, &conf, &st);
    CHECK(same_run(&run_a, &run_b) && run_b.bad == 0);

    /* the same stream with a violation at the end, cut everywhere */

    put(&st, FIN|OP_TEXT, "ok\xed\xa0\x80", 5);

    run_whole(&run_a, &conf, &st);
    CHECK_EQ_INT(run_a.rc, NGX_WS_GUARD_ERROR);
    CHECK_EQ_INT(run_a.err_code, 1007);

    same = 1;

    for (i = 0; i <= st.len; i++) {
        cuts[0] = i;
        run(&run_b, &conf, st.b, st.len, cuts, 1);
        same &= same_run(&run_a, &run_b) && run_b.bad == 0;
    }

    CHECK(same);
}


/* the position of a violating frame that began in an earlier buffer */

static void
test_positions(void)
{
    int                          rc;
    size_t                       pos;
    stream_t                    *s;
    ngx_ws_guard_frame_t         f;
    ngx_ws_guard_frame_conf_t    conf;
    ngx_ws_guard_frame_event_t   ev;

    s = &st;

    conf_default(&conf, SERVER);

    stream_init(s, SERVER);
    put(s, FIN|OP_TEXT, "abc", 3);
    put(s, FIN|OP_TEXT, "d\xff", 2);

    CHECK_EQ_INT(ngx_ws_guard_frame_init(&f, &conf), NGX_WS_GUARD_OK);
    CHECK(ngx_ws_guard_frame_boundary(&f));

    /* first buffer: the first frame and the header of the second */

    pos = 0;
    rc = ngx_ws_guard_frame_parse(&f, s->b, 7, &pos, &ev);
    CHECK_EQ_INT(rc, NGX_WS_GUARD_OK);
    CHECK_EQ_INT(ev.type, NGX_WS_GUARD_FRAME_EV_HEADER);
    CHECK_EQ_INT(ev.flags, NGX_WS_GUARD_FRAME_MESSAGE_START);
    CHECK_EQ_INT(pos, 2);
    CHECK(!ngx_ws_guard_frame_boundary(&f));

    rc = ngx_ws_guard_frame_parse(&f, s->b, 7, &pos, &ev);
    CHECK_EQ_INT(rc, NGX_WS_GUARD_OK);
    CHECK_EQ_INT(ev.type, NGX_WS_GUARD_FRAME_EV_DATA);
    CHECK(ev.raw == s->b + 2 && ev.data == ev.raw && ev.len == 3);

    rc = ngx_ws_guard_frame_parse(&f, s->b, 7, &pos, &ev);
    CHECK_EQ_INT(rc, NGX_WS_GUARD_OK);
    CHECK_EQ_INT(ev.type, NGX_WS_GUARD_FRAME_EV_END);
    CHECK_EQ_INT(ev.flags, NGX_WS_GUARD_FRAME_MESSAGE_END);
    CHECK_EQ_INT(pos, 5);
    CHECK(ngx_ws_guard_frame_boundary(&f));

    rc = ngx_ws_guard_frame_parse(&f, s->b, 7, &pos, &ev);
    CHECK_EQ_INT(rc, NGX_WS_GUARD_OK);
    CHECK_EQ_INT(ev.type, NGX_WS_GUARD_FRAME_EV_HEADER);
    CHECK(ev.frame_in_buf && ev.frame_pos == 5);

    rc = ngx_ws_guard_frame_parse(&f, s->b, 7, &pos, &ev);
    CHECK_EQ_INT(rc, NGX_WS_GUARD_AGAIN);
    CHECK_EQ_INT(pos, 7);

    /* second buffer: the payload, with the invalid byte */

    pos = 0;
    rc = ngx_ws_guard_frame_parse(&f, s->b + 7, 2, &pos, &ev);
    CHECK_EQ_INT(rc, NGX_WS_GUARD_ERROR);
    CHECK_EQ_INT(ev.type, NGX_WS_GUARD_FRAME_EV_ERROR);
    CHECK_EQ_INT(ev.frame_in_buf, 0);
    CHECK_EQ_INT(f.frame.start, 5);
    CHECK_EQ_INT(f.err_code, NGX_WS_GUARD_CLOSE_INVALID_DATA);
    CHECK_EQ_INT(f.frames, 1);
    CHECK_EQ_INT(f.messages, 1);

    /* a client stream needs a scratch window */

    conf_default(&conf, CLIENT);
    conf.scratch = NULL;
    CHECK_EQ_INT(ngx_ws_guard_frame_init(&f, &conf), NGX_WS_GUARD_ERROR);

    conf_default(&conf, CLIENT);
    conf.scratch_size = 0;
    CHECK_EQ_INT(ngx_ws_guard_frame_init(&f, &conf), NGX_WS_GUARD_ERROR);

    /* an empty buffer */

    conf_default(&conf, CLIENT);
    CHECK_EQ_INT(ngx_ws_guard_frame_init(&f, &conf), NGX_WS_GUARD_OK);
    pos = 0;
    CHECK_EQ_INT(ngx_ws_guard_frame_parse(&f, s->b, 0, &pos, &ev),
                 NGX_WS_GUARD_AGAIN);
    CHECK_EQ_INT(f.offset, 0);
}


/*
 * What ngx_ws_guard_frame_run() takes and where it stops: whole data frames
 * only, and nothing it could not judge as the events would.
 */

static void
test_quiet(int client)
{
    size_t                     i, k, cuts[2];
    unsigned char              big[5000], text[900];
    ngx_ws_guard_frame_conf_t  conf;

    conf_default(&conf, client);
    quiet = 1;

    memset(big, 'a', sizeof(big));

    /* data frames of every kind, whole in the buffer: all taken */

    stream_init(&st, client);
    put(&st, FIN|OP_TEXT, "hello", 5);
    put(&st, FIN|OP_TEXT, "", 0);
    put(&st, OP_TEXT, "caf\xc3", 4);
    put(&st, OP_CONT, "\xa9 ", 2);
    put(&st, FIN|OP_CONT, big, 200);
    put(&st, FIN|OP_BINARY, "\xff\x00", 2);
    put(&st, FIN|OP_TEXT, big, 4096);
    run_whole(&run_q, &conf, &st);
    CHECK_EQ_INT(run_q.rc, NGX_WS_GUARD_AGAIN);
    CHECK_EQ_INT(run_q.bad, 0);
    CHECK_EQ_INT(run_q.frames, 7);
    CHECK_EQ_INT(run_q.messages, 5);
    CHECK_EQ_INT(run_q.quiet_frames, 7);
    CHECK_EQ_INT(run_q.log_len, 0);

    /* a control frame between fragments: the events take it, run() goes on */

    stream_init(&st, client);
    put(&st, OP_TEXT, "ab", 2);
    put(&st, FIN|OP_PING, "p", 1);
    put(&st, FIN|OP_CONT, "cd", 2);
    put(&st, FIN|OP_BINARY, "x", 1);
    run_whole(&run_q, &conf, &st);
    CHECK_EQ_INT(run_q.rc, NGX_WS_GUARD_AGAIN);
    CHECK_EQ_INT(run_q.frames, 4);
    CHECK_EQ_INT(run_q.quiet_frames, 3);
    CHECK(strstr(run_q.log, "H op9") != NULL);
    CHECK(strstr(run_q.log, "H op0") == NULL);

    /* masked text wider than the scratch window: a window at a time */

    stream_init(&st, client);
    put(&st, FIN|OP_TEXT, big, sizeof(scratch) + 1);
    run_whole(&run_q, &conf, &st);
    CHECK_EQ_INT(run_q.rc, NGX_WS_GUARD_AGAIN);
    CHECK_EQ_INT(run_q.quiet_frames, 1);
    CHECK_EQ_INT(run_q.log_len, 0);

    /*
     * a frame cut by the buffer's end: taken in part, then its rest; a
     * header cut: the events take it, then run() the payload
     */

    stream_init(&st, client);
    put(&st, FIN|OP_TEXT, "abc", 3);
    put(&st, FIN|OP_TEXT, big, 100);
    put(&st, FIN|OP_TEXT, big, 300);
    cuts[0] = st.len - 350;
    cuts[1] = st.len - 301 - (client ? 4 : 0);
    run(&run_q, &conf, st.b, st.len, cuts, 2);
    CHECK_EQ_INT(run_q.rc, NGX_WS_GUARD_AGAIN);
    CHECK_EQ_INT(run_q.bad, 0);
    CHECK_EQ_INT(run_q.frames, 3);
    CHECK_EQ_INT(run_q.quiet_frames, 3);

    /* the cut header's event, once */
    CHECK(strstr(run_q.log, "H op1 fin1 rsv0") != NULL);
    CHECK(strstr(run_q.log, "\n") == strrchr(run_q.log, '\n'));

    /*
     * left to the events: text that ends inside a code point (in a payload
     * cut by the buffer's end too), compressed messages
     */

    stream_init(&st, client);
    put(&st, FIN|OP_TEXT, "ok", 2);
    put(&st, FIN|OP_TEXT, "caf\xc3\xa9 caf\xc3", 10);
    cuts[0] = st.len - 3;
    run(&run_q, &conf, st.b, st.len, cuts, 1);
    CHECK_EQ_INT(run_q.rc, NGX_WS_GUARD_ERROR);
    CHECK_EQ_INT(run_q.err_code, 1007);
    CHECK_EQ_INT(run_q.err_frame, 2 + 2 + (client ? 4 : 0));
    CHECK_EQ_INT(run_q.quiet_frames, 1);

    /* its header went without an event: the error comes at its end */
    CHECK_EQ_INT(run_q.log_len, 0);

    stream_init(&st, client);
    put(&st, FIN|OP_TEXT, "ok", 2);
    put(&st, FIN|OP_TEXT, "caf\xc3", 4);
    run_whole(&run_q, &conf, &st);
    CHECK_EQ_INT(run_q.rc, NGX_WS_GUARD_ERROR);
    CHECK_EQ_INT(run_q.err_code, 1007);
    CHECK_EQ_INT(run_q.err_frame, 2 + 2 + (client ? 4 : 0));
    CHECK_EQ_INT(run_q.quiet_frames, 1);

    conf.rsv1_allowed = 1;

    stream_init(&st, client);
    put(&st, FIN|OP_TEXT, "ok", 2);
    put(&st, FIN|RSV1|OP_TEXT, "\xff", 1);
    put(&st, FIN|OP_TEXT, "ok", 2);
    run_whole(&run_q, &conf, &st);
    CHECK_EQ_INT(run_q.rc, NGX_WS_GUARD_AGAIN);
    CHECK_EQ_INT(run_q.frames, 3);
    CHECK_EQ_INT(run_q.quiet_frames, 2);

    conf.rsv1_allowed = 0;

    /*
     * against the events alone (expect_valid() compares the quiet way with
     * them, and the parser's state at every chunk's end): a fragmented
     * binary message whose continuation is not UTF-8; two fragmented
     * messages at the message size limit, each counted from 0; masked
     * text across scratch windows of sizes that are not a multiple of 4,
     * code points cut by them
     */

    quiet = 0;

    stream_init(&st, client);
    put(&st, OP_BINARY, "\xff\xfe", 2);
    put(&st, FIN|OP_CONT, "\x80\xc3", 2);
    put(&st, FIN|OP_TEXT, "ok", 2);
    expect_valid("binary continuation", &conf, &st, 3, 2);

    conf.max_message_size = 10;

    stream_init(&st, client);
    put(&st, OP_TEXT, big, 6);
    put(&st, FIN|OP_CONT, big, 4);
    put(&st, OP_BINARY, big, 6);
    put(&st, FIN|OP_CONT, big, 4);
    put(&st, OP_TEXT, big, 9);
    put(&st, FIN|OP_CONT, big, 1);
    expect_valid("messages at the limit", &conf, &st, 6, 3);

    conf.max_message_size = 0;

    for (i = 0; i < 300; i++) {
        memcpy(text + 3 * i, "\xe2\x82\xac", 3);
    }

    for (k = 1; k <= 13; k += 2) {
        conf.scratch_size = k;

        stream_init(&st, client);
        put(&st, FIN|OP_TEXT, text, 900);
        put(&st, OP_TEXT, text, 301);
        put(&st, FIN|OP_CONT, text + 1, 2);
        put(&st, FIN|OP_TEXT, text, 297);
        expect_valid("scratch windows", &conf, &st, 4, 3);

        stream_init(&st, client);
        put(&st, FIN|OP_TEXT, text, 600);
        put(&st, FIN|OP_TEXT, text, 298);
        expect_violation("scratch windows, cut code point", &conf, &st,
                         600 + (client ? 8 : 4), 1007, "invalid utf-8");
    }

    conf.scratch_size = sizeof(scratch);

    quiet = 1;

    /*
     * a binary continuation that would be valid so far as text, then a
     * chunk's end: the state of the message must still be that of binary
     */

    stream_init(&st, client);
    put(&st, OP_BINARY, "\xff", 1);
    put(&st, OP_CONT, "\xc3", 1);
    cuts[0] = st.len;
    put(&st, FIN|OP_CONT, "ok", 2);
    run(&run_q, &conf, st.b, st.len, cuts, 1);
    CHECK_EQ_INT(run_q.rc, NGX_WS_GUARD_AGAIN);
    CHECK_EQ_INT(run_q.bad, 0);
    CHECK_EQ_INT(run_q.quiet_frames, 3);

    /* conf.inspect set: nothing taken */

    conf.inspect = NGX_WS_GUARD_FRAME_TEXT;

    stream_init(&st, client);
    put(&st, FIN|OP_TEXT, "hello", 5);
    run_whole(&run_q, &conf, &st);
    CHECK_EQ_INT(run_q.frames, 1);
    CHECK_EQ_INT(run_q.quiet_frames, 0);

    conf.inspect = 0;

    /*
     * runs of small frames: 300 whole, all taken; 40 a byte at a time (fewer
     * for the log): the headers to the events, the payloads taken, so all
     * but the empty frame end in it
     */

    for (k = 0; k < 2; k++) {
        stream_init(&st, client);

        for (i = 0; i < (k ? 40 : 300); i++) {
            put(&st, FIN|OP_TEXT, big, i % 130);
        }

        if (k) {
            run_bytes(&run_q, &conf, &st);

        } else {
            run_whole(&run_q, &conf, &st);
        }

        CHECK_EQ_INT(run_q.rc, NGX_WS_GUARD_AGAIN);
        CHECK_EQ_INT(run_q.bad, 0);
        CHECK_EQ_INT(run_q.messages, i);
        CHECK_EQ_INT(run_q.quiet_frames, k ? 39 : 300);
    }

    quiet = 0;
}


static void
test_unmask(void)
{
    size_t          len, off, i;
    unsigned        bad;
    unsigned char   src[240], dst[240], inplace[240];

    for (i = 0; i < sizeof(src); i++) {
        src[i] = (unsigned char) (i * 7 + 3);
    }

    bad = 0;

    /* every length and phase through 200: the 64, 32, 8-byte loops, tail */

    for (off = 0; off < 8; off++) {
        for (len = 0; len <= 200; len++) {
            memset(dst, 0xee, sizeof(dst));
            ngx_ws_guard_frame_unmask(dst, src + 1, len, test_key, off);

            for (i = 0; i < len; i++) {
                bad += dst[i] != (src[1 + i] ^ test_key[(off + i) & 3]);
            }

            bad += dst[len] != 0xee;

            memcpy(inplace, src + 1, len);
            ngx_ws_guard_frame_unmask(inplace, inplace, len, test_key, off);
            bad += memcmp(inplace, dst, len) != 0;
        }
    }

    CHECK_EQ_INT(bad, 0);

    /* the offset counts modulo 4 even beyond 32 bits */

    ngx_ws_guard_frame_unmask(dst, src, 8, test_key, 0x100000001ULL);
    CHECK_EQ_INT(dst[0], src[0] ^ test_key[1]);
    CHECK_EQ_INT(dst[7], src[7] ^ test_key[0]);
}


static void
test_close_build(void)
{
    size_t                      n, i;
    unsigned char               out[NGX_WS_GUARD_FRAME_CLOSE_MAX + 8];
    unsigned char               reason[201];
    ngx_ws_guard_frame_t        f;
    ngx_ws_guard_frame_conf_t   conf;

    /* unmasked, for the client */

    n = ngx_ws_guard_frame_close(out, sizeof(out), 1008,
                                 (const unsigned char *) "rate limit exceeded",
                                 19, NULL);
    CHECK_EQ_INT(n, 2 + 2 + 19);
    CHECK_EQ_INT(out[0], 0x88);
    CHECK_EQ_INT(out[1], 21);
    CHECK_EQ_INT(out[2], 1008 >> 8);
    CHECK_EQ_INT(out[3], 1008 & 0xff);
    CHECK(memcmp(out + 4, "rate limit exceeded", 19) == 0);

    conf_default(&conf, SERVER);
    stream_init(&st, SERVER);
    memcpy(st.b, out, n);
    st.len = n;
    run_whole(&run_a, &conf, &st);
    CHECK_EQ_INT(run_a.rc, NGX_WS_GUARD_AGAIN);
    CHECK(strstr(run_a.log, "close 1008 'rate limit exceeded'") != NULL);

    /* masked, for the upstream */

    n = ngx_ws_guard_frame_close(out, sizeof(out), 1002,
                                 (const unsigned char *) "rsv bits set", 12,
                                 test_key);
    CHECK_EQ_INT(n, 2 + 4 + 2 + 12);
    CHECK_EQ_INT(out[1], 0x80 | 14);
    CHECK(memcmp(out + 2, test_key, 4) == 0);
    CHECK(memcmp(out + 8, "rsv bits set", 12) != 0);

    conf_default(&conf, CLIENT);
    stream_init(&st, CLIENT);
    memcpy(st.b, out, n);
    st.len = n;
    run_whole(&run_a, &conf, &st);
    CHECK_EQ_INT(run_a.rc, NGX_WS_GUARD_AGAIN);
    CHECK(strstr(run_a.log, "close 1002 'rsv bits set'") != NULL);

    /* code 0: an empty close frame */

    n = ngx_ws_guard_frame_close(out, sizeof(out), 0,
                                 (const unsigned char *) "x", 1, NULL);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(out[1], 0);

    /* a long reason is cut at 123 bytes, not inside a code point */

    for (i = 0; i < sizeof(reason); i += 3) {
        memcpy(reason + i, "\xe2\x82\xac", 3);
    }

    n = ngx_ws_guard_frame_close(out, sizeof(out), 1009, reason, 200, test_key);
    CHECK_EQ_INT(n, 2 + 4 + 2 + 123);
    CHECK_EQ_INT(n, NGX_WS_GUARD_FRAME_CLOSE_MAX);

    CHECK_EQ_INT(ngx_ws_guard_frame_init(&f, &conf), NGX_WS_GUARD_OK);
    stream_init(&st, CLIENT);
    memcpy(st.b, out, n);
    st.len = n;
    run_whole(&run_a, &conf, &st);
    CHECK_EQ_INT(run_a.rc, NGX_WS_GUARD_AGAIN);
    CHECK_EQ_INT(run_a.frames, 1);

    n = ngx_ws_guard_frame_close(out, sizeof(out), 1009, reason + 1, 199,
                                 NULL);
    CHECK_EQ_INT(n, 2 + 2 + 2 + 120);

    n = ngx_ws_guard_frame_close(out, sizeof(out), 1009, reason + 1, 125,
                                 NULL);
    CHECK_EQ_INT(out[1], 2 + 122);
    CHECK_EQ_INT(n, 2 + 2 + 122);

    /* too small a buffer, a code that does not fit 16 bits */

    CHECK_EQ_INT(ngx_ws_guard_frame_close(out, 5, 1000, NULL, 0, test_key), 0);
    CHECK_EQ_INT(ngx_ws_guard_frame_close(out, 8, 1000, NULL, 0, test_key), 8);
    CHECK_EQ_INT(ngx_ws_guard_frame_close(out, 8, 0x10000, NULL, 0, NULL), 0);
}


static void
test_close_codes(void)
{
    unsigned  code, wrong;
    int       expect;

    wrong = 0;

    for (code = 0; code <= 0xffff; code++) {
        expect = (code >= 1000 && code <= 1003)
                 || (code >= 1007 && code <= 1014)
                 || (code >= 3000 && code <= 4999);

        wrong += !ngx_ws_guard_frame_close_code_valid(code) != !expect;
    }

    CHECK_EQ_INT(wrong, 0);

    CHECK(ngx_ws_guard_frame_close_code_valid(1000));
    CHECK(ngx_ws_guard_frame_close_code_valid(1011));
    CHECK(ngx_ws_guard_frame_close_code_valid(1014));
    CHECK(ngx_ws_guard_frame_close_code_valid(3000));
    CHECK(ngx_ws_guard_frame_close_code_valid(4999));
    CHECK(!ngx_ws_guard_frame_close_code_valid(999));
    CHECK(!ngx_ws_guard_frame_close_code_valid(1004));
    CHECK(!ngx_ws_guard_frame_close_code_valid(1005));
    CHECK(!ngx_ws_guard_frame_close_code_valid(1006));
    CHECK(!ngx_ws_guard_frame_close_code_valid(1015));
    CHECK(!ngx_ws_guard_frame_close_code_valid(2999));
    CHECK(!ngx_ws_guard_frame_close_code_valid(5000));
}


int
main(void)
{
    test_violations(CLIENT);
    test_violations(SERVER);
    test_valid(CLIENT);
    test_valid(SERVER);
    test_chunking(CLIENT);
    test_chunking(SERVER);
    test_positions();

    /* the quiet runs of expect_valid() and expect_violation() took frames */
    fprintf(stderr, "frame: %llu frames taken by ngx_ws_guard_frame_run() "
            "in the quiet runs of the cases above\n",
            (unsigned long long) quiet_total);
    CHECK(quiet_total > 50);

    test_quiet(CLIENT);
    test_quiet(SERVER);
    test_unmask();
    test_close_build();
    test_close_codes();

    /* unmasking again with the portable code (AVX2 above, if the CPU has
     * it): the level can only be lowered, so this comes last */
    if (ngx_ws_guard_utf8_simd_level(-1) > 1) {
        (void) ngx_ws_guard_utf8_simd_level(1);
        test_unmask();
    }

    return unit_done("frame");
}
