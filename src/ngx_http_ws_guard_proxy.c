
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * The upgraded connection: after the upstream's 101, nginx moves bytes with
 * src->recv() and dst->send() only (ngx_http_upstream_process_upgraded).
 * The guard wraps recv on both connections: bytes are read into a staging
 * buffer, parsed, and handed over to nginx only once the frame parser has
 * passed them; a violation truncates the stream at a frame boundary and
 * hands over a close frame instead (docs/architecture.md).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ws_guard.h"


/* the windows client payload is unmasked and compressed payload inflated
 * into for inspection */
#define NGX_HTTP_WS_GUARD_SCRATCH     4096

/* how long a started close may wait for a frame boundary */
#define NGX_HTTP_WS_GUARD_CLOSE_WAIT  5000


/* ws_guard_read_ahead of the connection's location (0: off) */
#define ngx_http_ws_guard_read_ahead(s)                                       \
    (((ngx_http_ws_guard_loc_conf_t *) ngx_http_get_module_loc_conf(          \
         (s)->wc->request, ngx_http_ws_guard_module))->read_ahead)


static ssize_t ngx_http_ws_guard_send(ngx_connection_t *c, u_char *buf,
    size_t size);
static ssize_t ngx_http_ws_guard_send_through(ngx_connection_t *c,
    ngx_http_ws_guard_side_t *from, u_char *buf, size_t size);
static void ngx_http_ws_guard_handed(ngx_http_ws_guard_side_t *s, size_t n);
static ssize_t ngx_http_ws_guard_recv_client(ngx_connection_t *c, u_char *buf,
    size_t size);
static ssize_t ngx_http_ws_guard_recv_upstream(ngx_connection_t *c,
    u_char *buf, size_t size);
static ssize_t ngx_http_ws_guard_recv(ngx_http_ws_guard_side_t *s, u_char *buf,
    size_t size);
static ssize_t ngx_http_ws_guard_recv_direct(ngx_http_ws_guard_side_t *s,
    u_char *buf, size_t size);
static ngx_int_t ngx_http_ws_guard_stage(ngx_http_ws_guard_side_t *s,
    size_t held);
static void ngx_http_ws_guard_unstage(ngx_http_ws_guard_side_t *s);
static ssize_t ngx_http_ws_guard_finish(ngx_http_ws_guard_side_t *s);
static ngx_int_t ngx_http_ws_guard_deliverable(ngx_http_ws_guard_side_t *s);
static void ngx_http_ws_guard_compact(ngx_http_ws_guard_side_t *s);
static ngx_int_t ngx_http_ws_guard_grow(ngx_http_ws_guard_side_t *s);
static void ngx_http_ws_guard_parse(ngx_http_ws_guard_side_t *s,
    size_t bytes);
static void ngx_http_ws_guard_parse_frames(ngx_http_ws_guard_side_t *s);
static void ngx_http_ws_guard_violation(ngx_http_ws_guard_side_t *s);
static void ngx_http_ws_guard_fail(ngx_http_ws_guard_side_t *s,
    ngx_uint_t code, const char *reason, const char *kind);
static ngx_int_t ngx_http_ws_guard_inflated(ngx_http_ws_guard_side_t *s,
    const u_char *p, size_t len, u_char **q);
static ngx_int_t ngx_http_ws_guard_negotiated(ngx_http_request_t *r,
    ngx_http_ws_guard_conn_t *wc);
static void ngx_http_ws_guard_inflate_cleanup(void *data);
static ngx_int_t ngx_http_ws_guard_message_violation(
    ngx_http_ws_guard_side_t *s, ngx_http_ws_guard_verdict_t *v,
    u_char **q);
static void ngx_http_ws_guard_start_close(ngx_http_ws_guard_conn_t *wc,
    ngx_uint_t code, const char *reason, const char *kind,
    ngx_http_ws_guard_side_t *bad);
static void ngx_http_ws_guard_cut(ngx_http_ws_guard_side_t *s,
    ngx_uint_t violating);
static void ngx_http_ws_guard_wake(ngx_http_ws_guard_side_t *s);
static void ngx_http_ws_guard_timer_fired(ngx_http_ws_guard_conn_t *wc);
static void ngx_http_ws_guard_expire(ngx_http_ws_guard_conn_t *wc,
    ngx_uint_t code, const char *reason, const char *kind);
static void ngx_http_ws_guard_arm_timer(ngx_http_ws_guard_conn_t *wc);
static void ngx_http_ws_guard_peer_read_handler(ngx_event_t *ev);
static ngx_int_t ngx_http_ws_guard_delay(ngx_http_ws_guard_side_t *s,
    ngx_msec_t delay);
static void ngx_http_ws_guard_delay_handler(ngx_event_t *ev);
static void ngx_http_ws_guard_deadline_add(ngx_http_ws_guard_conn_t *wc,
    ngx_msec_t timer);
static void ngx_http_ws_guard_deadline_del(ngx_http_ws_guard_conn_t *wc);
static void ngx_http_ws_guard_deadline_arm(void);
static void ngx_http_ws_guard_deadline_handler(ngx_event_t *ev);
static ngx_int_t ngx_http_ws_guard_side_init(ngx_http_request_t *r,
    ngx_http_ws_guard_conn_t *wc, ngx_http_ws_guard_side_t *s,
    ngx_connection_t *c, ngx_buf_t *leftover);
static void ngx_http_ws_guard_cleanup(void *data);
static void ngx_http_ws_guard_cleanup_request(void *data);


/*
 * What the parser unmasks and the inflater writes is used up before the
 * call returns, so one window of each serves all connections of a worker.
 */

static u_char  ngx_http_ws_guard_scratch[NGX_HTTP_WS_GUARD_SCRATCH];
static u_char  ngx_http_ws_guard_inflated_out[NGX_HTTP_WS_GUARD_SCRATCH];


/*
 * The connections' deadlines (lifetime, idle time, token expiry, the end
 * of a close that does not complete): a tree of them per worker, ordered
 * as nginx orders its timers, and one nginx timer for the earliest.  A
 * connection's node is half the size of an nginx event.
 */

struct ngx_http_ws_guard_deadline_s {
    ngx_rbtree_node_t             node;      /* key: when */
    ngx_http_ws_guard_conn_t     *wc;
};

static ngx_rbtree_t        ngx_http_ws_guard_deadlines;
static ngx_rbtree_node_t   ngx_http_ws_guard_deadlines_sentinel;
static ngx_event_t         ngx_http_ws_guard_deadline_event;

/* the event's data, as nginx's debug lines of timers read it */
static ngx_connection_t    ngx_http_ws_guard_deadline_conn;


