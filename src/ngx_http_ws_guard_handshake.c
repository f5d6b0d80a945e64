
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * The upgrade request checks (access phase) and the check of the upstream's
 * 101 response.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_sha1.h>

#include "ngx_http_ws_guard.h"


#define NGX_HTTP_UPGRADE_REQUIRED  426
#define NGX_HTTP_WS_GUARD_GUID  "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


static ngx_int_t ngx_http_ws_guard_send_426(ngx_http_request_t *r);
static ngx_uint_t ngx_http_ws_guard_list_has(ngx_list_t *headers,
    char *name, ngx_str_t *token, ngx_uint_t name_only);
static ngx_int_t ngx_http_ws_guard_check_key(ngx_str_t *key);
static ngx_int_t ngx_http_ws_guard_check_origin(ngx_http_request_t *r,
    ngx_http_ws_guard_loc_conf_t *wlcf, ngx_table_elt_t *h,
    const char **reason);
static ngx_int_t ngx_http_ws_guard_same_origin(ngx_http_request_t *r,
    ngx_ws_guard_origin_t *o);
static ngx_int_t ngx_http_ws_guard_check_subprotocols(ngx_http_request_t *r,
    ngx_http_ws_guard_loc_conf_t *wlcf, ngx_str_t *bad);
static ngx_int_t ngx_http_ws_guard_strip_deflate(ngx_http_request_t *r);
static ngx_int_t ngx_http_ws_guard_upgrade_rejected(ngx_http_request_t *r,
    ngx_http_ws_guard_ctx_t *ctx, const char *fmt, ...);
static ngx_int_t ngx_http_ws_guard_check_deflate(ngx_http_request_t *r,
    ngx_http_ws_guard_ctx_t *ctx, ngx_table_elt_t *h);
static char *ngx_http_ws_guard_parse_origin(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_ws_guard_origin_rule_t *rule);
static void ngx_http_ws_guard_ctx_cleanup(void *data);


static ngx_str_t  ngx_http_ws_guard_sec_version = ngx_string("13");


ngx_http_ws_guard_ctx_t *
ngx_http_ws_guard_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_t               *pool;
    ngx_pool_cleanup_t       *cln;
    ngx_http_ws_guard_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ws_guard_module);

    if (ctx != NULL) {
        return ctx;
    }

    pool = ngx_create_pool(ngx_http_ws_guard_pool_size(r),
                           r->connection->log);
    if (pool == NULL) {
        return NULL;
    }

    ctx = ngx_pcalloc(pool, sizeof(ngx_http_ws_guard_ctx_t));
    if (ctx == NULL) {
        ngx_destroy_pool(pool);
        return NULL;
    }

    ctx->pool = pool;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        ngx_destroy_pool(pool);
        return NULL;
    }

    cln->handler = ngx_http_ws_guard_ctx_cleanup;
    cln->data = ctx;

    ngx_http_set_ctx(r, ctx, ngx_http_ws_guard_module);

    return ctx;
}


/* the request's pool goes: the guard's pool goes with it */

static void
ngx_http_ws_guard_ctx_cleanup(void *data)
{
    ngx_http_ws_guard_ctx_t  *ctx = data;

    ngx_pool_t  *pool;

    pool = ctx->pool;

    if (ctx->conn) {
        ngx_http_ws_guard_proxy_cleanup(ctx->conn);
    }

    if (ctx->token) {
        ngx_ws_guard_jwt_free(ctx->token);
    }

    if (ctx->holds) {
        ngx_http_ws_guard_rate_release(ctx);
    }

    ngx_destroy_pool(pool);
}


/*
 * The context of the request that holds zone nodes.  An internal redirect
 * clears the module's context, so each context of the request is looked
 * at, through the request pool's cleanups.
 */

ngx_http_ws_guard_ctx_t *
ngx_http_ws_guard_holding_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t       *cln;
    ngx_http_ws_guard_ctx_t  *ctx;

    for (cln = r->pool->cleanup; cln; cln = cln->next) {

        if (cln->handler != ngx_http_ws_guard_ctx_cleanup) {
            continue;
        }

        ctx = cln->data;

        if (ctx->holds) {
            return ctx;
        }
    }

    return NULL;
}


