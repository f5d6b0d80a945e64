
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Rates and connection counts (section 6).
 *
 * A rate is a token bucket kept as its level above empty ("excess", as
 * limit_req calls it): every message or byte adds to the level, which
 * drains at the configured rate; a frame passes while the level leaves
 * room for it.  ws_guard_rate keeps the buckets in the connection;
 * ws_guard_limit_zone keeps them in a shared-memory zone, one node per key
 * (an rbtree keyed by a hash of the key, as limit_req does), so that all
 * of a key's connections in all workers share them.  The node also counts
 * the key's open connections for conn=; a request holds its nodes from the
 * handshake until it ends, and nodes nobody holds are expired least
 * recently used first.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ws_guard.h"
#include "ngx_http_ws_guard_status.h"


/* a bucket level of one message or one byte */
#define NGX_HTTP_WS_GUARD_UNIT        1000000

/* levels saturate here; a frame is charged for at most 1 TiB */
#define NGX_HTTP_WS_GUARD_LEVEL_MAX   ((int64_t) 1 << 62)
#define NGX_HTTP_WS_GUARD_FRAME_MAX   ((uint64_t) 1 << 40)

/* the largest rate accepted, per second, and the largest burst */
#define NGX_HTTP_WS_GUARD_RATE_MAX    ((uint64_t) 1 << 40)
#define NGX_HTTP_WS_GUARD_BURST_MAX   1000000000

/* nodes nobody holds are kept this long at least (as limit_req does) */
#define NGX_HTTP_WS_GUARD_NODE_IDLE   60000

/* which bucket of a pair a frame did not fit, for the log line */
#define NGX_HTTP_WS_GUARD_OVER_MESSAGES  1
#define NGX_HTTP_WS_GUARD_OVER_BYTES     2


typedef struct {
    int64_t                      messages;   /* level, 1/UNIT messages */
    int64_t                      bytes;      /* level, 1/UNIT bytes */
    ngx_msec_t                   last;       /* when it was drained */
} ngx_http_ws_guard_bucket_t;


/* 80 bytes and the key after the rbtree node's 32: an IPv6 address in 128 */

typedef struct {
    u_char                       color;
    u_char                       dummy;
    u_short                      len;
    uint32_t                     count;      /* requests holding it */
    ngx_queue_t                  queue;      /* while nobody holds it */
    ngx_msec_t                   idle;       /* since when */
    ngx_http_ws_guard_bucket_t   bucket[2];  /* from the client, upstream */
    u_char                       data[1];
} ngx_http_ws_guard_node_t;


typedef struct {
    ngx_rbtree_t                 rbtree;
    ngx_rbtree_node_t            sentinel;
    ngx_queue_t                  queue;
    ngx_uint_t                   nodes;
    ngx_uint_t                   conns;      /* sum of the counts */
    ngx_uint_t                   full;       /* keys that found no room */
} ngx_http_ws_guard_zone_sh_t;


typedef struct {
    ngx_http_ws_guard_zone_sh_t  *sh;
    ngx_slab_pool_t              *shpool;
    ngx_http_complex_value_t      key;
    ngx_http_ws_guard_rates_t     rates;
    ngx_uint_t                    conn;      /* 0: no connection limit */
} ngx_http_ws_guard_zone_t;


/* the nodes a request holds, from its handshake until it ends */

typedef struct ngx_http_ws_guard_hold_s {
    ngx_http_ws_guard_limit_t    *limit;
    ngx_http_ws_guard_zone_t     *zone;
    ngx_http_ws_guard_node_t     *node;
} ngx_http_ws_guard_hold_t;


/*
 * One bucket pair a frame is checked against, and where its rates,
 * burst and direction are configured: a ws_guard_rate of the location, or
 * a zone held since the handshake (then the bucket pair is the zone's,
 * under its mutex).  Made on the stack for each check
 * (ngx_http_ws_guard_limiter()): a connection keeps none.
 */

typedef struct {
    ngx_http_ws_guard_bucket_t   *bucket;    /* [2] */
    ngx_http_ws_guard_rates_t    *rates;
    ngx_uint_t                    burst;
    ngx_uint_t                    direction;
    ngx_slab_pool_t              *shpool;    /* a zone's; NULL: our own */
    ngx_http_ws_guard_hold_t     *hold;      /* a zone's: for the log */
} ngx_http_ws_guard_limiter_t;


/*
 * Per connection, where limits apply: wc->rate.  The location's
 * ws_guard_rate limits (wlcf->rate.rates) come first, each with its bucket
 * pair here, then the zones held.
 */

typedef struct {
    ngx_http_ws_guard_ctx_t         *held;    /* its holds, or NULL */
    time_t                           logged;  /* last rate log line */
    ngx_http_ws_guard_bucket_t       buckets[1];
} ngx_http_ws_guard_rate_conn_t;


static ngx_int_t ngx_http_ws_guard_hold(ngx_http_request_t *r,
    ngx_http_ws_guard_loc_conf_t *wlcf, ngx_http_ws_guard_ctx_t *ctx,
    ngx_http_ws_guard_limit_t *limit);
static ngx_http_ws_guard_node_t *ngx_http_ws_guard_lookup(
    ngx_http_ws_guard_zone_t *zone, uint32_t hash, ngx_str_t *key);
static void ngx_http_ws_guard_expire(ngx_http_ws_guard_zone_t *zone,
    ngx_uint_t force);
static void ngx_http_ws_guard_delete_node(ngx_http_ws_guard_zone_t *zone,
    ngx_http_ws_guard_node_t *node);
static void ngx_http_ws_guard_drain(ngx_http_ws_guard_bucket_t *b,
    ngx_http_ws_guard_rates_t *rates);
static ngx_msec_t ngx_http_ws_guard_bucket_take(ngx_http_ws_guard_bucket_t *b,
    ngx_http_ws_guard_rates_t *rates, ngx_uint_t burst, int64_t messages,
    int64_t bytes, ngx_uint_t force, ngx_uint_t *what);