ngx_int_t
ngx_http_ws_guard_proxy_init(ngx_http_request_t *r,
    ngx_http_ws_guard_ctx_t *ctx)
{
    ngx_connection_t              *c, *pc;
    ngx_pool_cleanup_t            *cln;
    ngx_http_upstream_t           *u;
    ngx_http_ws_guard_conn_t      *wc;

    u = r->upstream;
    c = r->connection;
    pc = u->peer.connection;

    if (pc == NULL || ctx->conn != NULL) {
        return NGX_OK;
    }

    /* the handshake is over: the token as far as later steps read it */
    ngx_http_ws_guard_jwt_trim(r, ctx);

    wc = ngx_pcalloc(ctx->pool, sizeof(ngx_http_ws_guard_conn_t));
    if (wc == NULL) {
        return NGX_ERROR;
    }

    wc->pool = ctx->pool;

    /* from now on, the context's cleanup undoes what is done here */
    ctx->conn = wc;

    wc->request = r;
    wc->started = ngx_current_msec;
    wc->active = wc->started;

    if (ngx_http_ws_guard_negotiated(r, wc) != NGX_OK) {
        return NGX_ERROR;
    }

    wc->client.client = 1;

    if (ngx_http_ws_guard_side_init(r, wc, &wc->client, c, r->header_in)
        != NGX_OK
        || ngx_http_ws_guard_side_init(r, wc, &wc->upstream, pc, &u->buffer)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* the leftover from the upstream was counted once when it was read */

    if (u->state && u->state->bytes_received >= (off_t) wc->upstream.bytes) {
        u->state->bytes_received -= wc->upstream.bytes;
    }

    /*
     * The peer connection's pool goes with upstream finalization, before
     * the request's lingering close reads through c->recv: restore there,
     * and keep a request pool cleanup as a backstop.
     */

    cln = ngx_pool_cleanup_add(pc->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_ws_guard_cleanup;
    cln->data = wc;

    wc->peer_cleanup = cln;

    c->recv = ngx_http_ws_guard_recv_client;
    pc->recv = ngx_http_ws_guard_recv_upstream;
    wc->hooked = 1;

    /* plain TCP only: nginx's TLS sends go through OpenSSL */

    if (c->send == ngx_io.send) {
        c->send = ngx_http_ws_guard_send;
    }

    if (pc->send == ngx_io.send) {
        pc->send = ngx_http_ws_guard_send;
    }

    /* graceful shutdown closes "idle" connections: send 1001 then */

    wc->peer_read_handler = pc->read->handler;
    pc->read->handler = ngx_http_ws_guard_peer_read_handler;
    pc->idle = 1;

    if (ngx_http_ws_guard_rate_init(wc) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_ws_guard_stats_open(wc);

    ngx_http_ws_guard_arm_timer(wc);

    /* what an idle connection keeps: one block, sized for it */

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "ws guard pool: %uz bytes, %uz left, %s",
                   (size_t) (wc->pool->d.end - (u_char *) wc->pool),
                   (size_t) (wc->pool->d.end - wc->pool->d.last),
                   wc->pool->d.next ? "more blocks" : "one block");

    /* bytes that came with the handshake or the 101 */

    if (wc->client.last > wc->client.start) {
        ngx_http_ws_guard_parse(&wc->client, 0);
    }

    if (wc->upstream.last > wc->upstream.start) {
        ngx_http_ws_guard_parse(&wc->upstream, 0);
    }

    if (ngx_http_ws_guard_deliverable(&wc->client)) {
        c->read->ready = 1;
    }

    if (ngx_http_ws_guard_deliverable(&wc->upstream)) {
        pc->read->ready = 1;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_ws_guard_side_init(ngx_http_request_t *r,
    ngx_http_ws_guard_conn_t *wc, ngx_http_ws_guard_side_t *s,
    ngx_connection_t *c, ngx_buf_t *leftover)
{
    size_t                         n;
    ngx_pool_cleanup_t            *cln;
    ngx_ws_guard_frame_conf_t      fc, *conf;
    ngx_http_ws_guard_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);

    s->wc = wc;
    s->c = c;
    s->recv = c->recv;
    s->inspect = 1;
    s->buffer = (wlcf->message.inspect == NGX_HTTP_WS_GUARD_INSPECT_BUFFER);

    n = leftover->last - leftover->pos;

    if (n) {
        /* bytes that came with the handshake or the 101 */

        if (ngx_http_ws_guard_stage(s, n) != NGX_OK) {
            return NGX_ERROR;
        }

        s->last = ngx_cpymem(s->start, leftover->pos, n);
    }

    /* emptied: nginx would otherwise forward it without calling recv */
    leftover->pos = leftover->last;

    if (!s->client) {
        /*
         * nginx reads upgraded upstream bytes into the rest of this buffer:
         * with a 101 and what came with it filling it, it would never call
         * recv again (the client's header_in is not reused by nginx)
         */
        leftover->pos = leftover->start;
        leftover->last = leftover->start;
    }

    s->bytes = n;

    ngx_http_ws_guard_stats_traffic(s, n, 0, 0);

    ngx_memzero(&fc, sizeof(ngx_ws_guard_frame_conf_t));

    fc.client = s->client;
    fc.utf8 = wlcf->utf8 ? 1 : 0;
    fc.types = wlcf->message_types
               & (NGX_WS_GUARD_FRAME_TEXT|NGX_WS_GUARD_FRAME_BINARY);
    fc.max_frame_size = wlcf->max_frame_size;
    fc.max_message_size = wlcf->max_message_size;
    fc.scratch = ngx_http_ws_guard_scratch;
    fc.scratch_size = NGX_HTTP_WS_GUARD_SCRATCH;

    if (ngx_http_ws_guard_message_init(s) != NGX_OK) {
        return NGX_ERROR;
    }

    if (s->msg) {
        /* the message policy reads text payload unmasked */
        fc.inspect = NGX_WS_GUARD_FRAME_TEXT;
    }

    if (wc->deflate) {
        ngx_ws_guard_inflate_conf_t   ic;

        fc.rsv1_allowed = 1;

        /* compressed payload is read unmasked, whatever its type */
        fc.inspect = NGX_WS_GUARD_FRAME_TEXT|NGX_WS_GUARD_FRAME_BINARY;

        s->inflate = ngx_pcalloc(wc->pool, sizeof(ngx_ws_guard_inflate_t)
                                           + sizeof(ngx_ws_guard_utf8_t));
        if (s->inflate == NULL) {
            return NGX_ERROR;
        }

        ngx_memzero(&ic, sizeof(ngx_ws_guard_inflate_conf_t));

        ic.dir = wc->deflate_dir[s->client ? 0 : 1];
        ic.max_output = wlcf->max_message_size;
        ic.out = ngx_http_ws_guard_inflated_out;
        ic.out_size = NGX_HTTP_WS_GUARD_SCRATCH;

        if (ngx_ws_guard_inflate_init(s->inflate, &ic) != NGX_WS_GUARD_OK) {
            ngx_log_error(NGX_LOG_ERR, c->log, 0,
                          "ws_guard: inflater not created: %s",
                          s->inflate->err_reason);
            return NGX_ERROR;
        }

        cln = ngx_pool_cleanup_add(wc->pool, 0);
        if (cln == NULL) {
            ngx_ws_guard_inflate_free(s->inflate);
            return NGX_ERROR;
        }

        cln->handler = ngx_http_ws_guard_inflate_cleanup;
        cln->data = s->inflate;
    }

    /*
     * The parser keeps a pointer to its configuration: the location keeps
     * one for each direction, with and without deflate, shared by its
     * connections.  It comes out the same every time: written again here,
     * with no parser running, it stays the same for those that use it.
     */

    conf = &wlcf->frame_conf[s->client ? 0 : 1][wc->deflate];
    *conf = fc;

    if (ngx_ws_guard_frame_init(&s->parser, conf) != NGX_WS_GUARD_OK) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ssize_t
ngx_http_ws_guard_recv_client(ngx_connection_t *c, u_char *buf, size_t size)
{
    ngx_http_request_t       *r;
    ngx_http_ws_guard_ctx_t  *ctx;

    r = c->data;
    ctx = ngx_http_get_module_ctx(r, ngx_http_ws_guard_module);

    return ngx_http_ws_guard_recv(&ctx->conn->client, buf, size);
}


static ssize_t
ngx_http_ws_guard_recv_upstream(ngx_connection_t *c, u_char *buf, size_t size)
{
    ngx_http_request_t       *r;
    ngx_http_ws_guard_ctx_t  *ctx;

    r = c->data;
    ctx = ngx_http_get_module_ctx(r, ngx_http_ws_guard_module);

    return ngx_http_ws_guard_recv(&ctx->conn->upstream, buf, size);
}


/*
 * nginx sends what it took from the other side, one proxy_buffer_size at
 * most, and then takes the next part with recv.  While more of that is
 * staged and approved (a read-ahead burst), the send takes it too: nginx's
 * bytes and the approved staged bytes that follow them go in one writev,
 * and what of the staged bytes went is handed over as recv would have, so
 * nginx never sees it.  A burst leaves in one system call, not one per
 * proxy_buffer_size.  With ws_guard_read_ahead off every send is nginx's
 * own.
 */

static ssize_t
ngx_http_ws_guard_send(ngx_connection_t *c, u_char *buf, size_t size)
{
    ngx_buf_t                 *b;
    ngx_http_request_t        *r;
    ngx_http_upstream_t       *u;
    ngx_http_ws_guard_ctx_t   *ctx;
    ngx_http_ws_guard_side_t  *from;

    r = c->data;
    ctx = ngx_http_get_module_ctx(r, ngx_http_ws_guard_module);

    /* what nginx sends to one side it took from the other */

    from = (c == ctx->conn->client.c) ? &ctx->conn->upstream
                                      : &ctx->conn->client;

    if (from->pos < from->approved && size > 0
        && ngx_http_ws_guard_read_ahead(from))
    {
        /* only what nginx took with recv is followed by the staged bytes */

        u = ctx->conn->request->upstream;

        if (u != NULL) {
            b = from->client ? &u->from_client : &u->buffer;

            if (buf + size == b->last) {
                return ngx_http_ws_guard_send_through(c, from, buf, size);
            }
        }
    }

    return ngx_io.send(c, buf, size);
}


static ssize_t
ngx_http_ws_guard_send_through(ngx_connection_t *c,
    ngx_http_ws_guard_side_t *from, u_char *buf, size_t size)
{
    size_t                staged, extra;
    ssize_t               n;
    ngx_err_t             err;
    struct iovec          iov[2];
    ngx_http_upstream_t  *u;

    staged = from->approved - from->pos;

    iov[0].iov_base = (void *) buf;
    iov[0].iov_len = size;
    iov[1].iov_base = (void *) from->pos;
    iov[1].iov_len = staged;

    for ( ;; ) {
        n = writev(c->fd, iov, 2);

        if (n >= 0) {
            break;
        }

        /* the error is the socket's, and read once: reported from here */

        err = ngx_socket_errno;

        if (err == NGX_EINTR) {
            continue;
        }

        if (err == NGX_EAGAIN) {
            c->write->ready = 0;
            return NGX_AGAIN;
        }

        c->write->error = 1;
        (void) ngx_connection_error(c, err, "writev() failed");

        return NGX_ERROR;
    }

    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "ws guard send through: %uz + %uz, sent %z%s",
                   size, staged, n,
                   (size_t) n < size + staged ? ", short" : "");

    c->sent += n;

    if ((size_t) n < size + staged) {
        c->write->ready = 0;
    }

    if ((size_t) n <= size) {
        return n;
    }

    /* the staged bytes sent are handed over, as recv would have */

    extra = n - size;

    if (!from->client) {
        /* nginx counts what it takes from the upstream */

        u = from->wc->request->upstream;

        if (u->state) {
            u->state->bytes_received += extra;
        }
    }

    ngx_http_ws_guard_handed(from, extra);

    return size;
}


/*
 * n approved staged bytes have gone to nginx (recv) or to the peer (send
 * through): what follows them becomes deliverable
 */

static void
ngx_http_ws_guard_handed(ngx_http_ws_guard_side_t *s, size_t n)
{
    s->pos += n;

    if (s->in_payload && s->frame < s->pos) {
        s->frame_sent = 1;
    }

    ngx_http_ws_guard_compact(s);

    if (ngx_http_ws_guard_deliverable(s)) {
        s->c->read->ready = 1;
    }
}


/*
 * Hands over approved staged bytes first, then a pending close frame, and
 * reads from the connection only when nothing is deliverable: straight
 * into nginx's buffer when nothing is staged.
 */

static ssize_t
ngx_http_ws_guard_recv(ngx_http_ws_guard_side_t *s, u_char *buf, size_t size)
{
    size_t             n;
    ssize_t            rc;
    ngx_connection_t  *c;

    c = s->c;

    for ( ;; ) {

        if (s->pos < s->approved) {
            n = ngx_min(size, (size_t) (s->approved - s->pos));
            ngx_memcpy(buf, s->pos, n);
            ngx_http_ws_guard_handed(s, n);

            return n;
        }

        if (s->closing && !s->done) {

            if (ngx_http_ws_guard_deliverable(s)) {
                n = ngx_min(size, (size_t) (s->inject_len - s->inject_pos));
                ngx_memcpy(buf, ngx_http_ws_guard_inject(s) + s->inject_pos,
                           n);
                s->inject_pos += n;

                if (s->inject_pos == s->inject_len) {
                    s->done = 1;
                }

                c->read->ready = 1;

                return n;
            }

            if (s->broken) {
                s->done = 1;
            }
        }

        if (s->done) {
            return ngx_http_ws_guard_finish(s);
        }

        if (s->eof) {
            return 0;
        }

        if (s->delayed) {
            /* backpressure: the peer's bytes wait in its socket */
            c->read->ready = 0;
            return NGX_AGAIN;
        }

        if (s->pos == s->last && !s->discard
            && !(s->ahead && ngx_http_ws_guard_read_ahead(s) > size))
        {
            rc = ngx_http_ws_guard_recv_direct(s, buf, size);

            if (rc == NGX_DECLINED) {
                /* nothing to hand over yet */
                continue;
            }

            if (rc == 0 || rc == NGX_ERROR) {
                if (s->closing && !s->broken && !s->done) {
                    goto gone;
                }
            }

            return rc;
        }

        if (s->discard) {
            /* closing: what the peer sends now goes nowhere */
            rc = s->recv(c, buf, size);

            n = 0;

        } else {
            if (s->pos == s->last) {
                /*
                 * read-ahead: the last read filled what was asked, so more
                 * is likely waiting; it is read in one go into a buffer of
                 * the guard's, freed once all of it has been handed over
                 */

                if (ngx_http_ws_guard_stage(s, 0) != NGX_OK) {
                    return NGX_ERROR;
                }

            } else if (s->last == s->own + s->own_size) {
                ngx_http_ws_guard_compact(s);

                if (s->last == s->own + s->own_size
                    && ngx_http_ws_guard_grow(s) != NGX_OK)
                {
                    return NGX_ERROR;
                }
            }

            n = s->own + s->own_size - s->last;

            rc = s->recv(c, s->last, n);
        }

        s->ahead = (rc > 0 && (size_t) rc == n);

        if (rc == NGX_AGAIN) {
            if (s->pos == s->last && !s->discard) {
                /* a read ahead found nothing: the buffer goes back */
                ngx_http_ws_guard_unstage(s);
            }

            return NGX_AGAIN;
        }

        if (rc == 0 || rc == NGX_ERROR) {

            if (s->closing && !s->broken && !s->done) {
                goto gone;
            }

            return rc;
        }

        s->bytes += rc;

        if (s->discard) {
            ngx_http_ws_guard_stats_traffic(s, rc, 0, 0);
            continue;
        }

        s->last += rc;

        if (!s->inspect) {
            s->parsed = s->last;
            s->approved = s->last;
            ngx_http_ws_guard_stats_traffic(s, rc, 0, 0);
            continue;
        }

        ngx_http_ws_guard_parse(s, rc);

        continue;

    gone:

        /* the peer is gone: what is held goes, the close frame too */
        s->eof = 1;
        s->last = s->approved;
        s->parsed = s->approved;
        s->stop_at_end = 0;
        s->discard = 1;
    }
}


/*
 * Nothing is staged: reads into nginx's buffer and parses the bytes where
 * they are.  What may go is handed over in place; only what must wait (a
 * partial frame header, a held or delayed message) is moved to the
 * guard's own staging buffer.  Returns NGX_DECLINED when nothing may go
 * yet.
 */

static ssize_t
ngx_http_ws_guard_recv_direct(ngx_http_ws_guard_side_t *s, u_char *buf,
    size_t size)
{
    size_t   n, held, parsed, frame, hold, drop;
    ssize_t  rc;
    u_char  *base;

    rc = s->recv(s->c, buf, size);

    s->ahead = (rc > 0 && (size_t) rc == size);

    if (rc == NGX_AGAIN || rc == NGX_ERROR || rc == 0) {
        if (s->own) {
            /*
             * nothing is staged: a buffer left from a read whose frames
             * were all dropped goes back now, not at the end
             */
            ngx_http_ws_guard_unstage(s);
        }

        return rc;
    }

    s->bytes += rc;

    if (!s->inspect) {
        ngx_http_ws_guard_stats_traffic(s, rc, 0, 0);
        return rc;
    }

    /*
     * the staging buffer is nginx's for now; the guard's, if any, is empty:
     * it is reused below for what must wait, or freed
     */

    s->start = buf;
    s->pos = buf;
    s->approved = buf;
    s->parsed = buf;
    s->frame = buf;
    s->hold = buf;
    s->last = buf + rc;

    ngx_http_ws_guard_parse(s, rc);

    n = s->approved - buf;
    held = s->last - s->approved;

    if (s->in_payload && s->frame < s->approved) {
        s->frame_sent = 1;
    }

    if (held == 0) {
        ngx_http_ws_guard_unstage(s);

    } else {
        /* offsets in what is held, kept across the move */
        base = s->approved;
        parsed = s->parsed - base;
        frame = (s->frame >= base) ? (size_t) (s->frame - base) : 0;
        hold = (s->holding && s->hold >= base) ? (size_t) (s->hold - base)
                                                : 0;
        drop = s->drop_frame ? (size_t) (s->drop_from - base) : 0;

        if (ngx_http_ws_guard_stage(s, held) != NGX_OK) {
            return NGX_ERROR;
        }

        ngx_memcpy(s->start, base, held);

        s->parsed = s->start + parsed;
        s->frame = s->start + frame;
        s->hold = s->start + hold;
        s->drop_from = s->start + drop;
        s->last = s->start + held;
    }

    if (ngx_http_ws_guard_deliverable(s)) {
        s->c->read->ready = 1;
    }

    return n ? (ssize_t) n : NGX_DECLINED;
}


/*
 * Takes a staging buffer of the guard's, empty, for held bytes about to be
 * moved in: at least proxy_buffer_size, and the read-ahead size after a
 * read that filled what was asked.  It is freed once nothing waits in it.
 */

static ngx_int_t
ngx_http_ws_guard_stage(ngx_http_ws_guard_side_t *s, size_t held)
{
    size_t  size;

    size = ngx_max(held, s->wc->request->upstream->conf->buffer_size);

    if (s->ahead) {
        size = ngx_max(size, ngx_http_ws_guard_read_ahead(s));
    }

    if (s->own == NULL || s->own_size < size) {

        if (s->own) {
            ngx_free(s->own);
            s->own = NULL;
        }

        s->own = ngx_alloc(size, s->c->log);
        if (s->own == NULL) {
            return NGX_ERROR;
        }

        s->own_size = size;
    }

    s->start = s->own;
    s->pos = s->start;
    s->approved = s->start;
    s->parsed = s->start;
    s->last = s->start;
    s->frame = s->start;
    s->hold = s->start;
    s->drop_from = s->start;

    return NGX_OK;
}


/* gives the guard's staging buffer back once nothing waits in it */

static void
ngx_http_ws_guard_unstage(ngx_http_ws_guard_side_t *s)
{
    if (s->own) {
        ngx_free(s->own);
        s->own = NULL;
        s->own_size = 0;
    }

    s->start = NULL;
    s->pos = NULL;
    s->approved = NULL;
    s->parsed = NULL;
    s->last = NULL;
    s->frame = NULL;
    s->hold = NULL;
    s->drop_from = NULL;
}


/*
 * After the guard's close: the end of stream is reported on the upstream
 * connection only, once both directions are done and nginx has sent what
 * it took from the client; nginx then finalizes when the close frame for
 * the client has drained.
 */

static ssize_t
ngx_http_ws_guard_finish(ngx_http_ws_guard_side_t *s)
{
    ngx_http_request_t        *r;
    ngx_http_upstream_t       *u;
    ngx_http_ws_guard_conn_t  *wc;

    wc = s->wc;
    r = wc->request;
    u = r->upstream;

    if (s->client) {
        if (!wc->upstream.done || u == NULL || u->peer.connection == NULL) {
            s->c->read->ready = 0;
            return NGX_AGAIN;
        }

        if (u->from_client.pos == u->from_client.last && !wc->finished) {
            u->peer.connection->read->ready = 1;
            ngx_post_event(u->peer.connection->read, &ngx_posted_events);
        }

        /* keep being called after writes upstream, until that is empty */
        s->c->read->ready = 1;
        return NGX_AGAIN;
    }

    if (wc->client.done
        && u->from_client.pos == u->from_client.last
        && r->header_in->pos == r->header_in->last)
    {
        wc->finished = 1;
        s->c->read->eof = 1;
        s->c->read->ready = 0;
        return 0;
    }

    s->c->read->ready = 0;
    return NGX_AGAIN;
}


static ngx_int_t
ngx_http_ws_guard_deliverable(ngx_http_ws_guard_side_t *s)
{
    if (s->pos < s->approved) {
        return 1;
    }

    /* the close frame goes once everything before it was handed over */

    return s->closing && !s->broken && !s->done && !s->stop_at_end
           && s->approved == s->last;
}


/*
 * Moves what is held (a partial frame header) to the start of the buffer,
 * or gives the buffer back when nothing is.
 */

static void
ngx_http_ws_guard_compact(ngx_http_ws_guard_side_t *s)
{
    size_t  held, shift;

    if (s->pos != s->approved) {
        return;
    }

    held = s->last - s->approved;

    if (held == 0) {
        ngx_http_ws_guard_unstage(s);
        return;
    }

    if (s->pos == s->start) {
        return;
    }

    shift = s->approved - s->start;

    ngx_memmove(s->start, s->approved, held);

    s->pos = s->start;
    s->approved = s->start;
    s->parsed -= shift;
    s->last = s->start + held;
    s->frame = (s->frame >= s->start + shift) ? s->frame - shift : s->start;

    if (s->holding) {
        s->hold -= shift;
    }
}


/*
 * Buffer mode holds a message whole until it has passed: the staging
 * buffer grows (by doubling, up to the message size limit and a frame
 * header per fragment) when a message is longer than any before.
 */

static ngx_int_t
ngx_http_ws_guard_grow(ngx_http_ws_guard_side_t *s)
{
    size_t                         size, max;
    u_char                        *p;
    ngx_http_request_t            *r;
    ngx_http_ws_guard_loc_conf_t  *wlcf;

    r = s->wc->request;

    if (!s->holding) {
        /* cannot happen: outside buffer mode only 14 bytes are held */
        ngx_log_error(NGX_LOG_ALERT, s->c->log, 0,
                      "ws_guard: staging buffer full");
        return NGX_ERROR;
    }

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);

    max = wlcf->max_message_size ? (size_t) wlcf->max_message_size
                                 : 16 * 1024 * 1024;

    /* room for the frame headers of a fragmented message */
    max += max / 8 + 4096;

    size = s->own_size;

    if (size >= max) {
        ngx_log_error(NGX_LOG_ERR, s->c->log, 0,
                      "ws_guard: message does not fit the buffer (%uz)", size);
        return NGX_ERROR;
    }

    size = ngx_min(size * 2, max);

    p = ngx_alloc(size, s->c->log);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, s->start, s->last - s->start);

    s->pos = p + (s->pos - s->start);
    s->approved = p + (s->approved - s->start);
    s->parsed = p + (s->parsed - s->start);
    s->frame = p + (s->frame - s->start);
    s->hold = p + (s->hold - s->start);
    s->last = p + (s->last - s->start);

    ngx_free(s->own);

    s->own = p;
    s->own_size = size;
    s->start = p;

    return NGX_OK;
}


/*
 * Parses what is staged, and counts the bytes just read (bytes) and the
 * frames and messages that ended: one look at the counters per read.
 */

static void
ngx_http_ws_guard_parse(ngx_http_ws_guard_side_t *s, size_t bytes)
{
    uint64_t  frames, messages;

    frames = s->parser.frames;
    messages = s->parser.messages;

    ngx_http_ws_guard_parse_frames(s);

    frames = s->parser.frames - frames;
    messages = s->parser.messages - messages;

    if (bytes || frames || messages) {
        ngx_http_ws_guard_stats_traffic(s, bytes, frames, messages);
    }
}


/*
 * Parses what was read and approves the bytes that may go: everything up
 * to the end, but for a frame header not yet complete.  Bytes are approved
 * only after the whole read has been parsed, so a violation found in it
 * can still cut the stream at the start of the violating frame.  Frames of
 * a dropped message are cut out of the buffer as they are parsed.
 */

static void
ngx_http_ws_guard_parse_frames(ngx_http_ws_guard_side_t *s)
{
    int                           rc;
    u_char                       *p, *q;
    size_t                        pos;
    uint64_t                      base;
    ngx_uint_t                    data, start, quiet, stalled;
    ngx_ws_guard_frame_t         *f;
    ngx_ws_guard_frame_event_t    ev;
    ngx_http_ws_guard_verdict_t   v;

    f = &s->parser;
    p = s->parsed;

    if (s->drop_frame) {
        /* the rest of a dropped frame */
        s->drop_from = p;
    }

    /*
     * nothing looks at a data frame but the parser (no message policy, no
     * rates, nothing inflated, held or dropped): data frames are taken
     * without events
     */

    quiet = (s->msg == NULL && s->inflate == NULL && s->wc->rate == NULL
             && !s->buffer && !s->dropping && !s->drop_frame
             && !s->stop_at_end);

    stalled = 0;

    for ( ;; ) {

        /*
         * what run() stopped before goes to the events up to the end of
         * that frame: a violation is not checked again window by window
         */

        if (quiet && !stalled) {
            pos = 0;
            base = f->offset;

            if (ngx_ws_guard_frame_run(f, p, s->last - p, &pos)) {
                s->wc->active = ngx_current_msec;
            }

            /* it took nothing of a data frame there (not a split header) */
            stalled = (pos == 0 && p < s->last
                       && (ngx_ws_guard_frame_boundary(f) || s->in_payload));

            if (pos) {
                if (ngx_ws_guard_frame_boundary(f)) {
                    s->in_payload = 0;
                    s->frame_sent = 0;
                    s->frame = p + pos;

                } else if (f->frame.start >= base) {
                    /* a frame begun here, its payload to come */
                    s->in_payload = 1;
                    s->frame_sent = 0;
                    s->frame = p + (f->frame.start - base);
                }

                p += pos;
            }
        }

        pos = 0;
        rc = ngx_ws_guard_frame_parse(f, p, s->last - p, &pos, &ev);
        q = p + pos;

        if (rc == NGX_WS_GUARD_AGAIN) {
            p = q;
            break;
        }

        if (rc == NGX_WS_GUARD_ERROR) {
            s->parsed = q;
            ngx_http_ws_guard_violation(s);
            return;
        }

        switch (ev.type) {

        case NGX_WS_GUARD_FRAME_EV_HEADER:
            s->frame = q - f->frame.header_len;
            s->in_payload = 1;
            s->frame_sent = 0;

            data = (f->frame.opcode < NGX_WS_GUARD_FRAME_OP_CLOSE);

            if (!data) {
                break;
            }

            start = (ev.flags & NGX_WS_GUARD_FRAME_MESSAGE_START) ? 1 : 0;
            s->msg_here = start;

            if (start) {
                s->text = (f->frame.opcode == NGX_WS_GUARD_FRAME_OP_TEXT);
                s->compressed = f->msg_compressed ? 1 : 0;

                if (s->buffer && !s->dropping) {
                    s->holding = 1;
                    s->hold = s->frame;
                }

                if (s->compressed) {
                    ngx_ws_guard_utf8_init(ngx_http_ws_guard_inflated_utf8(s));

                    if (ngx_ws_guard_inflate_begin(s->inflate)
                        != NGX_WS_GUARD_OK)
                    {
                        s->parsed = q;
                        ngx_http_ws_guard_fail(s, s->inflate->err_code,
                                               s->inflate->err_reason,
                                               "deflate");
                        return;
                    }
                }
            }

            ngx_memzero(&v, sizeof(ngx_http_ws_guard_verdict_t));
            ngx_http_ws_guard_rate_frame(s, &f->frame, start, &v);

            if (v.action == NGX_HTTP_WS_GUARD_DROP && !start
                && !s->dropping)
            {
                /* part of the message went on: it cannot go whole */
                v.action = NGX_HTTP_WS_GUARD_CLOSE;
            }

            switch (v.action) {

            case NGX_HTTP_WS_GUARD_DROP:
                s->dropping = 1;
                break;

            case NGX_HTTP_WS_GUARD_CLOSE:
                s->parsed = q;
                ngx_http_ws_guard_start_close(s->wc, v.code, v.reason,
                                              v.kind, s);
                return;

            case NGX_HTTP_WS_GUARD_DELAY:
                /*
                 * hold this frame and what follows until the timer; in
                 * buffer mode, the message held whole from its start
                 */
                s->parsed = q;
                s->approved = s->holding ? s->hold : s->frame;
                if (ngx_http_ws_guard_delay(s, v.delay ? v.delay : 1)
                    != NGX_OK)
                {
                    ngx_http_ws_guard_start_close(s->wc,
                                          NGX_WS_GUARD_CLOSE_INTERNAL,
                                          "internal error", "internal", s);
                }

                return;

            default:
                break;
            }

            if (s->dropping) {
                s->drop_frame = 1;
                s->drop_from = s->frame;
            }

            break;

        case NGX_WS_GUARD_FRAME_EV_DATA:

            if (s->compressed && !s->dropping
                && f->frame.opcode < NGX_WS_GUARD_FRAME_OP_CLOSE
                && ev.data != NULL)
            {
                if (ngx_http_ws_guard_inflated(s, ev.data, ev.len, &q)
                    != NGX_OK)
                {
                    return;
                }

                break;
            }

            if (s->msg == NULL || !s->text || s->dropping
                || f->frame.opcode >= NGX_WS_GUARD_FRAME_OP_CLOSE
                || ev.data == NULL)
            {
                break;
            }

            ngx_memzero(&v, sizeof(ngx_http_ws_guard_verdict_t));

            if (ngx_http_ws_guard_message_data(s, (u_char *) ev.data, ev.len,
                                               &v)
                != NGX_OK
                && ngx_http_ws_guard_message_violation(s, &v, &q) != NGX_OK)
            {
                return;
            }

            break;

        case NGX_WS_GUARD_FRAME_EV_END:

            if ((ev.flags & NGX_WS_GUARD_FRAME_MESSAGE_END)
                && s->compressed && !s->dropping)
            {
                /* the rest of the inflated message, and its end */

                if (ngx_http_ws_guard_inflated(s, NULL, 0, &q) != NGX_OK) {
                    return;
                }
            }

            if ((ev.flags & NGX_WS_GUARD_FRAME_MESSAGE_END)
                && s->msg && s->text)
            {
                if (s->dropping) {
                    /* dropped anyway: its checks only start over */
                    ngx_http_ws_guard_message_abort(s);
                }

                ngx_memzero(&v, sizeof(ngx_http_ws_guard_verdict_t));

                if (ngx_http_ws_guard_message_end(s, &v) != NGX_OK
                    && ngx_http_ws_guard_message_violation(s, &v, &q)
                       != NGX_OK)
                {
                    return;
                }
            }

            if (s->drop_frame) {
                ngx_memmove(s->drop_from, q, s->last - q);
                s->last -= q - s->drop_from;
                q = s->drop_from;
                s->drop_frame = 0;
            }

            s->in_payload = 0;
            s->frame_sent = 0;
            s->frame = q;
            stalled = 0;

            if (ev.flags & NGX_WS_GUARD_FRAME_MESSAGE_END) {
                s->wc->active = ngx_current_msec;
                s->dropping = 0;
                s->holding = 0;
            }

            if (s->stop_at_end) {
                /* closing: this frame was the last to go */
                s->stop_at_end = 0;
                s->discard = 1;
                s->last = q;
                p = q;
                goto done;
            }

            break;

        default:
            break;
        }

        p = q;
    }

done:

    if (s->drop_frame) {
        /* what came of a dropped frame so far goes too */
        s->last = s->drop_from;
        p = s->drop_from;
        s->frame = p;
    }

    s->parsed = p;

    if (ngx_ws_guard_frame_boundary(f) || s->in_payload) {
        s->approved = s->last;

    } else {
        /* hold a partial header back */
        s->approved = s->frame;
    }

    if (s->holding && s->approved > s->hold) {
        /* buffer mode: the message goes once it has passed, whole */
        s->approved = s->hold;
    }
}


/* stops reading from this side for a while; the event is made once */

static ngx_int_t
ngx_http_ws_guard_delay(ngx_http_ws_guard_side_t *s, ngx_msec_t delay)
{
    if (s->delay == NULL) {
        s->delay = ngx_pcalloc(s->wc->pool, sizeof(ngx_event_t));
        if (s->delay == NULL) {
            return NGX_ERROR;
        }

        s->delay->handler = ngx_http_ws_guard_delay_handler;
        s->delay->data = s;
        s->delay->log = s->c->log;
    }

    s->delayed = 1;
    ngx_add_timer(s->delay, delay);

    return NGX_OK;
}


/* the timer of a delayed direction: the held frame goes on */

static void
ngx_http_ws_guard_delay_handler(ngx_event_t *ev)
{
    ngx_http_ws_guard_side_t  *s = ev->data;

    s->delayed = 0;

    if (s->wc->closing) {
        return;
    }

    ngx_http_ws_guard_parse(s, 0);
    ngx_http_ws_guard_wake(s);
}


/*
 * A message-level violation (schema, scope, pattern): in dry run it is
 * logged and the message goes on; with "ws_guard_violation drop" the
 * message is cut out when none of it was passed on yet; otherwise both
 * connections are closed.  Returns NGX_OK when parsing may go on.
 */

static ngx_int_t
ngx_http_ws_guard_message_violation(ngx_http_ws_guard_side_t *s,
    ngx_http_ws_guard_verdict_t *v, u_char **q)
{
    u_char                        *from;
    ngx_http_request_t            *r;
    ngx_http_ws_guard_conn_t      *wc;
    ngx_http_ws_guard_loc_conf_t  *wlcf;

    wc = s->wc;
    r = wc->request;
    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);

    if (wc->closing) {
        ngx_http_ws_guard_cut(s, 1);
        return NGX_ERROR;
    }

    if (wlcf->dry_run) {
        ngx_log_error(wlcf->log_level, r->connection->log, 0,
                      "ws_guard: dry run: %s message violation: %s, "
                      "close %ui would be sent",
                      s->client ? "client" : "upstream", v->reason, v->code);

        if (wc->violation == NULL) {
            wc->violation = v->kind;
        }

        /*
         * the policy ignores the rest of the message by itself (a
         * violation found at its end leaves the next message checked)
         */

        ngx_http_ws_guard_stats_violation(wc, v->kind, 1);
        return NGX_OK;
    }

    ngx_http_ws_guard_stats_violation(wc, v->kind, 0);

    /*
     * droppable: a message held whole (buffer mode), or one that began in
     * this frame of which nothing went on yet; a compressed one only when
     * the receiver's decompressor starts over with each message
     */

    from = NULL;

    if (s->holding) {
        from = s->hold;

    } else if (s->msg_here && !s->frame_sent && s->frame >= s->pos) {
        from = s->frame;
    }

    if (wlcf->message.violation == NGX_HTTP_WS_GUARD_VIOLATION_DROP
        && from != NULL
        && (!s->compressed
            || s->inflate->conf.dir.no_context_takeover))
    {
        ngx_log_error(wlcf->log_level, r->connection->log, 0,
                      "ws_guard: %s message violation: %s, message dropped",
                      s->client ? "client" : "upstream", v->reason);

        if (wc->violation == NULL) {
            wc->violation = v->kind;
        }

        /* cut out what came of it so far (in buffer mode, control frames
         * between its fragments go with it), and the rest as it comes */

        ngx_memmove(from, *q, s->last - *q);
        s->last -= *q - from;
        *q = from;
        s->frame = from;
        s->holding = 0;

        if (s->in_payload) {
            s->dropping = 1;
            s->drop_frame = 1;
            s->drop_from = from;
        }

        return NGX_OK;
    }

    ngx_log_error(wlcf->log_level, r->connection->log, 0,
                  "ws_guard: %s message violation: %s, closing with %ui",
                  s->client ? "client" : "upstream", v->reason, v->code);

    s->parsed = *q;
    ngx_http_ws_guard_start_close(wc, v->code, v->reason, v->kind, s);

    return NGX_ERROR;
}


