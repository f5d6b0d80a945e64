
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * The counters of all workers, in a small shared-memory zone made at
 * configuration time and kept across reloads, and the ws_guard_status
 * handler that reports them as JSON (yajl's generator) or in Prometheus'
 * text exposition format.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <yajl/yajl_gen.h>

#include "ngx_http_ws_guard.h"
#include "ngx_http_ws_guard_status.h"


#define NGX_HTTP_WS_GUARD_NRESULTS  (NGX_HTTP_WS_GUARD_RESULT_UPSTREAM + 1)
#define NGX_HTTP_WS_GUARD_NKINDS    15
#define NGX_HTTP_WS_GUARD_NCODES    8


typedef struct {
    ngx_atomic_t                size;        /* of this, to reuse it */
    ngx_atomic_t                open;
    ngx_atomic_t                handshakes[NGX_HTTP_WS_GUARD_NRESULTS];
    ngx_atomic_t                dry_run_handshakes[NGX_HTTP_WS_GUARD_NRESULTS];
    ngx_atomic_t                frames[2];
    ngx_atomic_t                messages[2];
    ngx_atomic_t                bytes[2];
    ngx_atomic_t                violations[NGX_HTTP_WS_GUARD_NKINDS];
    ngx_atomic_t                dry_run_violations[NGX_HTTP_WS_GUARD_NKINDS];
    ngx_atomic_t                closes[NGX_HTTP_WS_GUARD_NCODES];
} ngx_http_ws_guard_counters_t;


/* a copy, read once for one report */

typedef struct {
    uint64_t                    open;
    uint64_t                    handshakes[NGX_HTTP_WS_GUARD_NRESULTS];
    uint64_t                    dry_run_handshakes[NGX_HTTP_WS_GUARD_NRESULTS];
    uint64_t                    frames[2];
    uint64_t                    messages[2];
    uint64_t                    bytes[2];
    uint64_t                    violations[NGX_HTTP_WS_GUARD_NKINDS];
    uint64_t                    dry_run_violations[NGX_HTTP_WS_GUARD_NKINDS];
    uint64_t                    closes[NGX_HTTP_WS_GUARD_NCODES];
} ngx_http_ws_guard_report_t;


static ngx_http_ws_guard_counters_t *ngx_http_ws_guard_counters(
    ngx_http_request_t *r);
static ngx_uint_t ngx_http_ws_guard_kind_index(const char *kind);
static ngx_uint_t ngx_http_ws_guard_code_index(ngx_uint_t code);
static void ngx_http_ws_guard_read_counters(ngx_http_ws_guard_counters_t *c,
    ngx_http_ws_guard_report_t *rp);
static ngx_int_t ngx_http_ws_guard_status_handler(ngx_http_request_t *r);
static ngx_buf_t *ngx_http_ws_guard_status_json(ngx_http_request_t *r,
    ngx_http_ws_guard_report_t *rp);
static ngx_buf_t *ngx_http_ws_guard_status_prometheus(ngx_http_request_t *r,
    ngx_http_ws_guard_report_t *rp);
static u_char *ngx_http_ws_guard_prom_family(u_char *p, const char *name,
    const char *type, const char *help);
static u_char *ngx_http_ws_guard_prom_label(u_char *p, ngx_str_t *value);
static ngx_int_t ngx_http_ws_guard_status_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);


/* as $ws_guard_result names them, indexed by ngx_http_ws_guard_result_e */

static ngx_str_t  ngx_http_ws_guard_result_names[] = {
    ngx_null_string,
    ngx_string("ok"),
    ngx_string("handshake"),
    ngx_string("version"),
    ngx_string("tls"),
    ngx_string("origin"),
    ngx_string("subprotocol"),
    ngx_string("token"),
    ngx_string("scope"),
    ngx_string("limit"),
    ngx_string("upstream")
};


/* violation kinds, as $ws_guard_violation names them; the last: others */

static ngx_str_t  ngx_http_ws_guard_kinds[NGX_HTTP_WS_GUARD_NKINDS] = {
    ngx_string("protocol"),
    ngx_string("utf8"),
    ngx_string("size"),
    ngx_string("message_type"),
    ngx_string("json"),
    ngx_string("schema"),
    ngx_string("scope"),
    ngx_string("pattern"),
    ngx_string("rate"),
    ngx_string("token_expired"),
    ngx_string("deflate"),
    ngx_string("lifetime"),
    ngx_string("idle"),
    ngx_string("shutdown"),
    ngx_string("other")
};