static void ngx_http_ws_guard_bucket_refund(ngx_http_ws_guard_bucket_t *b,
    ngx_http_ws_guard_rates_t *rates, int64_t messages, int64_t bytes);
static void ngx_http_ws_guard_rate_log(ngx_http_ws_guard_side_t *s,
    ngx_http_ws_guard_limiter_t *lim, ngx_uint_t what,
    ngx_http_ws_guard_verdict_t *v);
static ngx_int_t ngx_http_ws_guard_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_http_ws_guard_rbtree_insert_value(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_int_t ngx_http_ws_guard_rate_option(ngx_str_t *value,
    const char *messages, ngx_http_ws_guard_rates_t *rates);
static ngx_int_t ngx_http_ws_guard_parse_rate(ngx_str_t *value,
    ngx_uint_t bytes, uint64_t *rate);
static ngx_int_t ngx_http_ws_guard_parse_direction(ngx_str_t *value,
    ngx_uint_t *direction);



ngx_int_t
ngx_http_ws_guard_rate_handshake(ngx_http_request_t *r,
    ngx_http_ws_guard_loc_conf_t *wlcf, ngx_http_ws_guard_ctx_t *ctx)
{
    ngx_int_t                   rc;
    ngx_uint_t                  i;
    ngx_http_ws_guard_limit_t  *limits;

    if (wlcf->rate.limits == NULL) {
        return NGX_OK;
    }

    /*
     * an internal redirect clears the module's context and runs the
     * handshake checks again: the request is counted once
     */

    if (ngx_http_ws_guard_holding_ctx(r)) {
        return NGX_OK;
    }

    /*
     * what is taken is given back with the context, however the request
     * ends (ngx_http_ws_guard_rate_release())
     */

    ctx->nholds = 0;
    ctx->holds = ngx_palloc(ctx->pool, wlcf->rate.limits->nelts
                                       * sizeof(ngx_http_ws_guard_hold_t));
    if (ctx->holds == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    limits = wlcf->rate.limits->elts;

    for (i = 0; i < wlcf->rate.limits->nelts; i++) {
        rc = ngx_http_ws_guard_hold(r, wlcf, ctx, &limits[i]);

        if (rc != NGX_OK) {
            return rc;
        }
    }

    return NGX_OK;
}


/* takes a key's node in one zone, counting the connection */

static ngx_int_t
ngx_http_ws_guard_hold(ngx_http_request_t *r,
    ngx_http_ws_guard_loc_conf_t *wlcf, ngx_http_ws_guard_ctx_t *ctx,
    ngx_http_ws_guard_limit_t *limit)
{
    uint32_t                   hash;
    ngx_str_t                  key, *name;
    ngx_uint_t                 over, count;
    ngx_http_ws_guard_node_t  *node;
    ngx_http_ws_guard_hold_t  *h;
    ngx_http_ws_guard_zone_t  *zone;

    zone = limit->shm_zone->data;
    name = &limit->shm_zone->shm.name;

    if (ngx_http_complex_value(r, &zone->key, &key) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (key.len == 0) {
        /* as limit_req: an empty key is not limited */
        return NGX_OK;
    }

    if (key.len > 65535) {
        return ngx_http_ws_guard_reject(r, wlcf, ctx,
                                        NGX_HTTP_WS_GUARD_RESULT_LIMIT,
                                        wlcf->rate.status,
                                        "key of limit zone \"%V\" is longer "
                                        "than 65535 bytes", name);
    }

    hash = ngx_crc32_short(key.data, key.len);

    ngx_shmtx_lock(&zone->shpool->mutex);

    node = ngx_http_ws_guard_lookup(zone, hash, &key);

    if (node == NULL) {
        zone->sh->full++;
        ngx_shmtx_unlock(&zone->shpool->mutex);

        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "ws_guard: limit zone \"%V\" is full", name);

        return ngx_http_ws_guard_reject(r, wlcf, ctx,
                                        NGX_HTTP_WS_GUARD_RESULT_LIMIT,
                                        wlcf->rate.status,
                                        "no room for a key in limit zone "
                                        "\"%V\"", name);
    }

    count = node->count;
    over = (zone->conn && count >= zone->conn);

    if (over && !wlcf->dry_run) {
        ngx_shmtx_unlock(&zone->shpool->mutex);

        return ngx_http_ws_guard_reject(r, wlcf, ctx,
                                        NGX_HTTP_WS_GUARD_RESULT_LIMIT,
                                        wlcf->rate.status,
                                        "connection limit %ui of zone \"%V\" "
                                        "reached", zone->conn, name);
    }

    if (node->count++ == 0) {
        ngx_queue_remove(&node->queue);
    }

    zone->sh->conns++;

    ngx_shmtx_unlock(&zone->shpool->mutex);

    h = &ctx->holds[ctx->nholds++];
    h->limit = limit;
    h->zone = zone;
    h->node = node;

    if (over) {
        /* dry run: logged, and counted all the same */
        return ngx_http_ws_guard_reject(r, wlcf, ctx,
                                        NGX_HTTP_WS_GUARD_RESULT_LIMIT,
                                        wlcf->rate.status,
                                        "connection limit %ui of zone \"%V\" "
                                        "reached", zone->conn, name);
    }

    return NGX_OK;
}


/*
 * With the context, from the request pool's cleanup: it runs however the
 * request ends, a refused handshake, a refused 101, a closed WebSocket or
 * a worker exiting.
 */

void
ngx_http_ws_guard_rate_release(ngx_http_ws_guard_ctx_t *ctx)
{
    ngx_uint_t                 i;
    ngx_http_ws_guard_hold_t  *h;
    ngx_http_ws_guard_zone_t  *zone;
    ngx_http_ws_guard_node_t  *node;

    for (i = 0; i < ctx->nholds; i++) {
        h = &ctx->holds[i];
        zone = h->zone;
        node = h->node;

        ngx_shmtx_lock(&zone->shpool->mutex);

        zone->sh->conns--;

        if (--node->count == 0) {

            if (zone->rates.messages == 0 && zone->rates.bytes == 0) {
                /* nothing to remember: gone, as limit_conn does */
                ngx_http_ws_guard_delete_node(zone, node);

            } else {
                /* its buckets outlive it a while: reconnecting is no reset */
                node->idle = ngx_current_msec;
                ngx_queue_insert_head(&zone->sh->queue, &node->queue);
            }
        }

        ngx_shmtx_unlock(&zone->shpool->mutex);
    }

    ctx->nholds = 0;
}


/* finds or makes the key's node; called with the zone locked */

static ngx_http_ws_guard_node_t *
ngx_http_ws_guard_lookup(ngx_http_ws_guard_zone_t *zone, uint32_t hash,
    ngx_str_t *key)
{
    size_t                     size;
    ngx_int_t                  rc;
    ngx_rbtree_node_t         *node, *sentinel;
    ngx_http_ws_guard_node_t  *wn;

    node = zone->sh->rbtree.root;
    sentinel = zone->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash < node->key) {
            node = node->left;
            continue;
        }

        if (hash > node->key) {
            node = node->right;
            continue;
        }

        /* hash == node->key */

        wn = (ngx_http_ws_guard_node_t *) &node->color;

        rc = ngx_memn2cmp(key->data, wn->data, key->len, (size_t) wn->len);

        if (rc == 0) {
            return wn;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    size = offsetof(ngx_rbtree_node_t, color)
           + offsetof(ngx_http_ws_guard_node_t, data)
           + key->len;

    ngx_http_ws_guard_expire(zone, 0);

    node = ngx_slab_alloc_locked(zone->shpool, size);

    if (node == NULL) {
        ngx_http_ws_guard_expire(zone, 1);

        node = ngx_slab_alloc_locked(zone->shpool, size);
        if (node == NULL) {
            return NULL;
        }
    }

    node->key = hash;

    wn = (ngx_http_ws_guard_node_t *) &node->color;

    wn->len = (u_short) key->len;
    wn->count = 0;
    wn->idle = ngx_current_msec;
    ngx_memzero(wn->bucket, sizeof(wn->bucket));
    wn->bucket[0].last = ngx_current_msec;
    wn->bucket[1].last = ngx_current_msec;

    ngx_memcpy(wn->data, key->data, key->len);

    ngx_rbtree_insert(&zone->sh->rbtree, node);

    /* in the queue of idle nodes until the caller takes it */
    ngx_queue_insert_head(&zone->sh->queue, &wn->queue);

    zone->sh->nodes++;

    return wn;
}


/*
 * Deletes up to two idle nodes whose buckets drained a minute ago or
 * more; with force, the least recently used idle node first, whatever
 * its buckets hold.  Held nodes are never in the queue.
 */

static void
ngx_http_ws_guard_expire(ngx_http_ws_guard_zone_t *zone, ngx_uint_t force)
{
    ngx_uint_t                   n;
    ngx_queue_t                 *q;
    ngx_msec_int_t               ms;
    ngx_http_ws_guard_node_t    *wn;
    ngx_http_ws_guard_bucket_t   b;

    for (n = force ? 0 : 1; n < 3; n++) {

        if (ngx_queue_empty(&zone->sh->queue)) {
            return;
        }

        q = ngx_queue_last(&zone->sh->queue);
        wn = ngx_queue_data(q, ngx_http_ws_guard_node_t, queue);

        if (n != 0) {
            ms = (ngx_msec_int_t) (ngx_current_msec - wn->idle);

            if (ngx_abs(ms) < NGX_HTTP_WS_GUARD_NODE_IDLE) {
                return;
            }

            b = wn->bucket[0];
            ngx_http_ws_guard_drain(&b, &zone->rates);

            if (b.messages > 0 || b.bytes > 0) {
                return;
            }

            b = wn->bucket[1];
            ngx_http_ws_guard_drain(&b, &zone->rates);

            if (b.messages > 0 || b.bytes > 0) {
                return;
            }
        }

        ngx_queue_remove(q);
        ngx_http_ws_guard_delete_node(zone, wn);
    }
}


static void
ngx_http_ws_guard_delete_node(ngx_http_ws_guard_zone_t *zone,
    ngx_http_ws_guard_node_t *wn)
{
    ngx_rbtree_node_t  *node;

    node = (ngx_rbtree_node_t *)
               ((u_char *) wn - offsetof(ngx_rbtree_node_t, color));

    ngx_rbtree_delete(&zone->sh->rbtree, node);
    ngx_slab_free_locked(zone->shpool, node);

    zone->sh->nodes--;
}


/* the most rate_handshake() takes from the guard's pool */

size_t
ngx_http_ws_guard_holds_size(ngx_http_request_t *r)
{
    ngx_http_ws_guard_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);

    if (wlcf->rate.limits == NULL) {
        return 0;
    }

    return ngx_http_ws_guard_psize(wlcf->rate.limits->nelts
                                   * sizeof(ngx_http_ws_guard_hold_t));
}


/* the most rate_init() takes from the connection's pool */

size_t
ngx_http_ws_guard_rate_size(ngx_http_request_t *r)
{
    size_t                         n;
    ngx_http_ws_guard_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);

    n = wlcf->rate.rates ? wlcf->rate.rates->nelts : 0;

    if (n == 0 && wlcf->rate.limits == NULL) {
        return 0;
    }

    return ngx_http_ws_guard_psize(
               offsetof(ngx_http_ws_guard_rate_conn_t, buckets)
               + 2 * n * sizeof(ngx_http_ws_guard_bucket_t));
}