static void
ngx_http_ws_guard_violation(ngx_http_ws_guard_side_t *s)
{
    ngx_uint_t   code;
    const char  *kind;

    code = s->parser.err_code;

    switch (code) {
    case NGX_WS_GUARD_CLOSE_INVALID_DATA:
        kind = "utf8";
        break;
    case NGX_WS_GUARD_CLOSE_TOO_BIG:
        kind = "size";
        break;
    case NGX_WS_GUARD_CLOSE_UNSUPPORTED:
        kind = "message_type";
        break;
    default:
        kind = "protocol";
    }

    ngx_http_ws_guard_fail(s, code, s->parser.err_reason, kind);
}


/*
 * A violation of the protocol or of the payload (UTF-8, sizes, compressed
 * data): logged, and both connections closed; in dry run logged only, and
 * the rest of that direction goes unchecked.
 */

static void
ngx_http_ws_guard_fail(ngx_http_ws_guard_side_t *s, ngx_uint_t code,
    const char *reason, const char *kind)
{
    ngx_http_request_t            *r;
    ngx_http_ws_guard_conn_t      *wc;
    ngx_http_ws_guard_loc_conf_t  *wlcf;

    wc = s->wc;
    r = wc->request;

    if (wc->closing) {
        /* the rest of a frame let through while closing was bad: cut */
        ngx_http_ws_guard_cut(s, 1);
        return;
    }

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);

    if (wlcf->dry_run) {
        ngx_log_error(wlcf->log_level, r->connection->log, 0,
                      "ws_guard: dry run: %s frame violation: %s, "
                      "close %ui would be sent",
                      s->client ? "client" : "upstream", reason, code);

        if (wc->violation == NULL) {
            wc->violation = kind;
        }

        ngx_http_ws_guard_stats_violation(wc, kind, 1);

        /* the parser stops at a violation: the rest passes unchecked */
        s->inspect = 0;
        s->parsed = s->last;
        s->approved = s->last;
        return;
    }

    ngx_http_ws_guard_stats_violation(wc, kind, 0);

    ngx_log_error(wlcf->log_level, r->connection->log, 0,
                  "ws_guard: %s frame violation: %s, closing with %ui",
                  s->client ? "client" : "upstream", reason, code);

    ngx_http_ws_guard_start_close(wc, code, reason, kind, s);
}