/* close codes the guard sends; "none": the peers (or nginx) ended it */

static ngx_str_t  ngx_http_ws_guard_codes[NGX_HTTP_WS_GUARD_NCODES] = {
    ngx_string("none"),
    ngx_string("1001"),
    ngx_string("1002"),
    ngx_string("1003"),
    ngx_string("1007"),
    ngx_string("1008"),
    ngx_string("1009"),
    ngx_string("other")
};


static ngx_str_t  ngx_http_ws_guard_directions[2] = {
    ngx_string("client"),
    ngx_string("server")
};


static ngx_str_t  ngx_http_ws_guard_status_zone =
    ngx_string("ws_guard_status");

/* the counters zone's tag: its address */
static ngx_uint_t  ngx_http_ws_guard_status_tag;


static ngx_http_ws_guard_counters_t *
ngx_http_ws_guard_counters(ngx_http_request_t *r)
{
    ngx_http_ws_guard_main_conf_t  *wmcf;

    wmcf = ngx_http_get_module_main_conf(r, ngx_http_ws_guard_module);

    if (wmcf == NULL || wmcf->status == NULL) {
        return NULL;
    }

    return wmcf->status->data;
}


/*
 * Called once per handshake at the access phase (result NONE or OK when
 * it passed), and a second time with UPSTREAM when the upstream's 101 is
 * refused after that: the handshake counted as accepted is then counted as
 * refused by the upstream check instead (the report subtracts).
 */

void
ngx_http_ws_guard_stats_handshake(ngx_http_request_t *r,
    ngx_http_ws_guard_result_e result, ngx_uint_t dry_run)
{
    ngx_http_ws_guard_counters_t  *c;

    c = ngx_http_ws_guard_counters(r);

    if (c == NULL || result >= NGX_HTTP_WS_GUARD_NRESULTS) {
        return;
    }

    if (result == NGX_HTTP_WS_GUARD_RESULT_NONE
        || result == NGX_HTTP_WS_GUARD_RESULT_OK)
    {
        (void) ngx_atomic_fetch_add(
                   &c->handshakes[NGX_HTTP_WS_GUARD_RESULT_OK], 1);
        return;
    }

    if (!dry_run) {
        (void) ngx_atomic_fetch_add(&c->handshakes[result], 1);
        return;
    }

    /* in dry run the handshake went on: accepted, and a hit */

    (void) ngx_atomic_fetch_add(&c->dry_run_handshakes[result], 1);

    if (result != NGX_HTTP_WS_GUARD_RESULT_UPSTREAM) {
        (void) ngx_atomic_fetch_add(
                   &c->handshakes[NGX_HTTP_WS_GUARD_RESULT_OK], 1);
    }
}


void
ngx_http_ws_guard_stats_open(ngx_http_ws_guard_conn_t *wc)
{
    ngx_http_ws_guard_counters_t  *c;

    c = ngx_http_ws_guard_counters(wc->request);

    if (c == NULL || wc->counted) {
        return;
    }

    wc->counted = 1;

    (void) ngx_atomic_fetch_add(&c->open, 1);
}


/* adds what a side read or parsed just now */

void
ngx_http_ws_guard_stats_traffic(ngx_http_ws_guard_side_t *s, uint64_t bytes,
    uint64_t frames, uint64_t messages)
{
    ngx_uint_t                     d;
    ngx_http_ws_guard_counters_t  *c;

    c = ngx_http_ws_guard_counters(s->wc->request);

    if (c == NULL) {
        return;
    }

    d = s->client ? 0 : 1;

    if (frames) {
        (void) ngx_atomic_fetch_add(&c->frames[d], frames);
    }

    if (messages) {
        (void) ngx_atomic_fetch_add(&c->messages[d], messages);
    }

    if (bytes) {
        (void) ngx_atomic_fetch_add(&c->bytes[d], bytes);
    }
}