ngx_int_t
ngx_http_ws_guard_rate_init(ngx_http_ws_guard_conn_t *wc)
{
    ngx_uint_t                      i, n, zones;
    ngx_http_request_t             *r;
    ngx_http_ws_guard_ctx_t        *held;
    ngx_http_ws_guard_rate_conn_t  *rc;
    ngx_http_ws_guard_loc_conf_t   *wlcf;

    r = wc->request;
    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);

    /* the nodes taken at the handshake */

    held = ngx_http_ws_guard_holding_ctx(r);

    n = wlcf->rate.rates ? wlcf->rate.rates->nelts : 0;
    zones = 0;

    if (held) {
        for (i = 0; i < held->nholds; i++) {
            if (held->holds[i].zone->rates.messages
                || held->holds[i].zone->rates.bytes)
            {
                zones++;
            }
        }
    }

    if (n == 0 && zones == 0) {
        /* no limits here: no state */
        return NGX_OK;
    }

    rc = ngx_pcalloc(wc->pool, offsetof(ngx_http_ws_guard_rate_conn_t, buckets)
                               + 2 * n * sizeof(ngx_http_ws_guard_bucket_t));
    if (rc == NULL) {
        return NGX_ERROR;
    }

    wc->rate = rc;

    rc->held = zones ? held : NULL;

    for (i = 0; i < 2 * n; i++) {
        rc->buckets[i].last = ngx_current_msec;
    }

    return NGX_OK;
}