/*
 * Inflates a span of a compressed message (p NULL: its end) and checks the
 * output as the parser checks plain payload: UTF-8 for text, then the
 * message policy.  Returns NGX_OK when parsing may go on.
 */

static ngx_int_t
ngx_http_ws_guard_inflated(ngx_http_ws_guard_side_t *s, const u_char *p,
    size_t len, u_char **q)
{
    int                            rc;
    size_t                         pos, n;
    const u_char                  *out;
    ngx_ws_guard_inflate_t        *inf;
    ngx_http_ws_guard_verdict_t    v;
    ngx_http_ws_guard_loc_conf_t  *wlcf;

    inf = s->inflate;
    wlcf = ngx_http_get_module_loc_conf(s->wc->request,
                                        ngx_http_ws_guard_module);
    pos = 0;

    for ( ;; ) {
        if (p != NULL) {
            rc = ngx_ws_guard_inflate_feed(inf, p, len, &pos, &out, &n);

        } else {
            rc = ngx_ws_guard_inflate_end(inf, &out, &n);
        }

        if (rc == NGX_WS_GUARD_AGAIN || rc == NGX_WS_GUARD_INFLATE_DONE) {
            break;
        }

        if (rc == NGX_WS_GUARD_ERROR) {
            s->parsed = *q;
            ngx_http_ws_guard_fail(s, inf->err_code, inf->err_reason,
                                   inf->err_code == NGX_WS_GUARD_CLOSE_TOO_BIG
                                   ? "size" : "deflate");
            return NGX_ERROR;
        }

        if (!s->text) {
            continue;
        }

        if (wlcf->utf8
            && ngx_ws_guard_utf8_validate(ngx_http_ws_guard_inflated_utf8(s),
                                          out, n)
               != NGX_WS_GUARD_OK)
        {
            s->parsed = *q;
            ngx_http_ws_guard_fail(s, NGX_WS_GUARD_CLOSE_INVALID_DATA,
                                   "invalid utf-8", "utf8");
            return NGX_ERROR;
        }

        if (s->msg == NULL) {
            continue;
        }

        ngx_memzero(&v, sizeof(ngx_http_ws_guard_verdict_t));

        if (ngx_http_ws_guard_message_data(s, (u_char *) out, n, &v)
            != NGX_OK
            && ngx_http_ws_guard_message_violation(s, &v, q) != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (p == NULL && s->text && wlcf->utf8
        && ngx_ws_guard_utf8_finish(ngx_http_ws_guard_inflated_utf8(s))
           != NGX_WS_GUARD_OK)
    {
        s->parsed = *q;
        ngx_http_ws_guard_fail(s, NGX_WS_GUARD_CLOSE_INVALID_DATA,
                               "invalid utf-8", "utf8");
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * ws_guard_deflate inspect: whether the upstream's 101 accepted
 * permessage-deflate (the header filter has checked its parameters), and
 * the window and context rules of each direction.
 */

static ngx_int_t
ngx_http_ws_guard_negotiated(ngx_http_request_t *r,
    ngx_http_ws_guard_conn_t *wc)
{
    const char                    *err;
    ngx_table_elt_t               *h;
    ngx_ws_guard_inflate_params_t  params;
    ngx_http_ws_guard_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);

    if (wlcf->deflate != NGX_HTTP_WS_GUARD_DEFLATE_INSPECT) {
        return NGX_OK;
    }

    if (ngx_http_ws_guard_find_headers(&r->upstream->headers_in.headers,
                                       "sec-websocket-extensions", &h)
        != 1)
    {
        return NGX_OK;
    }

    if (ngx_ws_guard_inflate_parse_response(h->value.data, h->value.len,
                                            &params, NULL, &err)
        != NGX_WS_GUARD_OK)
    {
        return NGX_OK;
    }

    wc->deflate = 1;
    ngx_ws_guard_inflate_negotiated(&params, &wc->deflate_dir[0],
                                    &wc->deflate_dir[1]);

    return NGX_OK;
}


static void
ngx_http_ws_guard_inflate_cleanup(void *data)
{
    ngx_ws_guard_inflate_free(data);
}


static void
ngx_http_ws_guard_start_close(ngx_http_ws_guard_conn_t *wc, ngx_uint_t code,
    const char *reason, const char *kind, ngx_http_ws_guard_side_t *bad)
{
    u_char              *p;
    uint32_t             key;
    ngx_http_request_t  *r;

    r = wc->request;

    if (wc->closing) {
        return;
    }

    wc->closing = 1;
    wc->close_code = code;
    wc->close_reason = reason;

    if (wc->violation == NULL) {
        wc->violation = kind;
    }

    p = ngx_pnalloc(wc->pool, 2 * NGX_WS_GUARD_FRAME_CLOSE_MAX);

    if (p == NULL) {
        /* no close frames: the connections just end */
        wc->client.broken = 1;
        wc->upstream.broken = 1;

    } else {
        /* to the client unmasked, from the upstream side's wrapper */

        wc->inject = p;
        wc->upstream.inject_len = (u_char) ngx_ws_guard_frame_close(p,
                                          NGX_WS_GUARD_FRAME_CLOSE_MAX, code,
                                          (const u_char *) reason,
                                          ngx_strlen(reason), NULL);

        /* to the upstream masked with a random key, from the client side's */

        p += NGX_WS_GUARD_FRAME_CLOSE_MAX;
        key = (uint32_t) ngx_random();

        wc->client.inject_len = (u_char) ngx_ws_guard_frame_close(p,
                                          NGX_WS_GUARD_FRAME_CLOSE_MAX, code,
                                          (const u_char *) reason,
                                          ngx_strlen(reason), (u_char *) &key);
    }

    ngx_http_ws_guard_cut(&wc->client, bad == &wc->client);
    ngx_http_ws_guard_cut(&wc->upstream, bad == &wc->upstream);

    r->lingering_close = 1;

    ngx_http_ws_guard_deadline_add(wc, NGX_HTTP_WS_GUARD_CLOSE_WAIT);

    ngx_http_ws_guard_wake(&wc->client);
    ngx_http_ws_guard_wake(&wc->upstream);
}


/*
 * Decides where this direction's stream ends: at the start of the frame
 * in progress when none of it was handed over yet, else (a frame from the
 * well-behaved side) at its end; a violating frame partly handed over
 * cannot be completed, and no close frame can follow it.
 */

static void
ngx_http_ws_guard_cut(ngx_http_ws_guard_side_t *s, ngx_uint_t violating)
{
    ngx_ws_guard_frame_t  *f;

    f = &s->parser;
    s->closing = 1;

    if (s->delay && s->delay->timer_set) {
        ngx_del_timer(s->delay);
    }

    s->delayed = 0;

    if (!s->inspect) {
        /* unchecked after a dry-run hit: no boundary is known */
        s->broken = 1;
        s->approved = s->pos;
        s->last = s->pos;
        s->discard = 1;
        return;
    }

    if (s->holding && s->hold >= s->pos) {
        /* buffer mode: the message in progress never goes */
        s->approved = s->hold;
        s->last = s->hold;
        s->parsed = s->hold;
        s->holding = 0;
        s->discard = 1;
        return;
    }

    if (!violating && ngx_ws_guard_frame_boundary(f)
        && s->parsed == s->last)
    {
        /* everything read so far is whole frames: all of it goes */
        s->approved = s->last;
        s->discard = 1;
        return;
    }

    if (!s->frame_sent && s->frame >= s->pos) {
        s->approved = s->frame;
        s->last = s->frame;
        s->parsed = s->frame;
        s->discard = 1;
        return;
    }

    if (violating || !s->in_payload) {
        s->broken = 1;
        s->approved = s->pos;
        s->last = s->pos;
        s->discard = 1;
        return;
    }

    /* let the rest of this frame through, then the close frame */

    s->stop_at_end = 1;
    s->dropping = 0;
}


static void
ngx_http_ws_guard_wake(ngx_http_ws_guard_side_t *s)
{
    if (s->c->read->eof || s->c->destroyed) {
        return;
    }

    s->c->read->ready = 1;
    ngx_post_event(s->c->read, &ngx_posted_events);
}


static void
ngx_http_ws_guard_arm_timer(ngx_http_ws_guard_conn_t *wc)
{
    time_t                         now;
    ngx_msec_t                     at, t;
    ngx_http_ws_guard_ctx_t       *ctx;
    ngx_http_ws_guard_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(wc->request, ngx_http_ws_guard_module);
    ctx = ngx_http_get_module_ctx(wc->request, ngx_http_ws_guard_module);

    at = NGX_TIMER_INFINITE;

    if (wlcf->max_lifetime) {
        at = wlcf->max_lifetime - (ngx_current_msec - wc->started);
    }

    if (wlcf->idle_timeout) {
        t = wlcf->idle_timeout - (ngx_current_msec - wc->active);
        at = ngx_min(at, t);
    }

    if (ctx->token_exp_set
        && wlcf->jwt.expiry == NGX_HTTP_WS_GUARD_EXPIRY_CLOSE)
    {
        /*
         * in steps of at most 24 days: a later expiry in ms would wrap a
         * 32-bit ngx_msec_t, and the deadline would keep coming at once
         */

        now = ngx_time();
        t = ctx->token_exp > now
            ? (ngx_msec_t) ngx_min(ctx->token_exp - now,
                                   NGX_MAX_INT32_VALUE / 1000) * 1000
            : 1;
        at = ngx_min(at, t);
    }

    if (at == NGX_TIMER_INFINITE) {
        return;
    }

    ngx_http_ws_guard_deadline_add(wc, at ? at : 1);
}


/* a deadline of the connection, in timer ms from now: the earliest counts */

static void
ngx_http_ws_guard_deadline_add(ngx_http_ws_guard_conn_t *wc,
    ngx_msec_t timer)
{
    ngx_http_ws_guard_deadline_t  *d;

    d = wc->deadline;

    if (d == NULL) {
        /* the pool has room for it where the location sets a time limit */

        d = ngx_palloc(wc->pool, sizeof(ngx_http_ws_guard_deadline_t));
        if (d == NULL) {
            ngx_log_error(NGX_LOG_ALERT, wc->request->connection->log, 0,
                          "ws_guard: no memory for a timer");
            return;
        }

        d->wc = wc;
        wc->deadline = d;
    }

    if (ngx_http_ws_guard_deadlines.root == NULL) {
        /* the first in this worker */
        ngx_rbtree_init(&ngx_http_ws_guard_deadlines,
                        &ngx_http_ws_guard_deadlines_sentinel,
                        ngx_rbtree_insert_timer_value);

        ngx_http_ws_guard_deadline_conn.fd = (ngx_socket_t) -1;
        ngx_http_ws_guard_deadline_event.data =
                                            &ngx_http_ws_guard_deadline_conn;
        ngx_http_ws_guard_deadline_event.handler =
                                            ngx_http_ws_guard_deadline_handler;
    }

    if (wc->deadline_set) {
        ngx_rbtree_delete(&ngx_http_ws_guard_deadlines, &d->node);
    }

    d->node.key = ngx_current_msec + timer;
    ngx_rbtree_insert(&ngx_http_ws_guard_deadlines, &d->node);
    wc->deadline_set = 1;

    ngx_http_ws_guard_deadline_arm();
}


static void
ngx_http_ws_guard_deadline_del(ngx_http_ws_guard_conn_t *wc)
{
    if (!wc->deadline_set) {
        return;
    }

    ngx_rbtree_delete(&ngx_http_ws_guard_deadlines, &wc->deadline->node);
    wc->deadline_set = 0;

    /* an earlier timer finds nothing and is set again; none is left over */

    if (ngx_http_ws_guard_deadlines.root
        == ngx_http_ws_guard_deadlines.sentinel
        && ngx_http_ws_guard_deadline_event.timer_set)
    {
        ngx_del_timer(&ngx_http_ws_guard_deadline_event);
    }
}


/* the worker's timer for the earliest deadline */

static void
ngx_http_ws_guard_deadline_arm(void)
{
    ngx_msec_int_t      diff;
    ngx_rbtree_node_t  *min;

    if (ngx_http_ws_guard_deadlines.root
        == ngx_http_ws_guard_deadlines.sentinel)
    {
        return;
    }

    min = ngx_rbtree_min(ngx_http_ws_guard_deadlines.root,
                         ngx_http_ws_guard_deadlines.sentinel);

    diff = (ngx_msec_int_t) (min->key - ngx_current_msec);

    ngx_http_ws_guard_deadline_event.log = ngx_cycle->log;
    ngx_add_timer(&ngx_http_ws_guard_deadline_event,
                  diff > 0 ? (ngx_msec_t) diff : 1);
}


/* every deadline that has come, earliest first */

static void
ngx_http_ws_guard_deadline_handler(ngx_event_t *ev)
{
    ngx_rbtree_node_t             *min;
    ngx_http_ws_guard_deadline_t  *d;

    while (ngx_http_ws_guard_deadlines.root
           != ngx_http_ws_guard_deadlines.sentinel)
    {
        min = ngx_rbtree_min(ngx_http_ws_guard_deadlines.root,
                             ngx_http_ws_guard_deadlines.sentinel);

        if ((ngx_msec_int_t) (min->key - ngx_current_msec) > 0) {
            break;
        }

        d = (ngx_http_ws_guard_deadline_t *) min;

        ngx_rbtree_delete(&ngx_http_ws_guard_deadlines, min);
        d->wc->deadline_set = 0;

        /* it may set a new deadline, later than now */
        ngx_http_ws_guard_timer_fired(d->wc);
    }

    ngx_http_ws_guard_deadline_arm();
}


static void
ngx_http_ws_guard_timer_fired(ngx_http_ws_guard_conn_t *wc)
{
    ngx_http_request_t            *r;
    ngx_http_ws_guard_ctx_t       *ctx;
    ngx_http_ws_guard_loc_conf_t  *wlcf;

    r = wc->request;

    if (wc->closing) {
        /* no frame boundary came in time: end both connections now */

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "ws_guard: close not completed in time, "
                      "closing connections");

        wc->finished = 1;
        wc->client.c->read->eof = 1;
        wc->client.c->read->ready = 0;
        wc->upstream.c->read->eof = 1;
        wc->upstream.c->read->ready = 0;
        ngx_post_event(wc->upstream.c->read, &ngx_posted_events);
        return;
    }

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);
    ctx = ngx_http_get_module_ctx(r, ngx_http_ws_guard_module);

    if (wlcf->max_lifetime
        && ngx_current_msec - wc->started >= wlcf->max_lifetime)
    {
        ngx_http_ws_guard_expire(wc, NGX_WS_GUARD_CLOSE_GOING_AWAY,
                                 "connection lifetime exceeded", "lifetime");
        return;
    }

    if (wlcf->idle_timeout
        && ngx_current_msec - wc->active >= wlcf->idle_timeout)
    {
        ngx_http_ws_guard_expire(wc, NGX_WS_GUARD_CLOSE_GOING_AWAY,
                                 "idle timeout", "idle");
        return;
    }

    if (ctx->token_exp_set
        && wlcf->jwt.expiry == NGX_HTTP_WS_GUARD_EXPIRY_CLOSE
        && ngx_time() >= ctx->token_exp)
    {
        if (wlcf->dry_run) {
            ngx_log_error(wlcf->log_level, r->connection->log, 0,
                          "ws_guard: dry run: token expired, "
                          "close 1008 would be sent");
            ctx->token_exp_set = 0;
            ngx_http_ws_guard_stats_violation(wc, "token_expired", 1);

            if (wc->violation == NULL) {
                wc->violation = "token_expired";
            }

            ngx_http_ws_guard_arm_timer(wc);
            return;
        }

        ngx_http_ws_guard_expire(wc, NGX_WS_GUARD_CLOSE_POLICY,
                                 "token expired", "token_expired");
        return;
    }

    ngx_http_ws_guard_arm_timer(wc);
}


/* a limit of time was reached: one log line, and a close both ways */

static void
ngx_http_ws_guard_expire(ngx_http_ws_guard_conn_t *wc, ngx_uint_t code,
    const char *reason, const char *kind)
{
    ngx_http_ws_guard_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(wc->request,
                                        ngx_http_ws_guard_module);

    ngx_log_error(wlcf->log_level, wc->request->connection->log, 0,
                  "ws_guard: %s, closing with %ui", reason, code);

    ngx_http_ws_guard_stats_violation(wc, kind, 0);
    ngx_http_ws_guard_start_close(wc, code, reason, kind, NULL);
}


/*
 * nginx's graceful shutdown closes "idle" connections by calling their
 * read handler with c->close set; the peer connection is marked idle so
 * that the guard can send 1001 both ways instead.
 */

static void
ngx_http_ws_guard_peer_read_handler(ngx_event_t *ev)
{
    ngx_connection_t          *pc;
    ngx_http_request_t        *r;
    ngx_http_ws_guard_ctx_t   *ctx;
    ngx_http_ws_guard_conn_t  *wc;

    pc = ev->data;
    r = pc->data;
    ctx = ngx_http_get_module_ctx(r, ngx_http_ws_guard_module);
    wc = ctx->conn;

    if (pc->close && ngx_exiting) {
        pc->close = 0;
        pc->idle = 0;

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "ws_guard: shutting down, closing with 1001");
        ngx_http_ws_guard_stats_violation(wc, "shutdown", 0);

        ngx_http_ws_guard_start_close(wc, NGX_WS_GUARD_CLOSE_GOING_AWAY,
                                      "server shutting down", "shutdown",
                                      NULL);

        /*
         * called from the worker's cycle, outside event processing: posted
         * events would wait for the next event; run them right away
         */

        if (wc->client.c->read->posted) {
            ngx_delete_posted_event(wc->client.c->read);
            ngx_post_event(wc->client.c->read, &ngx_posted_next_events);
        }

        if (pc->read->posted) {
            ngx_delete_posted_event(pc->read);
            ngx_post_event(pc->read, &ngx_posted_next_events);
        }
    }

    wc->peer_read_handler(ev);
}