void
ngx_http_ws_guard_stats_violation(ngx_http_ws_guard_conn_t *wc,
    const char *kind, ngx_uint_t dry_run)
{
    ngx_uint_t                     i;
    ngx_http_ws_guard_counters_t  *c;

    c = ngx_http_ws_guard_counters(wc->request);

    if (c == NULL) {
        return;
    }

    i = ngx_http_ws_guard_kind_index(kind);

    if (dry_run) {
        (void) ngx_atomic_fetch_add(&c->dry_run_violations[i], 1);

    } else {
        (void) ngx_atomic_fetch_add(&c->violations[i], 1);
    }
}


/* at the end of a connection: the rest of its traffic, and how it ended */

void
ngx_http_ws_guard_stats_close(ngx_http_ws_guard_conn_t *wc)
{
    ngx_http_ws_guard_counters_t  *c;

    c = ngx_http_ws_guard_counters(wc->request);

    if (c == NULL || !wc->counted) {
        return;
    }

    wc->counted = 0;

    (void) ngx_atomic_fetch_add(&c->open, (ngx_atomic_int_t) -1);
    (void) ngx_atomic_fetch_add(
               &c->closes[ngx_http_ws_guard_code_index(wc->close_code)], 1);
}


static ngx_uint_t
ngx_http_ws_guard_kind_index(const char *kind)
{
    size_t      len;
    ngx_uint_t  i;

    if (kind == NULL) {
        return NGX_HTTP_WS_GUARD_NKINDS - 1;
    }

    len = ngx_strlen(kind);

    for (i = 0; i < NGX_HTTP_WS_GUARD_NKINDS - 1; i++) {
        if (ngx_http_ws_guard_kinds[i].len == len
            && ngx_strncmp(ngx_http_ws_guard_kinds[i].data, kind, len) == 0)
        {
            return i;
        }
    }

    return NGX_HTTP_WS_GUARD_NKINDS - 1;
}


static ngx_uint_t
ngx_http_ws_guard_code_index(ngx_uint_t code)
{
    switch (code) {
    case 0:
        return 0;
    case 1001:
        return 1;
    case 1002:
        return 2;
    case 1003:
        return 3;
    case 1007:
        return 4;
    case 1008:
        return 5;
    case 1009:
        return 6;
    default:
        return NGX_HTTP_WS_GUARD_NCODES - 1;
    }
}


static void
ngx_http_ws_guard_read_counters(ngx_http_ws_guard_counters_t *c,
    ngx_http_ws_guard_report_t *rp)
{
    uint64_t    upstream, ok;
    ngx_uint_t  i;

    /*
     * A refused 101 is first counted as accepted, then as "upstream":
     * read that one first, so that "ok" can never seem to go down.
     */

    upstream = c->handshakes[NGX_HTTP_WS_GUARD_RESULT_UPSTREAM];
    ngx_memory_barrier();

    for (i = 0; i < NGX_HTTP_WS_GUARD_NRESULTS; i++) {
        rp->handshakes[i] = c->handshakes[i];
        rp->dry_run_handshakes[i] = c->dry_run_handshakes[i];
    }

    ok = rp->handshakes[NGX_HTTP_WS_GUARD_RESULT_OK];
    rp->handshakes[NGX_HTTP_WS_GUARD_RESULT_OK] = ok > upstream
                                                  ? ok - upstream : 0;
    rp->handshakes[NGX_HTTP_WS_GUARD_RESULT_UPSTREAM] = upstream;

    rp->open = c->open;

    for (i = 0; i < 2; i++) {
        rp->frames[i] = c->frames[i];
        rp->messages[i] = c->messages[i];
        rp->bytes[i] = c->bytes[i];
    }

    for (i = 0; i < NGX_HTTP_WS_GUARD_NKINDS; i++) {
        rp->violations[i] = c->violations[i];
        rp->dry_run_violations[i] = c->dry_run_violations[i];
    }

    for (i = 0; i < NGX_HTTP_WS_GUARD_NCODES; i++) {
        rp->closes[i] = c->closes[i];
    }

    /* a gauge made of two counters: guard against a torn read */

    if ((int64_t) rp->open < 0) {
        rp->open = 0;
    }
}