/* the limiter i of a connection: its rates first, then the zones held */

static ngx_inline void
ngx_http_ws_guard_limiter(ngx_http_ws_guard_rate_conn_t *rc,
    ngx_http_ws_guard_loc_conf_t *wlcf, ngx_uint_t i,
    ngx_http_ws_guard_limiter_t *lim)
{
    ngx_uint_t                 n;
    ngx_http_ws_guard_rate_t  *rate;
    ngx_http_ws_guard_hold_t  *h;

    n = wlcf->rate.rates ? wlcf->rate.rates->nelts : 0;

    if (i < n) {
        rate = (ngx_http_ws_guard_rate_t *) wlcf->rate.rates->elts + i;

        lim->bucket = &rc->buckets[2 * i];
        lim->rates = &rate->rates;
        lim->burst = rate->burst;
        lim->direction = rate->direction;
        lim->shpool = NULL;
        lim->hold = NULL;
        return;
    }

    /* a zone without rates (conn= alone) is skipped: it charges nothing */

    h = &rc->held->holds[i - n];

    lim->bucket = h->node->bucket;
    lim->rates = &h->zone->rates;
    lim->burst = h->limit->burst;
    lim->direction = h->limit->direction;
    lim->shpool = h->zone->shpool;
    lim->hold = h;
}


/*
 * nothing to charge to lim: another direction, or no rate for what the
 * frame carries (a later frame of a message, an empty frame)
 */

static ngx_inline ngx_uint_t
ngx_http_ws_guard_limiter_idle(ngx_http_ws_guard_limiter_t *lim,
    ngx_uint_t dir, int64_t messages, int64_t bytes)
{
    return !(lim->direction & dir)
           || ((messages == 0 || lim->rates->messages == 0)
               && (bytes == 0 || lim->rates->bytes == 0));
}


/*
 * Checks a data frame against every bucket of its direction: a message
 * costs one token of the message buckets at its first frame, every frame
 * its payload length of the byte buckets.  Over a limit, a frame that is
 * refused is charged nowhere; one that is delayed is charged everywhere
 * now, as it will pass without another check when its time comes.
 */

void
ngx_http_ws_guard_rate_frame(ngx_http_ws_guard_side_t *s,
    ngx_ws_guard_frame_header_t *h, ngx_uint_t message_start,
    ngx_http_ws_guard_verdict_t *v)
{
    int64_t                         messages, bytes;
    uint64_t                        len;
    ngx_uint_t                      i, k, n, d, dir, force, what, over;
    ngx_msec_t                      wait, w;
    ngx_http_ws_guard_limiter_t     lim, bad;
    ngx_http_ws_guard_rate_conn_t  *rc;
    ngx_http_ws_guard_loc_conf_t   *wlcf;

    v->action = NGX_HTTP_WS_GUARD_PASS;

    rc = s->wc->rate;

    if (rc == NULL || s->dropping) {
        /* the frames of a dropped message are not charged */
        return;
    }

    wlcf = ngx_http_get_module_loc_conf(s->wc->request,
                                        ngx_http_ws_guard_module);

    n = (wlcf->rate.rates ? wlcf->rate.rates->nelts : 0)
        + (rc->held ? rc->held->nholds : 0);

    d = s->client ? 0 : 1;
    dir = s->client ? NGX_HTTP_WS_GUARD_DIR_CLIENT
                    : NGX_HTTP_WS_GUARD_DIR_SERVER;

    messages = message_start ? NGX_HTTP_WS_GUARD_UNIT : 0;
    len = ngx_min(h->length, NGX_HTTP_WS_GUARD_FRAME_MAX);
    bytes = (int64_t) len * NGX_HTTP_WS_GUARD_UNIT;

    /*
     * delay charges all; so does drop for the later frames of a message
     * that was let in: only a message as a whole is dropped
     */

    force = (wlcf->rate.action == NGX_HTTP_WS_GUARD_LIMIT_DELAY
             || (wlcf->rate.action == NGX_HTTP_WS_GUARD_LIMIT_DROP
                 && !message_start));

    wait = 0;
    what = 0;
    over = 0;
    bad.bucket = NULL;
    bad.hold = NULL;

    for (i = 0; i < n; i++) {
        ngx_http_ws_guard_limiter(rc, wlcf, i, &lim);

        if (ngx_http_ws_guard_limiter_idle(&lim, dir, messages, bytes)) {
            continue;
        }

        if (lim.shpool) {
            ngx_shmtx_lock(&lim.shpool->mutex);
        }

        w = ngx_http_ws_guard_bucket_take(&lim.bucket[d], lim.rates,
                                          lim.burst, messages, bytes, force,
                                          &over);

        if (lim.shpool) {
            ngx_shmtx_unlock(&lim.shpool->mutex);
        }

        if (w == 0) {
            continue;
        }

        if (w > wait) {
            wait = w;
            bad = lim;
            what = over;
        }

        if (force) {
            continue;
        }

        /* refused: give back what the buckets before this one took */

        for (k = 0; k < i; k++) {
            ngx_http_ws_guard_limiter(rc, wlcf, k, &lim);

            if (ngx_http_ws_guard_limiter_idle(&lim, dir, messages, bytes)) {
                continue;
            }

            if (lim.shpool) {
                ngx_shmtx_lock(&lim.shpool->mutex);
            }

            ngx_http_ws_guard_bucket_refund(&lim.bucket[d], lim.rates,
                                            messages, bytes);

            if (lim.shpool) {
                ngx_shmtx_unlock(&lim.shpool->mutex);
            }
        }

        break;
    }

    if (bad.bucket == NULL) {
        return;
    }

    if (force && !message_start
        && wlcf->rate.action == NGX_HTTP_WS_GUARD_LIMIT_DROP)
    {
        /* charged: the messages after it will find the buckets in debt */
        return;
    }

    v->code = NGX_WS_GUARD_CLOSE_POLICY;
    v->reason = "rate limit exceeded";
    v->kind = "rate";

    switch (wlcf->rate.action) {

    case NGX_HTTP_WS_GUARD_LIMIT_DELAY:
        v->action = NGX_HTTP_WS_GUARD_DELAY;
        v->delay = wait;
        break;

    case NGX_HTTP_WS_GUARD_LIMIT_DROP:
        v->action = NGX_HTTP_WS_GUARD_DROP;
        break;

    default:
        v->action = NGX_HTTP_WS_GUARD_CLOSE;
    }

    if (s->wc->violation == NULL) {
        s->wc->violation = "rate";
    }

    ngx_http_ws_guard_stats_violation(s->wc, "rate", wlcf->dry_run);

    ngx_http_ws_guard_rate_log(s, &bad, what, v);

    if (wlcf->dry_run) {
        v->action = NGX_HTTP_WS_GUARD_PASS;
    }
}