/*
 * Runs when the peer connection's pool is destroyed, inside upstream
 * finalization: the peer connection is still in place then.
 */

static void
ngx_http_ws_guard_cleanup(void *data)
{
    ngx_http_ws_guard_conn_t  *wc = data;

    ngx_connection_t  *pc;

    wc->peer_cleanup = NULL;

    ngx_http_ws_guard_cleanup_request(wc);

    pc = wc->upstream.c;

    if (pc->recv == ngx_http_ws_guard_recv_upstream) {
        pc->recv = wc->upstream.recv;
    }

    if (pc->send == ngx_http_ws_guard_send) {
        pc->send = ngx_io.send;
    }

    if (pc->read->handler == ngx_http_ws_guard_peer_read_handler) {
        pc->read->handler = wc->peer_read_handler;
    }

    pc->idle = 0;
}


/*
 * The backstop, with the request pool: the client side only, since the
 * peer connection may belong to another request by then.
 */

static void
ngx_http_ws_guard_cleanup_request(void *data)
{
    ngx_http_ws_guard_conn_t  *wc = data;

    if (wc->restored) {
        return;
    }

    wc->restored = 1;

    /* validator states held go back to the spares */
    ngx_http_ws_guard_message_close(&wc->client);
    ngx_http_ws_guard_message_close(&wc->upstream);

    if (!wc->hooked) {
        /* the hook was not completed */
        ngx_http_ws_guard_unstage(&wc->client);
        ngx_http_ws_guard_unstage(&wc->upstream);
        return;
    }

    ngx_http_ws_guard_deadline_del(wc);

    if (wc->client.delay && wc->client.delay->timer_set) {
        ngx_del_timer(wc->client.delay);
    }

    if (wc->upstream.delay && wc->upstream.delay->timer_set) {
        ngx_del_timer(wc->upstream.delay);
    }

    /* staging buffers still held at the end (0 when nothing waits) */

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, wc->client.c->log, 0,
                   "ws guard staging at the end: client %uz, upstream %uz",
                   wc->client.own_size, wc->upstream.own_size);

    ngx_http_ws_guard_unstage(&wc->client);
    ngx_http_ws_guard_unstage(&wc->upstream);

    ngx_http_ws_guard_stats_close(wc);

    /* nginx's lingering close reads through c->recv after this */

    if (wc->client.c->recv == ngx_http_ws_guard_recv_client) {
        wc->client.c->recv = wc->client.recv;
    }

    if (wc->client.c->send == ngx_http_ws_guard_send) {
        wc->client.c->send = ngx_io.send;
    }
}