ngx_int_t
ngx_http_ws_guard_access_handler(ngx_http_request_t *r)
{
    u_char                        *p, *end;
    ngx_int_t                      rc, status;
    ngx_str_t                      token, bad;
    ngx_uint_t                     n, bad_upgrade, ws;
    const char                    *reason;
    ngx_table_elt_t               *h;
    ngx_http_ws_guard_ctx_t       *ctx;
    ngx_http_core_loc_conf_t      *clcf;
    ngx_http_ws_guard_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);

    if (!wlcf->enable || r != r->main) {
        return NGX_DECLINED;
    }

    n = ngx_http_ws_guard_find_headers(&r->headers_in.headers, "upgrade", &h);

    if (n == 0) {
        /* not an upgrade: passes untouched */
        return NGX_DECLINED;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_ws_guard_module);

    if (ctx != NULL && ctx->checked) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_ws_guard_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->checked = 1;
    status = NGX_OK;

    /* Upgrade: only "websocket", never another protocol */

    ws = 0;
    bad_upgrade = 0;
    ngx_str_null(&bad);

    if (n > 1) {
        bad_upgrade = 1;
        ngx_str_set(&bad, "(several headers)");

    } else {
        p = h->value.data;
        end = p + h->value.len;

        while (ngx_http_ws_guard_next_token(&p, end, &token) == NGX_OK) {
            if (token.len == 9
                && ngx_strncasecmp(token.data, (u_char *) "websocket", 9)
                   == 0)
            {
                ws = 1;

            } else if (!bad_upgrade) {
                bad_upgrade = 1;
                bad = token;
            }
        }

        if (!ws && !bad_upgrade) {
            bad_upgrade = 1;
            ngx_str_set(&bad, "(empty)");
        }
    }

    if (bad_upgrade) {
        rc = ngx_http_ws_guard_reject(r, wlcf, ctx,
                                      NGX_HTTP_WS_GUARD_RESULT_HANDSHAKE,
                                      NGX_HTTP_BAD_REQUEST,
                                      "upgrade to \"%V\" refused", &bad);
        ngx_http_ws_guard_stats_handshake(r, ctx->result, wlcf->dry_run);

        /* in dry run, a non-WebSocket upgrade passes, unguarded */
        return rc == NGX_OK ? NGX_DECLINED : rc;
    }

    /* the rest of an RFC 6455 opening handshake */

    rc = NGX_OK;
    reason = NULL;

    if (r->method != NGX_HTTP_GET) {
        reason = "method is not GET";

    } else if (r->http_version < NGX_HTTP_VERSION_11) {
        reason = "HTTP version before 1.1";

    } else if (!ngx_http_ws_guard_list_has(&r->headers_in.headers,
                                           "connection", NULL, 0))
    {
        reason = "no \"upgrade\" token in Connection";

    } else if (r->headers_in.content_length_n > 0 || r->headers_in.chunked) {
        reason = "request has a body";

    } else if (ngx_http_ws_guard_find_headers(&r->headers_in.headers,
                                              "sec-websocket-key", &h)
               != 1
               || ngx_http_ws_guard_check_key(&h->value) != NGX_OK)
    {
        reason = "Sec-WebSocket-Key is not base64 of 16 bytes";
    }

    if (reason != NULL) {
        rc = ngx_http_ws_guard_reject(r, wlcf, ctx,
                                      NGX_HTTP_WS_GUARD_RESULT_HANDSHAKE,
                                      NGX_HTTP_BAD_REQUEST,
                                      "bad handshake: %s", reason);
        ngx_http_ws_guard_stats_handshake(r, ctx->result, wlcf->dry_run);

        /* in dry run a malformed handshake goes on, unguarded */
        return rc == NGX_OK ? NGX_DECLINED : rc;
    }

    if (ngx_http_ws_guard_find_headers(&r->headers_in.headers,
                                       "sec-websocket-version", &h)
        != 1
        || h->value.len != ngx_http_ws_guard_sec_version.len
        || ngx_strncmp(h->value.data, ngx_http_ws_guard_sec_version.data,
                       ngx_http_ws_guard_sec_version.len)
           != 0)
    {
        rc = ngx_http_ws_guard_reject(r, wlcf, ctx,
                                      NGX_HTTP_WS_GUARD_RESULT_VERSION,
                                      NGX_HTTP_UPGRADE_REQUIRED,
                                      "unsupported Sec-WebSocket-Version");
        if (rc != NGX_OK) {
            ngx_http_ws_guard_stats_handshake(r, ctx->result, 0);
            return ngx_http_ws_guard_send_426(r);
        }
    }

    /* from here on the handshake is a WebSocket one: policy checks */

    ctx->websocket = 1;

#if (NGX_HTTP_SSL)
    if (wlcf->require_tls && r->connection->ssl == NULL)
#else
    if (wlcf->require_tls)