/*
 * One line per violation, at most one a second per connection: a flood
 * that is dropped or delayed would otherwise write a line per message.
 */

static void
ngx_http_ws_guard_rate_log(ngx_http_ws_guard_side_t *s,
    ngx_http_ws_guard_limiter_t *lim, ngx_uint_t what,
    ngx_http_ws_guard_verdict_t *v)
{
    u_char                         *p, where[64], outcome[64];
    const char                     *rate, *from;
    ngx_http_request_t             *r;
    ngx_http_ws_guard_rate_conn_t  *rc;
    ngx_http_ws_guard_loc_conf_t   *wlcf;

    r = s->wc->request;
    rc = s->wc->rate;
    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);

    if (rc->logged == ngx_time()) {
        return;
    }

    rc->logged = ngx_time();

    rate = (what == NGX_HTTP_WS_GUARD_OVER_MESSAGES) ? "message" : "byte";
    from = s->client ? "client" : "upstream";

    if (lim->hold) {
        p = ngx_snprintf(where, sizeof(where) - 1, "zone \"%V\"",
                         &lim->hold->limit->shm_zone->shm.name);

    } else {
        p = ngx_cpymem(where, "connection", sizeof("connection") - 1);
    }

    *p = '\0';

    switch (v->action) {

    case NGX_HTTP_WS_GUARD_DELAY:
        p = wlcf->dry_run
            ? ngx_snprintf(outcome, sizeof(outcome) - 1,
                           "message would be delayed %Mms", v->delay)
            : ngx_snprintf(outcome, sizeof(outcome) - 1,
                           "delaying the message %Mms", v->delay);
        break;

    case NGX_HTTP_WS_GUARD_DROP:
        p = ngx_snprintf(outcome, sizeof(outcome) - 1, "message %s",
                         wlcf->dry_run ? "would be dropped" : "dropped");
        break;

    default:
        p = wlcf->dry_run
            ? ngx_snprintf(outcome, sizeof(outcome) - 1,
                           "close %ui would be sent", v->code)
            : ngx_snprintf(outcome, sizeof(outcome) - 1,
                           "closing with %ui", v->code);
    }

    *p = '\0';

    ngx_log_error(wlcf->log_level, r->connection->log, 0,
                  "ws_guard: %s%s %s rate exceeded (%s), %s",
                  wlcf->dry_run ? "dry run: " : "", from, rate, where,
                  outcome);
}


/* drains a bucket for the time since it was last drained */

static void
ngx_http_ws_guard_drain(ngx_http_ws_guard_bucket_t *b,
    ngx_http_ws_guard_rates_t *rates)
{
    uint64_t        ms;
    ngx_msec_int_t  elapsed;

    elapsed = (ngx_msec_int_t) (ngx_current_msec - b->last);

    if (elapsed <= 0) {
        /* another worker's clock may be a little behind */

        if (elapsed < -60000) {
            b->last = ngx_current_msec;
        }

        return;
    }

    b->last = ngx_current_msec;
    ms = elapsed;

    if (b->messages > 0) {
        if (rates->messages == 0
            || ms >= (uint64_t) b->messages / rates->messages + 1)
        {
            b->messages = 0;

        } else {
            b->messages -= (int64_t) (rates->messages * ms);
        }
    }

    if (b->bytes > 0) {
        if (rates->bytes == 0 || ms >= (uint64_t) b->bytes / rates->bytes + 1)
        {
            b->bytes = 0;

        } else {
            b->bytes -= (int64_t) (rates->bytes * ms);
        }
    }
}


/*
 * Returns 0 and charges the bucket if a frame of this cost fits, else the
 * milliseconds until it would, charging it anyway with force.  A cost
 * larger than the whole bucket fits when the bucket is empty.
 */