/*
 * The request's pool goes (the context's cleanup): should the peer
 * connection still be open, it is restored first and its pool's cleanup
 * disarmed.  The guard's pool, with wc in it, goes right after.
 */

void
ngx_http_ws_guard_proxy_cleanup(ngx_http_ws_guard_conn_t *wc)
{
    if (wc->peer_cleanup) {
        wc->peer_cleanup->handler = NULL;
        ngx_http_ws_guard_cleanup(wc);

    } else {
        ngx_http_ws_guard_cleanup_request(wc);
    }
}


/*
 * The size of the guard's pool for a request of this location: the
 * context, what the handshake keeps (token, rate holds) and, once
 * upgraded, what the connection keeps; what is made later (close frames,
 * a delay) may add a block.
 */

size_t
ngx_http_ws_guard_pool_size(ngx_http_request_t *r)
{
    size_t                         size;
    ngx_http_ws_guard_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);

    size = sizeof(ngx_pool_t)
           + ngx_http_ws_guard_psize(sizeof(ngx_http_ws_guard_ctx_t))
           + ngx_http_ws_guard_psize(sizeof(ngx_http_ws_guard_conn_t))
           + ngx_http_ws_guard_message_size(r)
           + ngx_http_ws_guard_rate_size(r)
           + ngx_http_ws_guard_holds_size(r);

    if (wlcf->deflate == NGX_HTTP_WS_GUARD_DEFLATE_INSPECT) {
        size += 2 * (ngx_http_ws_guard_psize(sizeof(ngx_ws_guard_inflate_t)
                                             + sizeof(ngx_ws_guard_utf8_t))
                     + ngx_http_ws_guard_psize(sizeof(ngx_pool_cleanup_t)));
    }

    if (wlcf->max_lifetime || wlcf->idle_timeout
        || (wlcf->jwt.enable
            && wlcf->jwt.expiry == NGX_HTTP_WS_GUARD_EXPIRY_CLOSE))
    {
        size += ngx_http_ws_guard_psize(sizeof(ngx_http_ws_guard_deadline_t));
    }

    return size;
}