#endif
    {
        status = ngx_http_ws_guard_reject(r, wlcf, ctx,
                                          NGX_HTTP_WS_GUARD_RESULT_TLS,
                                          NGX_HTTP_FORBIDDEN,
                                          "handshake without TLS refused");
        if (status != NGX_OK) {
            goto done;
        }
    }

    n = ngx_http_ws_guard_find_headers(&r->headers_in.headers, "origin", &h);

    if (n == 0) {
        if (!wlcf->origin_missing) {
            status = ngx_http_ws_guard_reject(r, wlcf, ctx,
                                              NGX_HTTP_WS_GUARD_RESULT_ORIGIN,
                                              NGX_HTTP_FORBIDDEN,
                                              "origin missing");
            if (status != NGX_OK) {
                goto done;
            }
        }

    } else if (n > 1) {
        status = ngx_http_ws_guard_reject(r, wlcf, ctx,
                                          NGX_HTTP_WS_GUARD_RESULT_ORIGIN,
                                          NGX_HTTP_FORBIDDEN,
                                          "several Origin headers");
        if (status != NGX_OK) {
            goto done;
        }

    } else if (ngx_http_ws_guard_check_origin(r, wlcf, h, &reason)
               != NGX_OK)
    {
        if (h->value.len > 256) {
            status = ngx_http_ws_guard_reject(r, wlcf, ctx,
                                           NGX_HTTP_WS_GUARD_RESULT_ORIGIN,
                                           NGX_HTTP_FORBIDDEN,
                                           "origin (%uz bytes) %s",
                                           h->value.len, reason);
        } else {
            status = ngx_http_ws_guard_reject(r, wlcf, ctx,
                                           NGX_HTTP_WS_GUARD_RESULT_ORIGIN,
                                           NGX_HTTP_FORBIDDEN,
                                           "origin \"%V\" %s",
                                           &h->value, reason);
        }

        if (status != NGX_OK) {
            goto done;
        }
    }

    if (wlcf->jwt.enable) {
        status = ngx_http_ws_guard_jwt_handshake(r, wlcf, ctx);
        if (status != NGX_OK) {
            goto done;
        }
    }

    status = ngx_http_ws_guard_rate_handshake(r, wlcf, ctx);
    if (status != NGX_OK) {
        goto done;
    }

    if (wlcf->subprotocols != NULL
        && ngx_http_ws_guard_check_subprotocols(r, wlcf, &bad) != NGX_OK)
    {
        status = ngx_http_ws_guard_reject(r, wlcf, ctx,
                                         NGX_HTTP_WS_GUARD_RESULT_SUBPROTOCOL,
                                         NGX_HTTP_BAD_REQUEST,
                                         "subprotocol \"%V\" not allowed",
                                         &bad);
        if (status != NGX_OK) {
            goto done;
        }
    }

    if (wlcf->deflate == NGX_HTTP_WS_GUARD_DEFLATE_STRIP
        && ngx_http_ws_guard_strip_deflate(r) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

done:

    ngx_http_ws_guard_stats_handshake(r, ctx->result, wlcf->dry_run);

    if (status != NGX_OK) {
        ctx->websocket = 0;

        clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

        if (clcf->satisfy == NGX_HTTP_SATISFY_ANY
            && (status == NGX_HTTP_FORBIDDEN
                || status == NGX_HTTP_UNAUTHORIZED))
        {
            /*
             * with "satisfy any" a 401 or 403 returned from the access
             * phase is only a vote; the guard's refusal is final
             */
            ngx_http_finalize_request(r, status);
            return NGX_DONE;
        }

        return status;
    }

    if (ctx->result == NGX_HTTP_WS_GUARD_RESULT_NONE) {
        ctx->result = NGX_HTTP_WS_GUARD_RESULT_OK;
    }

    return NGX_DECLINED;
}


/*
 * Logs a failed check and, unless in dry run, returns the status to reject
 * with; in dry run returns NGX_OK and the request goes on.
 */

ngx_int_t
ngx_http_ws_guard_reject(ngx_http_request_t *r,
    ngx_http_ws_guard_loc_conf_t *wlcf, ngx_http_ws_guard_ctx_t *ctx,
    ngx_http_ws_guard_result_e result, ngx_int_t status, const char *fmt,
    ...)
{
    u_char   *p, msg[NGX_MAX_ERROR_STR];
    va_list   args;

    va_start(args, fmt);
    p = ngx_vslprintf(msg, msg + sizeof(msg), fmt, args);
    va_end(args);

    if (ctx->result == NGX_HTTP_WS_GUARD_RESULT_NONE) {
        ctx->result = result;
    }

    if (wlcf->dry_run) {
        ngx_log_error(wlcf->log_level, r->connection->log, 0,
                      "ws_guard: dry run: %*s, status %i would be returned",
                      p - msg, msg, status);
        return NGX_OK;
    }

    ngx_log_error(wlcf->log_level, r->connection->log, 0,
                  "ws_guard: %*s, status %i", p - msg, msg, status);

    /* whatever the client pipelined after a refused upgrade is not HTTP */
    r->keepalive = 0;

    return status;
}


/*
 * 426 has no status line in nginx's table nor an error page; the guard
 * sends it itself, with the header RFC 6455 asks for.
 */

static ngx_int_t
ngx_http_ws_guard_send_426(ngx_http_request_t *r)
{
    ngx_int_t         rc;
    ngx_table_elt_t  *h;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        r->keepalive = 0;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Sec-WebSocket-Version");
    h->value = ngx_http_ws_guard_sec_version;

    r->headers_out.status = NGX_HTTP_UPGRADE_REQUIRED;
    ngx_str_set(&r->headers_out.status_line, "426 Upgrade Required");
    r->headers_out.content_length_n = 0;
    r->header_only = 1;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK) {
        ngx_http_finalize_request(r, rc);
        return NGX_DONE;
    }

    ngx_http_finalize_request(r, ngx_http_send_special(r, NGX_HTTP_LAST));

    return NGX_DONE;
}