static ngx_int_t
ngx_http_ws_guard_status_handler(ngx_http_request_t *r)
{
    ngx_int_t                       rc;
    ngx_buf_t                      *b;
    ngx_chain_t                     out;
    ngx_http_ws_guard_report_t      rp;
    ngx_http_ws_guard_counters_t   *c;
    ngx_http_ws_guard_loc_conf_t   *wlcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    c = ngx_http_ws_guard_counters(r);

    if (c == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_ws_guard_read_counters(c, &rp);

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);

    if (wlcf->rate.status_format == NGX_HTTP_WS_GUARD_STATUS_PROM) {
        b = ngx_http_ws_guard_status_prometheus(r, &rp);
        ngx_str_set(&r->headers_out.content_type,
                    "text/plain; version=0.0.4; charset=utf-8");

    } else {
        b = ngx_http_ws_guard_status_json(r, &rp);
        ngx_str_set(&r->headers_out.content_type, "application/json");
    }

    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;

    /* counters: never from a cache */
    r->headers_out.last_modified_time = -1;

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


#define ngx_http_ws_guard_yajl_str(g, s)                                      \
    yajl_gen_string(g, (const unsigned char *) (s), sizeof(s) - 1)

#define ngx_http_ws_guard_yajl_ngx_str(g, s)                                  \
    yajl_gen_string(g, (const unsigned char *) (s)->data, (s)->len)


static ngx_buf_t *
ngx_http_ws_guard_status_json(ngx_http_request_t *r,
    ngx_http_ws_guard_report_t *rp)
{
    size_t                          len;
    ngx_buf_t                      *b;
    ngx_uint_t                      i, keys, conns, full;
    yajl_gen                        g;
    ngx_shm_zone_t                **zones;
    const unsigned char            *out;
    ngx_http_ws_guard_main_conf_t  *wmcf;

    wmcf = ngx_http_get_module_main_conf(r, ngx_http_ws_guard_module);

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return NULL;
    }

    yajl_gen_config(g, yajl_gen_beautify, 1);
    yajl_gen_config(g, yajl_gen_indent_string, "  ");

    yajl_gen_map_open(g);

    ngx_http_ws_guard_yajl_str(g, "connections");
    yajl_gen_integer(g, (long long) rp->open);

    ngx_http_ws_guard_yajl_str(g, "handshakes");
    yajl_gen_map_open(g);

    for (i = NGX_HTTP_WS_GUARD_RESULT_OK; i < NGX_HTTP_WS_GUARD_NRESULTS; i++)
    {
        ngx_http_ws_guard_yajl_ngx_str(g, &ngx_http_ws_guard_result_names[i]);
        yajl_gen_integer(g, (long long) rp->handshakes[i]);
    }

    yajl_gen_map_close(g);

    ngx_http_ws_guard_yajl_str(g, "traffic");
    yajl_gen_map_open(g);

    for (i = 0; i < 2; i++) {
        ngx_http_ws_guard_yajl_ngx_str(g, &ngx_http_ws_guard_directions[i]);
        yajl_gen_map_open(g);
        ngx_http_ws_guard_yajl_str(g, "frames");
        yajl_gen_integer(g, (long long) rp->frames[i]);
        ngx_http_ws_guard_yajl_str(g, "messages");
        yajl_gen_integer(g, (long long) rp->messages[i]);
        ngx_http_ws_guard_yajl_str(g, "bytes");
        yajl_gen_integer(g, (long long) rp->bytes[i]);
        yajl_gen_map_close(g);
    }

    yajl_gen_map_close(g);

    ngx_http_ws_guard_yajl_str(g, "violations");
    yajl_gen_map_open(g);

    for (i = 0; i < NGX_HTTP_WS_GUARD_NKINDS; i++) {
        ngx_http_ws_guard_yajl_ngx_str(g, &ngx_http_ws_guard_kinds[i]);
        yajl_gen_integer(g, (long long) rp->violations[i]);
    }

    yajl_gen_map_close(g);

    ngx_http_ws_guard_yajl_str(g, "closes");
    yajl_gen_map_open(g);

    for (i = 0; i < NGX_HTTP_WS_GUARD_NCODES; i++) {
        ngx_http_ws_guard_yajl_ngx_str(g, &ngx_http_ws_guard_codes[i]);
        yajl_gen_integer(g, (long long) rp->closes[i]);
    }

    yajl_gen_map_close(g);

    ngx_http_ws_guard_yajl_str(g, "dry_run");
    yajl_gen_map_open(g);

    ngx_http_ws_guard_yajl_str(g, "handshakes");
    yajl_gen_map_open(g);

    for (i = NGX_HTTP_WS_GUARD_RESULT_HANDSHAKE;
         i < NGX_HTTP_WS_GUARD_NRESULTS;
         i++)
    {
        ngx_http_ws_guard_yajl_ngx_str(g, &ngx_http_ws_guard_result_names[i]);
        yajl_gen_integer(g, (long long) rp->dry_run_handshakes[i]);
    }

    yajl_gen_map_close(g);

    ngx_http_ws_guard_yajl_str(g, "violations");
    yajl_gen_map_open(g);

    for (i = 0; i < NGX_HTTP_WS_GUARD_NKINDS; i++) {
        ngx_http_ws_guard_yajl_ngx_str(g, &ngx_http_ws_guard_kinds[i]);
        yajl_gen_integer(g, (long long) rp->dry_run_violations[i]);
    }

    yajl_gen_map_close(g);
    yajl_gen_map_close(g);

    ngx_http_ws_guard_yajl_str(g, "limit_zones");
    yajl_gen_map_open(g);

    zones = wmcf->zones.elts;

    for (i = 0; i < wmcf->zones.nelts; i++) {
        ngx_http_ws_guard_zone_stats(zones[i], &keys, &conns, &full);

        ngx_http_ws_guard_yajl_ngx_str(g, &zones[i]->shm.name);
        yajl_gen_map_open(g);
        ngx_http_ws_guard_yajl_str(g, "keys");
        yajl_gen_integer(g, (long long) keys);
        ngx_http_ws_guard_yajl_str(g, "connections");
        yajl_gen_integer(g, (long long) conns);
        ngx_http_ws_guard_yajl_str(g, "full");
        yajl_gen_integer(g, (long long) full);
        yajl_gen_map_close(g);
    }

    yajl_gen_map_close(g);

    yajl_gen_map_close(g);

    b = NULL;

    if (yajl_gen_get_buf(g, &out, &len) == yajl_gen_status_ok) {
        b = ngx_create_temp_buf(r->pool, len);

        if (b != NULL) {
            b->last = ngx_cpymem(b->pos, out, len);
        }
    }

    yajl_gen_free(g);

    return b;
}