static ngx_msec_t
ngx_http_ws_guard_bucket_take(ngx_http_ws_guard_bucket_t *b,
    ngx_http_ws_guard_rates_t *rates, ngx_uint_t burst, int64_t messages,
    int64_t bytes, ngx_uint_t force, ngx_uint_t *what)
{
    int64_t     cap, room;
    ngx_msec_t  wait, w;

    ngx_http_ws_guard_drain(b, rates);

    wait = 0;

    if (messages && rates->messages) {

        if (burst == NGX_CONF_UNSET_UINT) {
            /* no burst given: the bucket holds one second of the rate */
            cap = ngx_max((int64_t) rates->messages * 1000,
                          NGX_HTTP_WS_GUARD_UNIT);

        } else {
            /* as limit_req's burst: so many above the rate */
            cap = (int64_t) (burst + 1) * NGX_HTTP_WS_GUARD_UNIT;
        }

        room = cap - ngx_min(messages, cap);

        if (b->messages > room) {
            wait = (b->messages - room + rates->messages - 1)
                   / rates->messages;
            *what = NGX_HTTP_WS_GUARD_OVER_MESSAGES;
        }
    }

    if (bytes && rates->bytes) {
        /* the byte bucket holds one second of the rate */
        cap = (int64_t) rates->bytes * 1000;
        room = cap - ngx_min(bytes, cap);

        if (b->bytes > room) {
            w = (b->bytes - room + rates->bytes - 1) / rates->bytes;

            if (w > wait) {
                wait = w;
                *what = NGX_HTTP_WS_GUARD_OVER_BYTES;
            }
        }
    }

    if (wait && !force) {
        return wait;
    }

    if (rates->messages) {
        b->messages = ngx_min(b->messages + messages,
                              NGX_HTTP_WS_GUARD_LEVEL_MAX);
    }

    if (rates->bytes) {
        b->bytes = ngx_min(b->bytes + bytes, NGX_HTTP_WS_GUARD_LEVEL_MAX);
    }

    return wait;
}


static void
ngx_http_ws_guard_bucket_refund(ngx_http_ws_guard_bucket_t *b,
    ngx_http_ws_guard_rates_t *rates, int64_t messages, int64_t bytes)
{
    if (rates->messages) {
        b->messages = ngx_max(b->messages - messages, 0);
    }

    if (rates->bytes) {
        b->bytes = ngx_max(b->bytes - bytes, 0);
    }
}


/* a limit zone's figures, for the status handler */

void
ngx_http_ws_guard_zone_stats(ngx_shm_zone_t *shm_zone, ngx_uint_t *keys,
    ngx_uint_t *conns, ngx_uint_t *full)
{
    ngx_http_ws_guard_zone_t  *zone;

    zone = shm_zone->data;

    if (zone == NULL || zone->sh == NULL) {
        *keys = 0;
        *conns = 0;
        *full = 0;
        return;
    }

    ngx_shmtx_lock(&zone->shpool->mutex);

    *keys = zone->sh->nodes;
    *conns = zone->sh->conns;
    *full = zone->sh->full;

    ngx_shmtx_unlock(&zone->shpool->mutex);
}


/* configuration */