ngx_uint_t
ngx_http_ws_guard_find_headers(ngx_list_t *headers, char *name,
    ngx_table_elt_t **last)
{
    ngx_uint_t                        n;
    ngx_table_elt_t                  *h;
    ngx_http_ws_guard_header_iter_t   it;

    n = 0;
    *last = NULL;
    it.part = NULL;

    while ((h = ngx_http_ws_guard_next_header(headers, &it, name)) != NULL) {
        n++;
        *last = h;
    }

    return n;
}


/* the next header named name (case-insensitively), NULL after the last */

ngx_table_elt_t *
ngx_http_ws_guard_next_header(ngx_list_t *headers,
    ngx_http_ws_guard_header_iter_t *it, const char *name)
{
    size_t            len;
    ngx_table_elt_t  *h;

    if (it->part == NULL) {
        it->part = &headers->part;
        it->i = 0;
    }

    len = ngx_strlen(name);

    for ( ;; ) {

        if (it->i >= it->part->nelts) {
            if (it->part->next == NULL) {
                return NULL;
            }

            it->part = it->part->next;
            it->i = 0;
            continue;
        }

        h = (ngx_table_elt_t *) it->part->elts + it->i++;

        if (h->hash != 0 && h->key.len == len
            && ngx_strncasecmp(h->key.data, (u_char *) name, len) == 0)
        {
            return h;
        }
    }
}


/*
 * The next element of a comma-separated list (RFC 7230 #rule), with
 * surrounding white space removed and, for extensions, the parameters
 * after ";" left in place; empty elements are skipped.
 */

ngx_int_t
ngx_http_ws_guard_next_token(u_char **pos, u_char *end, ngx_str_t *token)
{
    u_char  *p, *start, *last;

    p = *pos;

    for ( ;; ) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
            p++;
        }

        if (p == end) {
            *pos = p;
            return NGX_DONE;
        }

        start = p;

        while (p < end && *p != ',') {
            p++;
        }

        last = p;

        while (last > start && (last[-1] == ' ' || last[-1] == '\t')) {
            last--;
        }

        if (last > start) {
            token->data = start;
            token->len = last - start;
            *pos = p;
            return NGX_OK;
        }
    }
}


/*
 * Whether any header "name" has the token (case-insensitively) in its
 * list; without a token, whether Connection lists "upgrade".  With
 * name_only, an element matches on its name before ";".
 */

static ngx_uint_t
ngx_http_ws_guard_list_has(ngx_list_t *headers, char *name, ngx_str_t *token,
    ngx_uint_t name_only)
{
    u_char                           *p, *end, *semi;
    ngx_str_t                         t, want;
    ngx_table_elt_t                  *h;
    ngx_http_ws_guard_header_iter_t   it;

    if (token == NULL) {
        ngx_str_set(&want, "upgrade");

    } else {
        want = *token;
    }

    it.part = NULL;

    while ((h = ngx_http_ws_guard_next_header(headers, &it, name)) != NULL) {

        p = h->value.data;
        end = p + h->value.len;

        while (ngx_http_ws_guard_next_token(&p, end, &t) == NGX_OK) {

            if (name_only) {
                semi = ngx_strlchr(t.data, t.data + t.len, ';');

                if (semi != NULL) {
                    t.len = semi - t.data;

                    while (t.len && (t.data[t.len - 1] == ' '
                                     || t.data[t.len - 1] == '\t'))
                    {
                        t.len--;
                    }
                }
            }

            if (t.len == want.len
                && ngx_strncasecmp(t.data, want.data, want.len) == 0)
            {
                return 1;
            }
        }
    }

    return 0;
}