/* room for one sample line, a zone's name aside */
#define NGX_HTTP_WS_GUARD_PROM_LINE  128

/* and for the HELP and TYPE lines of a family */
#define NGX_HTTP_WS_GUARD_PROM_HEAD  320


static ngx_buf_t *
ngx_http_ws_guard_status_prometheus(ngx_http_request_t *r,
    ngx_http_ws_guard_report_t *rp)
{
    size_t                          len;
    u_char                         *p;
    ngx_buf_t                      *b;
    ngx_uint_t                      i, keys, conns, full;
    ngx_shm_zone_t                **zones;
    ngx_http_ws_guard_main_conf_t  *wmcf;

    wmcf = ngx_http_get_module_main_conf(r, ngx_http_ws_guard_module);
    zones = wmcf->zones.elts;

    len = 12 * NGX_HTTP_WS_GUARD_PROM_HEAD
          + (1 + 2 * NGX_HTTP_WS_GUARD_NRESULTS + 6
             + 2 * NGX_HTTP_WS_GUARD_NKINDS + NGX_HTTP_WS_GUARD_NCODES)
            * NGX_HTTP_WS_GUARD_PROM_LINE;

    for (i = 0; i < wmcf->zones.nelts; i++) {
        /* a name escaped takes twice its length at most */
        len += 3 * (NGX_HTTP_WS_GUARD_PROM_LINE + 2 * zones[i]->shm.name.len);
    }

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NULL;
    }

    p = b->last;

    p = ngx_http_ws_guard_prom_family(p, "ws_guard_connections", "gauge",
            "Guarded WebSocket connections open, in all workers.");
    p = ngx_sprintf(p, "ws_guard_connections %uL\n", rp->open);

    p = ngx_http_ws_guard_prom_family(p, "ws_guard_handshakes_total",
            "counter",
            "WebSocket handshakes in guarded locations by outcome, "
            "as $ws_guard_result names it (ok: accepted, "
            "the upstream's 101 included).");

    for (i = NGX_HTTP_WS_GUARD_RESULT_OK; i < NGX_HTTP_WS_GUARD_NRESULTS; i++)
    {
        p = ngx_sprintf(p, "ws_guard_handshakes_total{result=\"%V\"} %uL\n",
                        &ngx_http_ws_guard_result_names[i],
                        rp->handshakes[i]);
    }

    p = ngx_http_ws_guard_prom_family(p, "ws_guard_frames_total", "counter",
            "Frames received, control frames included, by the peer that "
            "sent them (client, server).");

    for (i = 0; i < 2; i++) {
        p = ngx_sprintf(p, "ws_guard_frames_total{direction=\"%V\"} %uL\n",
                        &ngx_http_ws_guard_directions[i], rp->frames[i]);
    }

    p = ngx_http_ws_guard_prom_family(p, "ws_guard_messages_total", "counter",
            "Data messages received, by the peer that sent them.");

    for (i = 0; i < 2; i++) {
        p = ngx_sprintf(p, "ws_guard_messages_total{direction=\"%V\"} %uL\n",
                        &ngx_http_ws_guard_directions[i], rp->messages[i]);
    }

    p = ngx_http_ws_guard_prom_family(p, "ws_guard_bytes_total", "counter",
            "Bytes received from each peer after the handshake, frame "
            "headers included.");

    for (i = 0; i < 2; i++) {
        p = ngx_sprintf(p, "ws_guard_bytes_total{direction=\"%V\"} %uL\n",
                        &ngx_http_ws_guard_directions[i], rp->bytes[i]);
    }

    p = ngx_http_ws_guard_prom_family(p, "ws_guard_violations_total",
            "counter",
            "Policy violations enforced, by kind, as $ws_guard_violation "
            "names it.");

    for (i = 0; i < NGX_HTTP_WS_GUARD_NKINDS; i++) {
        p = ngx_sprintf(p, "ws_guard_violations_total{kind=\"%V\"} %uL\n",
                        &ngx_http_ws_guard_kinds[i], rp->violations[i]);
    }

    p = ngx_http_ws_guard_prom_family(p, "ws_guard_closes_total", "counter",
            "Guarded connections ended, by the close code the guard sent "
            "(none: ended by a peer or by nginx).");

    for (i = 0; i < NGX_HTTP_WS_GUARD_NCODES; i++) {
        p = ngx_sprintf(p, "ws_guard_closes_total{code=\"%V\"} %uL\n",
                        &ngx_http_ws_guard_codes[i], rp->closes[i]);
    }

    p = ngx_http_ws_guard_prom_family(p, "ws_guard_dry_run_handshakes_total",
            "counter",
            "Handshakes that failed a check in dry run and went on, "
            "by check.");

    for (i = NGX_HTTP_WS_GUARD_RESULT_HANDSHAKE;
         i < NGX_HTTP_WS_GUARD_NRESULTS;
         i++)
    {
        p = ngx_sprintf(p, "ws_guard_dry_run_handshakes_total{result=\"%V\"} "
                        "%uL\n", &ngx_http_ws_guard_result_names[i],
                        rp->dry_run_handshakes[i]);
    }

    p = ngx_http_ws_guard_prom_family(p, "ws_guard_dry_run_violations_total",
            "counter",
            "Violations found in dry run and let through, by kind.");

    for (i = 0; i < NGX_HTTP_WS_GUARD_NKINDS; i++) {
        p = ngx_sprintf(p, "ws_guard_dry_run_violations_total{kind=\"%V\"} "
                        "%uL\n", &ngx_http_ws_guard_kinds[i],
                        rp->dry_run_violations[i]);
    }

    if (wmcf->zones.nelts == 0) {
        b->last = p;
        return b;
    }

    /* three families, each zone's sample in each */

    p = ngx_http_ws_guard_prom_family(p, "ws_guard_limit_zone_keys", "gauge",
            "Keys with state in a ws_guard_limit_zone.");

    for (i = 0; i < wmcf->zones.nelts; i++) {
        ngx_http_ws_guard_zone_stats(zones[i], &keys, &conns, &full);
        p = ngx_cpymem(p, "ws_guard_limit_zone_keys{zone=\"",
                       sizeof("ws_guard_limit_zone_keys{zone=\"") - 1);
        p = ngx_http_ws_guard_prom_label(p, &zones[i]->shm.name);
        p = ngx_sprintf(p, "\"} %ui\n", keys);
    }

    p = ngx_http_ws_guard_prom_family(p, "ws_guard_limit_zone_connections",
            "gauge",
            "Connections counted in a ws_guard_limit_zone (handshakes in "
            "progress included).");

    for (i = 0; i < wmcf->zones.nelts; i++) {
        ngx_http_ws_guard_zone_stats(zones[i], &keys, &conns, &full);
        p = ngx_cpymem(p, "ws_guard_limit_zone_connections{zone=\"",
                       sizeof("ws_guard_limit_zone_connections{zone=\"") - 1);
        p = ngx_http_ws_guard_prom_label(p, &zones[i]->shm.name);
        p = ngx_sprintf(p, "\"} %ui\n", conns);
    }

    p = ngx_http_ws_guard_prom_family(p, "ws_guard_limit_zone_full_total",
            "counter",
            "Handshakes whose key found no room in a full "
            "ws_guard_limit_zone.");

    for (i = 0; i < wmcf->zones.nelts; i++) {
        ngx_http_ws_guard_zone_stats(zones[i], &keys, &conns, &full);
        p = ngx_cpymem(p, "ws_guard_limit_zone_full_total{zone=\"",
                       sizeof("ws_guard_limit_zone_full_total{zone=\"") - 1);
        p = ngx_http_ws_guard_prom_label(p, &zones[i]->shm.name);
        p = ngx_sprintf(p, "\"} %ui\n", full);
    }

    b->last = p;

    return b;
}