static ngx_int_t
ngx_http_ws_guard_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_ws_guard_zone_t  *ozone = data;

    size_t                     len;
    ngx_http_ws_guard_zone_t  *zone;

    zone = shm_zone->data;

    if (ozone) {
        /* a reload: the same keys, so the nodes carry over */

        if (zone->key.value.len != ozone->key.value.len
            || ngx_strncmp(zone->key.value.data, ozone->key.value.data,
                           zone->key.value.len)
               != 0)
        {
            ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                          "ws_guard_limit_zone \"%V\" uses the \"%V\" key "
                          "while previously it used the \"%V\" key",
                          &shm_zone->shm.name, &zone->key.value,
                          &ozone->key.value);
            return NGX_ERROR;
        }

        zone->sh = ozone->sh;
        zone->shpool = ozone->shpool;

        return NGX_OK;
    }

    zone->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        zone->sh = zone->shpool->data;
        return NGX_OK;
    }

    zone->sh = ngx_slab_alloc(zone->shpool,
                              sizeof(ngx_http_ws_guard_zone_sh_t));
    if (zone->sh == NULL) {
        return NGX_ERROR;
    }

    zone->shpool->data = zone->sh;

    ngx_rbtree_init(&zone->sh->rbtree, &zone->sh->sentinel,
                    ngx_http_ws_guard_rbtree_insert_value);

    ngx_queue_init(&zone->sh->queue);

    zone->sh->nodes = 0;
    zone->sh->conns = 0;
    zone->sh->full = 0;

    len = sizeof(" in ws_guard_limit_zone \"\"") + shm_zone->shm.name.len;

    zone->shpool->log_ctx = ngx_slab_alloc(zone->shpool, len);
    if (zone->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(zone->shpool->log_ctx, " in ws_guard_limit_zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* a full zone is reported by the guard, once per refusal */
    zone->shpool->log_nomem = 0;

    return NGX_OK;
}


static void
ngx_http_ws_guard_rbtree_insert_value(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t         **p;
    ngx_http_ws_guard_node_t   *wn, *wnt;

    for ( ;; ) {

        if (node->key < temp->key) {

            p = &temp->left;

        } else if (node->key > temp->key) {

            p = &temp->right;

        } else { /* node->key == temp->key */

            wn = (ngx_http_ws_guard_node_t *) &node->color;
            wnt = (ngx_http_ws_guard_node_t *) &temp->color;

            p = (ngx_memn2cmp(wn->data, wnt->data, wn->len, wnt->len) < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


void
ngx_http_ws_guard_rate_create_conf(ngx_http_ws_guard_rate_conf_t *conf)
{
    /*
     * set by ngx_pcalloc():
     *
     *     conf->limits = NULL;
     *     conf->rates = NULL;
     */

    conf->action = NGX_CONF_UNSET_UINT;
    conf->status = NGX_CONF_UNSET_UINT;
    conf->status_format = NGX_CONF_UNSET_UINT;
}


char *
ngx_http_ws_guard_rate_merge_conf(ngx_conf_t *cf,
    ngx_http_ws_guard_rate_conf_t *prev, ngx_http_ws_guard_rate_conf_t *conf)
{
    /* as limit_req: limits set at a level replace the inherited ones */

    if (conf->limits == NULL) {
        conf->limits = prev->limits;
    }

    if (conf->rates == NULL) {
        conf->rates = prev->rates;
    }

    ngx_conf_merge_uint_value(conf->action, prev->action,
                              NGX_HTTP_WS_GUARD_LIMIT_CLOSE);
    ngx_conf_merge_uint_value(conf->status, prev->status,
                              NGX_HTTP_TOO_MANY_REQUESTS);
    ngx_conf_merge_uint_value(conf->status_format, prev->status_format,
                              NGX_HTTP_WS_GUARD_STATUS_JSON);

    return NGX_CONF_OK;
}


/* ws_guard_rate [messages=Nr/s] [bytes=N/s] [burst=N] [direction=...] */

char *
ngx_http_ws_guard_rate_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ws_guard_loc_conf_t *wlcf = conf;

    ngx_int_t                  n, rc;
    ngx_str_t                 *value, s;
    ngx_uint_t                 i;
    ngx_http_ws_guard_rate_t  *rate;

    if (wlcf->rate.rates == NULL) {
        wlcf->rate.rates = ngx_array_create(cf->pool, 2,
                                            sizeof(ngx_http_ws_guard_rate_t));
        if (wlcf->rate.rates == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    rate = ngx_array_push(wlcf->rate.rates);
    if (rate == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(rate, sizeof(ngx_http_ws_guard_rate_t));
    rate->burst = NGX_CONF_UNSET_UINT;
    rate->direction = NGX_HTTP_WS_GUARD_DIR_CLIENT;

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        rc = ngx_http_ws_guard_rate_option(&value[i], "messages=",
                                           &rate->rates);
        if (rc == NGX_ERROR) {
            goto invalid;
        }

        if (rc == NGX_OK) {
            continue;
        }

        if (ngx_strncmp(value[i].data, "burst=", 6) == 0) {
            n = ngx_atoi(value[i].data + 6, value[i].len - 6);

            if (n == NGX_ERROR || n > NGX_HTTP_WS_GUARD_BURST_MAX) {
                goto invalid;
            }

            rate->burst = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "direction=", 10) == 0) {
            s.data = value[i].data + 10;
            s.len = value[i].len - 10;

            if (ngx_http_ws_guard_parse_direction(&s, &rate->direction)
                != NGX_OK)
            {
                goto invalid;
            }

            continue;
        }

        goto invalid;
    }

    if (rate->rates.messages == 0 && rate->rates.bytes == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"messages\" or \"bytes\" "
                           "parameter", &cmd->name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);
    return NGX_CONF_ERROR;
}


/* ws_guard_limit_zone key zone=name:size [rate=] [bytes=] [conn=] */

char *
ngx_http_ws_guard_limit_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ws_guard_main_conf_t *wmcf = conf;

    u_char                            *p;
    ssize_t                            size;
    ngx_int_t                          n, rc;
    ngx_str_t                         *value, name, s;
    ngx_uint_t                         i;
    ngx_shm_zone_t                    *shm_zone, **zp;
    ngx_http_ws_guard_zone_t          *zone;
    ngx_http_compile_complex_value_t   ccv;

    value = cf->args->elts;

    zone = ngx_pcalloc(cf->pool, sizeof(ngx_http_ws_guard_zone_t));
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = &zone->key;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    size = 0;
    name.len = 0;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {

            name.data = value[i].data + 5;

            p = (u_char *) ngx_strchr(name.data, ':');

            if (p == NULL || p == name.data) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid zone size \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            name.len = p - name.data;

            s.data = p + 1;
            s.len = value[i].data + value[i].len - s.data;

            size = ngx_parse_size(&s);

            if (size == NGX_ERROR) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid zone size \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            if (size < (ssize_t) (8 * ngx_pagesize)) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "zone \"%V\" is too small", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        rc = ngx_http_ws_guard_rate_option(&value[i], "rate=", &zone->rates);
        if (rc == NGX_ERROR) {
            goto invalid;
        }

        if (rc == NGX_OK) {
            continue;
        }

        if (ngx_strncmp(value[i].data, "conn=", 5) == 0) {
            n = ngx_atoi(value[i].data + 5, value[i].len - 5);

            if (n <= 0) {
                goto invalid;
            }

            zone->conn = n;
            continue;
        }

        goto invalid;
    }

    if (name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"zone\" parameter",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    if (zone->rates.messages == 0 && zone->rates.bytes == 0
        && zone->conn == 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"rate\", \"bytes\" or \"conn\" "
                           "parameter", &cmd->name);
        return NGX_CONF_ERROR;
    }

    shm_zone = ngx_shared_memory_add(cf, &name, size,
                                     &ngx_http_ws_guard_module);
    if (shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (shm_zone->data) {
        zone = shm_zone->data;

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%V \"%V\" is already bound to key \"%V\"",
                           &cmd->name, &name, &zone->key.value);
        return NGX_CONF_ERROR;
    }

    shm_zone->init = ngx_http_ws_guard_init_zone;
    shm_zone->data = zone;

    zp = ngx_array_push(&wmcf->zones);
    if (zp == NULL) {
        return NGX_CONF_ERROR;
    }

    *zp = shm_zone;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);
    return NGX_CONF_ERROR;
}


/* ws_guard_limit zone=name [burst=N] [direction=...] */

char *
ngx_http_ws_guard_limit_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ws_guard_loc_conf_t *wlcf = conf;

    ngx_int_t                       n;
    ngx_str_t                      *value, s;
    ngx_uint_t                      i, burst, direction;
    ngx_shm_zone_t                 *shm_zone;
    ngx_http_ws_guard_limit_t      *limit, *limits;
    ngx_http_ws_guard_main_conf_t  *wmcf;

    value = cf->args->elts;

    shm_zone = NULL;
    burst = NGX_CONF_UNSET_UINT;
    direction = NGX_HTTP_WS_GUARD_DIR_CLIENT;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {
            s.data = value[i].data + 5;
            s.len = value[i].len - 5;

            if (s.len == 0) {
                goto invalid;
            }

            shm_zone = ngx_shared_memory_add(cf, &s, 0,
                                             &ngx_http_ws_guard_module);
            if (shm_zone == NULL) {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "burst=", 6) == 0) {
            n = ngx_atoi(value[i].data + 6, value[i].len - 6);

            if (n == NGX_ERROR || n > NGX_HTTP_WS_GUARD_BURST_MAX) {
                goto invalid;
            }

            burst = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "direction=", 10) == 0) {
            s.data = value[i].data + 10;
            s.len = value[i].len - 10;

            if (ngx_http_ws_guard_parse_direction(&s, &direction) != NGX_OK) {
                goto invalid;
            }

            continue;
        }

        goto invalid;
    }

    if (shm_zone == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"zone\" parameter",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    if (wlcf->rate.limits == NULL) {
        wlcf->rate.limits = ngx_array_create(cf->pool, 2,
                                        sizeof(ngx_http_ws_guard_limit_t));
        if (wlcf->rate.limits == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    limits = wlcf->rate.limits->elts;

    for (i = 0; i < wlcf->rate.limits->nelts; i++) {
        if (shm_zone == limits[i].shm_zone) {
            return "is duplicate";
        }
    }

    /* a request counts the nodes it holds in 16 bits (ctx->nholds) */

    if (wlcf->rate.limits->nelts == 65535) {
        return "is one too many: 65535 zones at the most";
    }

    limit = ngx_array_push(wlcf->rate.limits);
    if (limit == NULL) {
        return NGX_CONF_ERROR;
    }

    limit->shm_zone = shm_zone;
    limit->burst = burst;
    limit->direction = direction;
    limit->file = cf->conf_file->file.name.data;
    limit->line = cf->conf_file->line;

    /* the zone may be defined further down: checked at the end */

    wmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ws_guard_module);

    limits = ngx_array_push(&wmcf->limits);
    if (limits == NULL) {
        return NGX_CONF_ERROR;
    }

    *limits = *limit;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);
    return NGX_CONF_ERROR;
}


ngx_int_t
ngx_http_ws_guard_rate_postconfiguration(ngx_conf_t *cf)
{
    ngx_uint_t                      i;
    ngx_http_ws_guard_limit_t      *limits;
    ngx_http_ws_guard_main_conf_t  *wmcf;

    wmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ws_guard_module);

    limits = wmcf->limits.elts;

    for (i = 0; i < wmcf->limits.nelts; i++) {
        if (limits[i].shm_zone->data == NULL) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "unknown ws_guard_limit_zone \"%V\" in %s:%ui",
                          &limits[i].shm_zone->shm.name, limits[i].file,
                          limits[i].line);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * Rates: "10r/s", "600r/m" (messages); a size in nginx syntax followed by
 * "/s" or "/m" (bytes: "64k/s", "1m/s", "100/s").  Stored per 1000 s.
 */

/*
 * The message rate (its parameter named "messages=" or "rate=") or
 * "bytes=": NGX_OK, NGX_DECLINED for another parameter, NGX_ERROR.
 */

static ngx_int_t
ngx_http_ws_guard_rate_option(ngx_str_t *value, const char *messages,
    ngx_http_ws_guard_rates_t *rates)
{
    size_t     n;
    ngx_str_t  s;

    n = ngx_strlen(messages);

    if (value->len >= n && ngx_strncmp(value->data, messages, n) == 0) {
        s.data = value->data + n;
        s.len = value->len - n;

        return ngx_http_ws_guard_parse_rate(&s, 0, &rates->messages);
    }

    if (value->len >= 6 && ngx_strncmp(value->data, "bytes=", 6) == 0) {
        s.data = value->data + 6;
        s.len = value->len - 6;

        return ngx_http_ws_guard_parse_rate(&s, 1, &rates->bytes);
    }

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_ws_guard_parse_rate(ngx_str_t *value, ngx_uint_t bytes,
    uint64_t *rate)
{
    off_t      n;
    ngx_str_t  s;
    ngx_uint_t scale;

    if (value->len < 3 || value->data[value->len - 2] != '/') {
        return NGX_ERROR;
    }

    switch (value->data[value->len - 1]) {
    case 's':
        scale = 1;
        break;
    case 'm':
        scale = 60;
        break;
    default:
        return NGX_ERROR;
    }

    s.data = value->data;
    s.len = value->len - 2;

    if (bytes) {
        n = ngx_parse_offset(&s);

    } else {
        if (s.data[s.len - 1] != 'r') {
            return NGX_ERROR;
        }

        n = ngx_atoof(s.data, s.len - 1);
    }

    if (n <= 0 || (uint64_t) n > NGX_HTTP_WS_GUARD_RATE_MAX) {
        return NGX_ERROR;
    }

    *rate = (uint64_t) n * 1000 / scale;

    return NGX_OK;
}


static ngx_int_t
ngx_http_ws_guard_parse_direction(ngx_str_t *value, ngx_uint_t *direction)
{
    if (value->len == 6 && ngx_strncmp(value->data, "client", 6) == 0) {
        *direction = NGX_HTTP_WS_GUARD_DIR_CLIENT;

    } else if (value->len == 6 && ngx_strncmp(value->data, "server", 6) == 0)
    {
        *direction = NGX_HTTP_WS_GUARD_DIR_SERVER;

    } else if (value->len == 4 && ngx_strncmp(value->data, "both", 4) == 0) {
        *direction = NGX_HTTP_WS_GUARD_DIR_BOTH;

    } else {
        return NGX_ERROR;
    }

    return NGX_OK;
}