static ngx_int_t
ngx_http_ws_guard_check_key(ngx_str_t *key)
{
    u_char     buf[18];
    ngx_str_t  dst;

    /* base64 of 16 bytes: 22 characters and "==" */

    if (key->len != 24 || key->data[22] != '=' || key->data[23] != '=') {
        return NGX_ERROR;
    }

    dst.data = buf;

    if (ngx_decode_base64(&dst, key) != NGX_OK || dst.len != 16) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_ws_guard_check_origin(ngx_http_request_t *r,
    ngx_http_ws_guard_loc_conf_t *wlcf, ngx_table_elt_t *h,
    const char **reason)
{
    u_char                           *buf;
    ngx_str_t                         s;
    ngx_int_t                         rc;
    ngx_uint_t                        i, is_null;
    const char                       *err;
    ngx_ws_guard_origin_t             o;
    ngx_http_ws_guard_origin_rule_t  *rule;

    is_null = (h->value.len == 4
               && ngx_strncmp(h->value.data, "null", 4) == 0);

    if (!is_null) {
        buf = ngx_pnalloc(r->pool, h->value.len + 8);
        if (buf == NULL) {
            *reason = "not checked: out of memory";
            return NGX_ERROR;
        }

        if (ngx_ws_guard_origin_parse(h->value.data, h->value.len, buf, &o,
                                      &err)
            != NGX_WS_GUARD_OK)
        {
            *reason = "is malformed";
            return NGX_ERROR;
        }
    }

    rule = wlcf->origins->elts;

    for (i = 0; i < wlcf->origins->nelts; i++) {

        switch (rule[i].type) {

        case NGX_HTTP_WS_GUARD_ORIGIN_ANY:
            return NGX_OK;

        case NGX_HTTP_WS_GUARD_ORIGIN_NULL:
            if (is_null) {
                return NGX_OK;
            }
            break;

        case NGX_HTTP_WS_GUARD_ORIGIN_SAME:
            if (!is_null && ngx_http_ws_guard_same_origin(r, &o) == NGX_OK) {
                return NGX_OK;
            }
            break;

        case NGX_HTTP_WS_GUARD_ORIGIN_EXACT:
            if (!is_null
                && o.text_len == rule[i].host.len
                && ngx_strncmp(o.text, rule[i].host.data, o.text_len) == 0)
            {
                return NGX_OK;
            }
            break;

        case NGX_HTTP_WS_GUARD_ORIGIN_WILDCARD:
            if (!is_null
                && !o.ip_literal
                && o.port == rule[i].port
                && o.scheme_len == rule[i].scheme.len
                && ngx_strncmp(o.scheme, rule[i].scheme.data, o.scheme_len)
                   == 0
                && ngx_ws_guard_origin_wildcard_match(o.host, o.host_len,
                                                      rule[i].host.data,
                                                      rule[i].host.len))
            {
                return NGX_OK;
            }
            break;

        default: /* NGX_HTTP_WS_GUARD_ORIGIN_REGEX */
            if (is_null) {
                s = h->value;

            } else {
                s.data = (u_char *) o.text;
                s.len = o.text_len;
            }

            rc = ngx_regex_exec(rule[i].regex, &s, NULL, 0);

            if (rc >= 0) {
                return NGX_OK;
            }

            if (rc != NGX_REGEX_NO_MATCHED) {
                ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                              ngx_regex_exec_n " failed: %i on \"%V\"",
                              rc, &s);
            }

            break;
        }
    }

    *reason = "not allowed";
    return NGX_ERROR;
}