static u_char *
ngx_http_ws_guard_prom_family(u_char *p, const char *name, const char *type,
    const char *help)
{
    /* HELP text escapes backslashes only: none of ours has one */

    return ngx_sprintf(p, "# HELP %s %s\n# TYPE %s %s\n",
                       name, help, name, type);
}


static u_char *
ngx_http_ws_guard_prom_label(u_char *p, ngx_str_t *value)
{
    u_char  *s, *end;

    end = value->data + value->len;

    for (s = value->data; s < end; s++) {
        switch (*s) {
        case '\\':
        case '"':
            *p++ = '\\';
            *p++ = *s;
            break;
        case '\n':
            *p++ = '\\';
            *p++ = 'n';
            break;
        default:
            *p++ = *s;
        }
    }

    return p;
}


/* configuration */

char *
ngx_http_ws_guard_status_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ws_guard_loc_conf_t *wlcf = conf;

    ngx_str_t                 *value;
    ngx_http_core_loc_conf_t  *clcf;

    if (wlcf->rate.status_format != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    wlcf->rate.status_format = NGX_HTTP_WS_GUARD_STATUS_JSON;

    if (cf->args->nelts == 2) {
        if (ngx_strcmp(value[1].data, "prometheus") == 0) {
            wlcf->rate.status_format = NGX_HTTP_WS_GUARD_STATUS_PROM;

        } else if (ngx_strcmp(value[1].data, "json") != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_ws_guard_status_handler;

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_ws_guard_status_postconfiguration(ngx_conf_t *cf)
{
    ngx_shm_zone_t                 *shm_zone;
    ngx_http_ws_guard_main_conf_t  *wmcf;

    wmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ws_guard_module);

    shm_zone = ngx_shared_memory_add(cf, &ngx_http_ws_guard_status_zone,
                                     8 * ngx_pagesize,
                                     &ngx_http_ws_guard_status_tag);
    if (shm_zone == NULL) {
        return NGX_ERROR;
    }

    shm_zone->init = ngx_http_ws_guard_status_init_zone;
    wmcf->status = shm_zone;

    return NGX_OK;
}


static ngx_int_t
ngx_http_ws_guard_status_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_ws_guard_counters_t  *oc = data;

    ngx_slab_pool_t               *shpool;
    ngx_http_ws_guard_counters_t  *c;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (oc == NULL && shm_zone->shm.exists) {
        oc = shpool->data;
    }

    if (oc && oc->size == sizeof(ngx_http_ws_guard_counters_t)) {
        /* a reload: the counts go on */
        shm_zone->data = oc;
        return NGX_OK;
    }

    c = ngx_slab_calloc(shpool, sizeof(ngx_http_ws_guard_counters_t));
    if (c == NULL) {
        return NGX_ERROR;
    }

    c->size = sizeof(ngx_http_ws_guard_counters_t);

    shpool->data = c;
    shm_zone->data = c;

    return NGX_OK;
}