static ngx_int_t
ngx_http_ws_guard_same_origin(ngx_http_request_t *r, ngx_ws_guard_origin_t *o)
{
    u_char     *p, *last, *host;
    size_t      len;
    ngx_uint_t  port, tls;

#if (NGX_HTTP_SSL)
    tls = (r->connection->ssl != NULL);
#else
    tls = 0;
#endif

    if (o->scheme_len != (size_t) (tls ? 5 : 4)
        || ngx_strncmp(o->scheme, tls ? "https" : "http", o->scheme_len) != 0)
    {
        return NGX_DECLINED;
    }

    if (r->headers_in.host == NULL) {
        return NGX_DECLINED;
    }

    /* the Host header as the client sent it, with its port if any */

    host = r->headers_in.host->value.data;
    len = r->headers_in.host->value.len;
    last = host + len;
    port = tls ? 443 : 80;

    p = (len && host[0] == '[') ? ngx_strlchr(host, last, ']') : host;

    if (p == NULL) {
        return NGX_DECLINED;
    }

    p = ngx_strlchr(p, last, ':');

    if (p != NULL) {
        port = ngx_atoi(p + 1, last - p - 1);

        if (port == (ngx_uint_t) NGX_ERROR || port == 0 || port > 65535) {
            return NGX_DECLINED;
        }

        len = p - host;
    }

    if (len && host[len - 1] == '.') {
        len--;
    }

    if (o->port != port || o->host_len != len
        || ngx_strncasecmp((u_char *) o->host, host, len) != 0)
    {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_ws_guard_check_subprotocols(ngx_http_request_t *r,
    ngx_http_ws_guard_loc_conf_t *wlcf, ngx_str_t *bad)
{
    u_char                           *p, *end;
    ngx_str_t                         t, *allowed;
    ngx_uint_t                        j;
    ngx_table_elt_t                  *h;
    ngx_http_ws_guard_header_iter_t   it;

    allowed = wlcf->subprotocols->elts;

    it.part = NULL;

    while ((h = ngx_http_ws_guard_next_header(&r->headers_in.headers, &it,
                                              "sec-websocket-protocol"))
           != NULL)
    {

        p = h->value.data;
        end = p + h->value.len;

        while (ngx_http_ws_guard_next_token(&p, end, &t) == NGX_OK) {

            for (j = 0; j < wlcf->subprotocols->nelts; j++) {
                if (t.len == allowed[j].len
                    && ngx_strncmp(t.data, allowed[j].data, t.len) == 0)
                {
                    break;
                }
            }

            if (j == wlcf->subprotocols->nelts) {
                *bad = t;

                if (bad->len > 64) {
                    bad->len = 64;
                }

                return NGX_DECLINED;
            }
        }
    }

    return NGX_OK;
}


/*
 * Removes permessage-deflate (and its pre-standard relative
 * x-webkit-deflate-frame) from the offers sent upstream, so that payloads
 * stay plain and inspectable.
 */

static ngx_int_t
ngx_http_ws_guard_strip_deflate(ngx_http_request_t *r)
{
    u_char                           *p, *end, *out, *start, *semi;
    size_t                            len;
    ngx_str_t                         t;
    ngx_table_elt_t                  *h;
    ngx_http_ws_guard_header_iter_t   it;

    it.part = NULL;

    while ((h = ngx_http_ws_guard_next_header(&r->headers_in.headers, &it,
                                              "sec-websocket-extensions"))
           != NULL)
    {

        /* elements are joined with ", ": up to twice the original */
        out = ngx_pnalloc(r->pool, 2 * h->value.len);
        if (out == NULL) {
            return NGX_ERROR;
        }

        start = out;
        p = h->value.data;
        end = p + h->value.len;

        while (ngx_http_ws_guard_next_token(&p, end, &t) == NGX_OK) {
            semi = ngx_strlchr(t.data, t.data + t.len, ';');
            len = (semi ? semi : t.data + t.len) - t.data;

            while (len && (t.data[len - 1] == ' ' || t.data[len - 1] == '\t'))
            {
                len--;
            }

            if ((len == sizeof("permessage-deflate") - 1
                 && ngx_strncasecmp(t.data, (u_char *) "permessage-deflate",
                                    len) == 0)
                || (len == sizeof("x-webkit-deflate-frame") - 1
                    && ngx_strncasecmp(t.data,
                                       (u_char *) "x-webkit-deflate-frame",
                                       len) == 0))
            {
                continue;
            }

            if (out != start) {
                *out++ = ',';
                *out++ = ' ';
            }

            out = ngx_cpymem(out, t.data, t.len);
        }

        if (out == start) {
            ngx_http_ws_guard_hide_header(h);

        } else {
            h->value.data = start;
            h->value.len = out - start;
        }
    }

    return NGX_OK;
}


/*
 * The proxy module sends every request header but those whose names it sets
 * itself; renaming an emptied header to Keep-Alive, which it always
 * replaces, keeps it from going upstream without disturbing the list.
 */

void
ngx_http_ws_guard_hide_header(ngx_table_elt_t *h)
{
    ngx_str_set(&h->key, "Keep-Alive");
    h->lowcase_key = (u_char *) "keep-alive";
    h->hash = ngx_hash_key(h->lowcase_key, h->key.len);
    ngx_str_null(&h->value);
}


ngx_int_t
ngx_http_ws_guard_check_upgrade_response(ngx_http_request_t *r,
    ngx_http_ws_guard_ctx_t *ctx)
{
    u_char            *p, *end, *semi, hash[20], buf[64];
    ngx_str_t          accept, src, t;
    ngx_uint_t         n;
    ngx_sha1_t         sha1;
    ngx_list_t        *headers;
    ngx_table_elt_t   *h;

    /*
     * Sec-WebSocket-Accept = base64(SHA-1(key GUID)); the key is the one
     * the access phase checked (the context keeps no copy)
     */

    if (ngx_http_ws_guard_find_headers(&r->headers_in.headers,
                                       "sec-websocket-key", &h)
        != 1)
    {
        return ngx_http_ws_guard_upgrade_rejected(r, ctx,
                           "the request has no single Sec-WebSocket-Key");
    }

    headers = &r->upstream->headers_in.headers;

    ngx_sha1_init(&sha1);
    ngx_sha1_update(&sha1, h->value.data, h->value.len);
    ngx_sha1_update(&sha1, NGX_HTTP_WS_GUARD_GUID,
                    sizeof(NGX_HTTP_WS_GUARD_GUID) - 1);
    ngx_sha1_final(hash, &sha1);

    src.data = hash;
    src.len = sizeof(hash);
    accept.data = buf;
    ngx_encode_base64(&accept, &src);

    n = ngx_http_ws_guard_find_headers(headers, "sec-websocket-accept", &h);

    if (n != 1) {
        return ngx_http_ws_guard_upgrade_rejected(r, ctx,
                                "%ui Sec-WebSocket-Accept headers", n);
    }

    if (h->value.len != accept.len
        || ngx_strncmp(h->value.data, accept.data, accept.len) != 0)
    {
        return ngx_http_ws_guard_upgrade_rejected(r, ctx,
                                   "Sec-WebSocket-Accept does not match");
    }

    /* a subprotocol must be one the client offered */

    n = ngx_http_ws_guard_find_headers(headers, "sec-websocket-protocol", &h);

    if (n > 1) {
        return ngx_http_ws_guard_upgrade_rejected(r, ctx,
                                   "several Sec-WebSocket-Protocol headers");
    }

    if (n == 1) {
        t = h->value;

        if (t.len > 128) {
            t.len = 128;
        }

        if (ngx_strlchr(h->value.data, h->value.data + h->value.len, ',')
            != NULL
            || !ngx_http_ws_guard_list_has(&r->headers_in.headers,
                                           "sec-websocket-protocol",
                                           &h->value, 0))
        {
            return ngx_http_ws_guard_upgrade_rejected(r, ctx,
                                   "subprotocol \"%V\" was not offered", &t);
        }
    }

    /* so must every extension */

    n = ngx_http_ws_guard_find_headers(headers, "sec-websocket-extensions",
                                       &h);
    if (n > 1) {
        return ngx_http_ws_guard_upgrade_rejected(r, ctx,
                                   "several Sec-WebSocket-Extensions headers");
    }

    if (n == 1) {
        p = h->value.data;
        end = p + h->value.len;

        while (ngx_http_ws_guard_next_token(&p, end, &t) == NGX_OK) {
            semi = ngx_strlchr(t.data, t.data + t.len, ';');

            if (semi != NULL) {
                t.len = semi - t.data;
            }

            while (t.len && (t.data[t.len - 1] == ' '
                             || t.data[t.len - 1] == '\t'))
            {
                t.len--;
            }

            if (t.len > 128) {
                t.len = 128;
            }

            if (!ngx_http_ws_guard_list_has(&r->headers_in.headers,
                                            "sec-websocket-extensions", &t,
                                            1))
            {
                return ngx_http_ws_guard_upgrade_rejected(r, ctx,
                                   "extension \"%V\" was not offered", &t);
            }
        }

        if (ngx_http_ws_guard_check_deflate(r, ctx, h) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * ws_guard_deflate inspect: permessage-deflate in the 101 must have valid
 * parameters that one of the client's offers allows (RFC 7692, 7.1), since
 * the guard inflates with them.
 */

static ngx_int_t
ngx_http_ws_guard_check_deflate(ngx_http_request_t *r,
    ngx_http_ws_guard_ctx_t *ctx, ngx_table_elt_t *h)
{
    ngx_int_t                      rc;
    const char                    *err;
    ngx_table_elt_t               *offer;
    ngx_ws_guard_inflate_params_t  params;

    rc = ngx_ws_guard_inflate_parse_response(h->value.data, h->value.len,
                                             &params, NULL, &err);

    if (rc == NGX_WS_GUARD_DECLINED) {
        return NGX_OK;
    }

    if (rc != NGX_WS_GUARD_OK) {
        return ngx_http_ws_guard_upgrade_rejected(r, ctx,
                                   "bad permessage-deflate response: %s", err);
    }

    if (ngx_http_ws_guard_find_headers(&r->headers_in.headers,
                                       "sec-websocket-extensions", &offer)
        != 1
        || ngx_ws_guard_inflate_response_allowed(offer->value.data,
                                                 offer->value.len, &params)
           != NGX_WS_GUARD_OK)
    {
        return ngx_http_ws_guard_upgrade_rejected(r, ctx,
                      "permessage-deflate parameters the client did not allow");
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_ws_guard_upgrade_rejected(ngx_http_request_t *r,
    ngx_http_ws_guard_ctx_t *ctx, const char *fmt, ...)
{
    u_char                        *p, msg[NGX_MAX_ERROR_STR];
    va_list                        args;
    ngx_http_ws_guard_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);

    va_start(args, fmt);
    p = ngx_vslprintf(msg, msg + sizeof(msg), fmt, args);
    va_end(args);

    ctx->result = NGX_HTTP_WS_GUARD_RESULT_UPSTREAM;

    ngx_http_ws_guard_stats_handshake(r, ctx->result, wlcf->dry_run);

    if (wlcf->dry_run) {
        ngx_log_error(wlcf->log_level, r->connection->log, 0,
                      "ws_guard: dry run: upstream 101 refused: %*s, "
                      "status 502 would be returned", p - msg, msg);
        return NGX_OK;
    }

    ngx_log_error(wlcf->log_level, r->connection->log, 0,
                  "ws_guard: upstream 101 refused: %*s, status 502",
                  p - msg, msg);

    ctx->websocket = 0;

    /* what the client pipelined after its upgrade request is not HTTP */
    r->keepalive = 0;

    return NGX_ERROR;
}


char *
ngx_http_ws_guard_origin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ws_guard_loc_conf_t *wlcf = conf;

    ngx_str_t                        *value;
    ngx_uint_t                        i;
    ngx_http_ws_guard_origin_rule_t  *rule;

    if (wlcf->origins == NULL) {
        wlcf->origins = ngx_array_create(cf->pool, 4,
                                   sizeof(ngx_http_ws_guard_origin_rule_t));
        if (wlcf->origins == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        rule = ngx_array_push(wlcf->origins);
        if (rule == NULL) {
            return NGX_CONF_ERROR;
        }

        if (ngx_http_ws_guard_parse_origin(cf, &value[i], rule)
            != NGX_CONF_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_ws_guard_parse_origin(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_ws_guard_origin_rule_t *rule)
{
    u_char                *buf, *src;
    size_t                 len;
    ngx_uint_t             wildcard;
    const char            *reason;
    ngx_ws_guard_origin_t  o;
    ngx_regex_compile_t    rc;
    u_char                 errstr[NGX_MAX_CONF_ERRSTR];

    ngx_memzero(rule, sizeof(ngx_http_ws_guard_origin_rule_t));
    rule->text = *value;

    if (value->len == 3 && ngx_strncmp(value->data, "any", 3) == 0) {
        rule->type = NGX_HTTP_WS_GUARD_ORIGIN_ANY;
        return NGX_CONF_OK;
    }

    if (value->len == 4 && ngx_strncmp(value->data, "null", 4) == 0) {
        rule->type = NGX_HTTP_WS_GUARD_ORIGIN_NULL;
        return NGX_CONF_OK;
    }

    if (value->len == 11
        && ngx_strncmp(value->data, "same-origin", 11) == 0)
    {
        rule->type = NGX_HTTP_WS_GUARD_ORIGIN_SAME;
        return NGX_CONF_OK;
    }

    if (value->len > 1 && value->data[0] == '~') {
        rule->type = NGX_HTTP_WS_GUARD_ORIGIN_REGEX;

        ngx_memzero(&rc, sizeof(ngx_regex_compile_t));

        src = value->data + 1;
        len = value->len - 1;

        if (len > 1 && src[0] == '*') {
            rc.options = NGX_REGEX_CASELESS;
            src++;
            len--;
        }

        /* the regex must match the whole origin */

        rc.pattern.data = ngx_pnalloc(cf->pool, len + sizeof("^(?:)\\z"));
        if (rc.pattern.data == NULL) {
            return NGX_CONF_ERROR;
        }

        rc.pattern.len = ngx_sprintf(rc.pattern.data, "^(?:%*s)\\z", len, src)
                         - rc.pattern.data;
        rc.pool = cf->pool;
        rc.err.len = NGX_MAX_CONF_ERRSTR;
        rc.err.data = errstr;

        if (ngx_regex_compile(&rc) != NGX_OK) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\": %V",
                               value, &rc.err);
            return NGX_CONF_ERROR;
        }

        rule->regex = rc.regex;

        return NGX_CONF_OK;
    }

    /* an exact origin or a host wildcard, "scheme://" "*." domain [":" port] */

    src = (u_char *) ngx_strnstr(value->data, "://", value->len);
    wildcard = 0;

    buf = ngx_pnalloc(cf->pool, value->len + 8);
    if (buf == NULL) {
        return NGX_CONF_ERROR;
    }

    if (src != NULL && value->data + value->len - src > 5
        && src[3] == '*' && src[4] == '.')
    {
        /* parse "scheme://x.suffix", then drop the "x" */

        wildcard = 1;
        len = src + 3 - value->data;

        src = ngx_pnalloc(cf->pool, value->len);
        if (src == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(src, value->data, value->len);
        src[len] = 'x';

    } else {
        src = value->data;
    }

    if (ngx_ws_guard_origin_parse(src, value->len, buf, &o, &reason)
        != NGX_WS_GUARD_OK
        || (wildcard && o.ip_literal))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\": not an origin "
                           "(%s), expected \"scheme://host[:port]\", "
                           "\"scheme://*.domain[:port]\", \"~regex\", "
                           "\"same-origin\", \"null\" or \"any\"",
                           value, wildcard && o.ip_literal
                                  ? "a wildcard needs a domain" : reason);
        return NGX_CONF_ERROR;
    }

    if (o.port == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\": scheme \"%*s\" has no "
                           "default port, give one", value,
                           o.scheme_len, o.scheme);
        return NGX_CONF_ERROR;
    }

    rule->scheme.data = (u_char *) o.scheme;
    rule->scheme.len = o.scheme_len;
    rule->port = o.port;

    if (wildcard) {
        if (o.host_len < 3 || o.host[o.host_len - 1] == '.') {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\": empty wildcard "
                               "domain", value);
            return NGX_CONF_ERROR;
        }

        rule->type = NGX_HTTP_WS_GUARD_ORIGIN_WILDCARD;
        rule->host.data = (u_char *) o.host + 1;       /* ".suffix" */
        rule->host.len = o.host_len - 1;

    } else {
        rule->type = NGX_HTTP_WS_GUARD_ORIGIN_EXACT;
        rule->host.data = (u_char *) o.text;           /* serialization */
        rule->host.len = o.text_len;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_ws_guard_merge_origins(ngx_conf_t *cf,
    ngx_http_ws_guard_loc_conf_t *prev, ngx_http_ws_guard_loc_conf_t *conf)
{
    ngx_http_ws_guard_origin_rule_t  *rule;

    if (conf->origins != NULL) {
        return NGX_CONF_OK;
    }

    if (prev->origins == NULL) {
        /* the default, "same-origin", shared by the levels that inherit */

        prev->origins = ngx_array_create(cf->pool, 1,
                                   sizeof(ngx_http_ws_guard_origin_rule_t));
        if (prev->origins == NULL) {
            return NGX_CONF_ERROR;
        }

        rule = ngx_array_push(prev->origins);
        if (rule == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(rule, sizeof(ngx_http_ws_guard_origin_rule_t));
        rule->type = NGX_HTTP_WS_GUARD_ORIGIN_SAME;
        ngx_str_set(&rule->text, "same-origin");
    }

    conf->origins = prev->origins;

    return NGX_CONF_OK;
}
