
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Bearer tokens at the handshake: where the token comes from, its checks,
 * the RFC 6750 responses, and the $ws_guard_jwt_* variables.  The token
 * itself is parsed and verified by the core (ngx_ws_guard_jwt.c).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ws_guard.h"


/* key files are read whole at configuration time; JWKS are small */
#define NGX_HTTP_WS_GUARD_JWT_MAX_KEY_FILE  (1024 * 1024)


static ngx_int_t ngx_http_ws_guard_jwt_find_token(ngx_http_request_t *r,
    ngx_http_ws_guard_jwt_conf_t *jcf, ngx_str_t *token);
static ngx_int_t ngx_http_ws_guard_jwt_subprotocol(ngx_http_request_t *r,
    ngx_str_t *prefix, ngx_str_t *token);
static ngx_int_t ngx_http_ws_guard_jwt_authorization(ngx_http_request_t *r,
    ngx_str_t *token);
static ngx_int_t ngx_http_ws_guard_jwt_refuse(ngx_http_request_t *r,
    ngx_http_ws_guard_loc_conf_t *wlcf, ngx_http_ws_guard_ctx_t *ctx,
    ngx_int_t status, ngx_uint_t error, const char *fmt, ...);
static ngx_int_t ngx_http_ws_guard_jwt_challenge(ngx_http_request_t *r,
    ngx_http_ws_guard_jwt_conf_t *jcf, ngx_int_t status, ngx_uint_t error);
static ngx_int_t ngx_http_ws_guard_jwt_claim_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_ws_guard_jwt_header_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_ws_guard_jwt_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, ngx_str_t *name, size_t skip,
    ngx_uint_t header);
static void ngx_http_ws_guard_jwt_keyset_cleanup(void *data);


static ngx_http_variable_t  ngx_http_ws_guard_jwt_vars[] = {

    { ngx_string("ws_guard_jwt_claim_"), NULL,
      ngx_http_ws_guard_jwt_claim_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE|NGX_HTTP_VAR_PREFIX, 0 },

    { ngx_string("ws_guard_jwt_header_"), NULL,
      ngx_http_ws_guard_jwt_header_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE|NGX_HTTP_VAR_PREFIX, 0 },

      ngx_http_null_variable
};


static ngx_str_t  ngx_http_ws_guard_jwt_bearer = ngx_string("Bearer");
static ngx_str_t  ngx_http_ws_guard_jwt_invalid =
    ngx_string("Bearer error=\"invalid_token\"");
static ngx_str_t  ngx_http_ws_guard_jwt_insufficient =
    ngx_string("Bearer error=\"insufficient_scope\"");


ngx_int_t
ngx_http_ws_guard_jwt_handshake(ngx_http_request_t *r,
    ngx_http_ws_guard_loc_conf_t *wlcf, ngx_http_ws_guard_ctx_t *ctx)
{
    time_t                         exp;
    ngx_int_t                      rc, status;
    ngx_str_t                      token, value;
    ngx_uint_t                     i;
    const char                    *reason;
    ngx_ws_guard_jwt_t            *jwt;
    ngx_http_complex_value_t      *cv;
    ngx_ws_guard_jwt_policy_t      policy;
    ngx_http_ws_guard_jwt_conf_t  *jcf;
    char                           err[NGX_WS_GUARD_JWT_ERRLEN];

    jcf = &wlcf->jwt;

    if (jcf->keys == NULL) {
        /* the merge refuses "ws_guard_jwt on" without keys */
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "ws_guard: token not checked: no keys");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_ws_guard_jwt_find_token(r, jcf, &token);

    if (rc == NGX_ERROR) {
        goto failed;
    }

    if (rc == NGX_DECLINED) {
        return ngx_http_ws_guard_jwt_refuse(r, wlcf, ctx,
                                            NGX_HTTP_UNAUTHORIZED, 0,
                                            "token missing");
    }

    if (rc == NGX_BUSY) {
        return ngx_http_ws_guard_jwt_refuse(r, wlcf, ctx,
                                            NGX_HTTP_UNAUTHORIZED, 1,
                                            "token refused: several tokens "
                                            "in Sec-WebSocket-Protocol");
    }

    if (ngx_ws_guard_jwt_verify(token.data, token.len, jcf->keys,
                                (unsigned) jcf->algorithms, &jwt, &reason)
        != NGX_WS_GUARD_OK)
    {
        if (ngx_strcmp(reason, "out of memory") == 0) {
            goto failed;
        }

        return ngx_http_ws_guard_jwt_refuse(r, wlcf, ctx,
                                            NGX_HTTP_UNAUTHORIZED, 1,
                                            "token refused: %s", reason);
    }

    ngx_memzero(&policy, sizeof(ngx_ws_guard_jwt_policy_t));

    policy.now = ngx_time();
    policy.leeway = jcf->leeway;
    policy.max_lifetime = jcf->max_lifetime;

    /* ngx_ws_guard_jwt_str_t has the layout of ngx_str_t */

    if (jcf->issuers != NULL) {
        policy.issuers = jcf->issuers->elts;
        policy.nissuers = jcf->issuers->nelts;
    }

    if (jcf->audiences != NULL) {
        policy.audiences = jcf->audiences->elts;
        policy.naudiences = jcf->audiences->nelts;
    }

    if (jcf->scopes != NULL) {
        policy.scopes = jcf->scopes->elts;
        policy.nscopes = jcf->scopes->nelts;
    }

    rc = ngx_ws_guard_jwt_check(jwt, &policy, err, sizeof(err));

    if (rc == NGX_WS_GUARD_ERROR) {
        ngx_ws_guard_jwt_free(jwt);

        return ngx_http_ws_guard_jwt_refuse(r, wlcf, ctx,
                                            NGX_HTTP_UNAUTHORIZED, 1,
                                            "token refused: %s", err);
    }

    /*
     * The token is valid: keep it for the variables, which the required
     * values below usually name, and for the expiry close.  The connection
     * is closed when the token would no longer be accepted, at exp plus
     * the leeway.  It is kept compacted, in a block of the size its header
     * and claims take; should that block not be had, as it is.
     */

    (void) ngx_ws_guard_jwt_compact(jwt);

    /* from here on freed with the context (ngx_http_ws_guard_get_ctx()) */
    ctx->token = jwt;

    if (jcf->expiry == NGX_HTTP_WS_GUARD_EXPIRY_CLOSE
        && ngx_ws_guard_jwt_exp(jwt, &exp) == NGX_WS_GUARD_OK)
    {
        ctx->token_exp = exp + jcf->leeway;
        ctx->token_exp_set = 1;
    }

    if (rc == NGX_WS_GUARD_DECLINED) {
        status = ngx_http_ws_guard_jwt_refuse(r, wlcf, ctx,
                                              NGX_HTTP_FORBIDDEN, 1,
                                              "insufficient scope: %s", err);
        if (status != NGX_OK) {
            return status;
        }
    }

    if (jcf->require == NULL) {
        return NGX_OK;
    }

    cv = jcf->require->elts;

    for (i = 0; i < jcf->require->nelts; i++) {

        if (ngx_http_complex_value(r, &cv[i], &value) != NGX_OK) {
            goto failed;
        }

        if (value.len == 0 || (value.len == 1 && value.data[0] == '0')) {
            /* in dry run every unmet requirement gets its line */

            status = ngx_http_ws_guard_jwt_refuse(r, wlcf, ctx,
                                                  NGX_HTTP_FORBIDDEN, 1,
                                                  "insufficient scope: "
                                                  "ws_guard_jwt_require "
                                                  "\"%V\" not met",
                                                  &cv[i].value);
            if (status != NGX_OK) {
                return status;
            }
        }
    }

    return NGX_OK;

failed:

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "ws_guard: token not checked: out of memory, status 500");

    return NGX_HTTP_INTERNAL_SERVER_ERROR;
}


/*
 * Where the token comes from, in this order: the Sec-WebSocket-Protocol
 * entry with the configured prefix, then ws_guard_jwt_token if set, else
 * "Authorization: Bearer".  Returns NGX_OK and the token, NGX_DECLINED if
 * there is none, NGX_BUSY if several subprotocol entries carry one,
 * NGX_ERROR if out of memory.
 */

static ngx_int_t
ngx_http_ws_guard_jwt_find_token(ngx_http_request_t *r,
    ngx_http_ws_guard_jwt_conf_t *jcf, ngx_str_t *token)
{
    ngx_int_t  rc;

    if (jcf->subprotocol.len) {
        rc = ngx_http_ws_guard_jwt_subprotocol(r, &jcf->subprotocol, token);

        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    if (jcf->token != NULL) {
        if (ngx_http_complex_value(r, jcf->token, token) != NGX_OK) {
            return NGX_ERROR;
        }

        return token->len ? NGX_OK : NGX_DECLINED;
    }

    return ngx_http_ws_guard_jwt_authorization(r, token);
}


/*
 * Takes the token from the offered subprotocol that starts with prefix
 * (compared case-sensitively, as subprotocol names are) and removes that
 * entry from the request sent upstream; the other offers stay in their
 * order.  Every such entry is removed, even when there are several and
 * the handshake is refused.
 */

static ngx_int_t
ngx_http_ws_guard_jwt_subprotocol(ngx_http_request_t *r, ngx_str_t *prefix,
    ngx_str_t *token)
{
    u_char                           *p, *end, *out, *start;
    ngx_str_t                         t;
    ngx_uint_t                        found, entry;
    ngx_table_elt_t                  *h;
    ngx_http_ws_guard_header_iter_t   it;

    found = 0;

    it.part = NULL;

    while ((h = ngx_http_ws_guard_next_header(&r->headers_in.headers, &it,
                                              "sec-websocket-protocol"))
           != NULL)
    {

        /* is there a token entry in this header at all */

        entry = 0;
        p = h->value.data;
        end = p + h->value.len;

        while (ngx_http_ws_guard_next_token(&p, end, &t) == NGX_OK) {
            if (t.len >= prefix->len
                && ngx_strncmp(t.data, prefix->data, prefix->len) == 0)
            {
                entry = 1;
                break;
            }
        }

        if (!entry) {
            continue;
        }

        /*
         * the entries kept are joined with ", ": with k of them, at most
         * k - 1 separators of one byte each grow by one, so twice the
         * length holds them whatever the original spacing
         */

        out = ngx_pnalloc(r->pool, 2 * h->value.len);
        if (out == NULL) {
            return NGX_ERROR;
        }

        start = out;
        p = h->value.data;

        while (ngx_http_ws_guard_next_token(&p, end, &t) == NGX_OK) {

            if (t.len >= prefix->len
                && ngx_strncmp(t.data, prefix->data, prefix->len) == 0)
            {
                if (found++ == 0) {
                    token->data = t.data + prefix->len;
                    token->len = t.len - prefix->len;
                }

                continue;
            }

            if (out != start) {
                *out++ = ',';
                *out++ = ' ';
            }

            out = ngx_cpymem(out, t.data, t.len);
        }

        /*
         * the token still points into the original value, which stays
         * allocated with the request
         */

        if (out == start) {
            ngx_http_ws_guard_hide_header(h);

        } else {
            h->value.data = start;
            h->value.len = out - start;
        }
    }

    if (found == 0) {
        return NGX_DECLINED;
    }

    if (found > 1) {
        return NGX_BUSY;
    }

    /* an entry that is the prefix alone carries an empty token */

    return NGX_OK;
}


/* "Authorization: Bearer token", the scheme compared case-insensitively */

static ngx_int_t
ngx_http_ws_guard_jwt_authorization(ngx_http_request_t *r, ngx_str_t *token)
{
    u_char  *p, *end;

    if (r->headers_in.authorization == NULL) {
        return NGX_DECLINED;
    }

    p = r->headers_in.authorization->value.data;
    end = p + r->headers_in.authorization->value.len;

    if (end - p < 7
        || ngx_strncasecmp(p, (u_char *) "Bearer", 6) != 0
        || (p[6] != ' ' && p[6] != '\t'))
    {
        /* another scheme: no bearer token */
        return NGX_DECLINED;
    }

    p += 7;

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    while (end > p && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }

    if (p == end) {
        return NGX_DECLINED;
    }

    token->data = p;
    token->len = end - p;

    return NGX_OK;
}


/*
 * One log line through ngx_http_ws_guard_reject() and, unless in dry run,
 * the RFC 6750 challenge: without a token (error 0) "Bearer", with a bad
 * one error="invalid_token", without the scope or a required value (403)
 * error="insufficient_scope".
 */

static ngx_int_t
ngx_http_ws_guard_jwt_refuse(ngx_http_request_t *r,
    ngx_http_ws_guard_loc_conf_t *wlcf, ngx_http_ws_guard_ctx_t *ctx,
    ngx_int_t status, ngx_uint_t error, const char *fmt, ...)
{
    u_char     *p, msg[NGX_MAX_ERROR_STR];
    va_list     args;
    ngx_int_t   rc;

    va_start(args, fmt);
    p = ngx_vslprintf(msg, msg + sizeof(msg), fmt, args);
    va_end(args);

    rc = ngx_http_ws_guard_reject(r, wlcf, ctx,
                                  status == NGX_HTTP_FORBIDDEN
                                  ? NGX_HTTP_WS_GUARD_RESULT_SCOPE
                                  : NGX_HTTP_WS_GUARD_RESULT_TOKEN,
                                  status, "%*s", p - msg, msg);

    if (rc == NGX_OK) {
        /* dry run */
        return NGX_OK;
    }

    if (ngx_http_ws_guard_jwt_challenge(r, &wlcf->jwt, status, error)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return rc;
}


static ngx_int_t
ngx_http_ws_guard_jwt_challenge(ngx_http_request_t *r,
    ngx_http_ws_guard_jwt_conf_t *jcf, ngx_int_t status, ngx_uint_t error)
{
    u_char           *p;
    size_t            len;
    ngx_str_t         value, *scope;
    ngx_uint_t        i, j;
    ngx_table_elt_t  *h;

    if (status == NGX_HTTP_UNAUTHORIZED) {
        value = error ? ngx_http_ws_guard_jwt_invalid
                      : ngx_http_ws_guard_jwt_bearer;

    } else {
        value = ngx_http_ws_guard_jwt_insufficient;

        /*
         * scope="..." names the scopes required here, when each of them
         * is an RFC 6749 scope-token and so needs no quoting
         */

        if (jcf->scopes != NULL && jcf->scopes->nelts) {
            scope = jcf->scopes->elts;
            len = value.len + sizeof(", scope=\"\"") - 1;

            for (i = 0; i < jcf->scopes->nelts; i++) {
                for (j = 0; j < scope[i].len; j++) {
                    if (scope[i].data[j] < 0x21 || scope[i].data[j] > 0x7e
                        || scope[i].data[j] == '"'
                        || scope[i].data[j] == '\\')
                    {
                        goto done;
                    }
                }

                len += scope[i].len + 1;
            }

            p = ngx_pnalloc(r->pool, len);
            if (p == NULL) {
                return NGX_ERROR;
            }

            value.data = p;
            p = ngx_cpymem(p, ngx_http_ws_guard_jwt_insufficient.data,
                           ngx_http_ws_guard_jwt_insufficient.len);
            p = ngx_cpymem(p, ", scope=\"", sizeof(", scope=\"") - 1);

            for (i = 0; i < jcf->scopes->nelts; i++) {
                if (i) {
                    *p++ = ' ';
                }

                p = ngx_cpymem(p, scope[i].data, scope[i].len);
            }

            *p++ = '"';
            value.len = p - value.data;
        }
    }

done:

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "WWW-Authenticate");
    h->value = value;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    r->headers_out.www_authenticate = h;

    return NGX_OK;
}


/* $ws_guard_jwt_claim_NAME, $ws_guard_jwt_header_NAME */

static ngx_int_t
ngx_http_ws_guard_jwt_claim_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    return ngx_http_ws_guard_jwt_variable(r, v, (ngx_str_t *) data,
                                          sizeof("ws_guard_jwt_claim_") - 1,
                                          0);
}


static ngx_int_t
ngx_http_ws_guard_jwt_header_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    return ngx_http_ws_guard_jwt_variable(r, v, (ngx_str_t *) data,
                                          sizeof("ws_guard_jwt_header_") - 1,
                                          1);
}


/*
 * The value as the core gives it, without copying: it lives as long as
 * the token, that is, the request.  A value with CR, LF or NUL is not
 * found: it could split a header set with proxy_set_header.
 */

static ngx_int_t
ngx_http_ws_guard_jwt_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, ngx_str_t *name, size_t skip,
    ngx_uint_t header)
{
    int                       rc;
    size_t                    i;
    ngx_ws_guard_jwt_str_t    value;
    ngx_http_ws_guard_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ws_guard_module);

    if (ctx == NULL || ctx->token == NULL || name->len <= skip) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (header) {
        rc = ngx_ws_guard_jwt_header(ctx->token, name->data + skip,
                                     name->len - skip, &value);

    } else {
        rc = ngx_ws_guard_jwt_claim(ctx->token, name->data + skip,
                                    name->len - skip, &value);
    }

    if (rc != NGX_WS_GUARD_OK) {
        v->not_found = 1;
        return NGX_OK;
    }

    for (i = 0; i < value.len; i++) {
        if (value.data[i] == '\r' || value.data[i] == '\n'
            || value.data[i] == '\0')
        {
            v->not_found = 1;
            return NGX_OK;
        }
    }

    v->len = value.len;
    v->data = value.data;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * Once the configuration is complete: the header fields and claims that
 * its variables name.  nginx keeps every variable a directive names
 * ($ws_guard_jwt_claim_sub in a log format, a proxy_set_header, a limit
 * zone's key...) in the core's list of indexed variables, by name.
 */

ngx_int_t
ngx_http_ws_guard_jwt_init_module(ngx_cycle_t *cycle)
{
    ngx_str_t                      *name, *prefix;
    ngx_uint_t                      i, k;
    ngx_array_t                   **list, **lists[2];
    ngx_http_variable_t            *v;
    ngx_http_core_main_conf_t      *cmcf;
    ngx_http_ws_guard_main_conf_t  *wmcf;

    wmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_ws_guard_module);
    cmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_core_module);

    if (wmcf == NULL || cmcf == NULL) {
        return NGX_OK;
    }

    /* the prefixes of ngx_http_ws_guard_jwt_vars[], in its order */

    lists[0] = &wmcf->jwt_claims;
    lists[1] = &wmcf->jwt_headers;

    v = cmcf->variables.elts;

    for (i = 0; i < cmcf->variables.nelts; i++) {

        for (k = 0; k < 2; k++) {
            prefix = &ngx_http_ws_guard_jwt_vars[k].name;

            if (v[i].name.len > prefix->len
                && ngx_strncmp(v[i].name.data, prefix->data, prefix->len)
                   == 0)
            {
                break;
            }
        }

        if (k == 2) {
            continue;
        }

        list = lists[k];

        if (*list == NULL) {
            *list = ngx_array_create(cycle->pool, 4, sizeof(ngx_str_t));
            if (*list == NULL) {
                return NGX_ERROR;
            }
        }

        name = ngx_array_push(*list);
        if (name == NULL) {
            return NGX_ERROR;
        }

        name->data = v[i].name.data + prefix->len;
        name->len = v[i].name.len - prefix->len;
    }

    /* last, what message scope rules read (left out where none apply) */

    if (wmcf->jwt_claims == NULL) {
        wmcf->jwt_claims = ngx_array_create(cycle->pool, 2,
                                            sizeof(ngx_str_t));
        if (wmcf->jwt_claims == NULL) {
            return NGX_ERROR;
        }
    }

    name = ngx_array_push_n(wmcf->jwt_claims, 2);
    if (name == NULL) {
        return NGX_ERROR;
    }

    ngx_str_set(&name[0], "scope");
    ngx_str_set(&name[1], "scp");

    return NGX_OK;
}


/*
 * At the upgrade: the token keeps of its header fields and claims only
 * those a variable of the configuration names, and the scope claims if
 * message scope rules read them; with none of them, it goes.  What is
 * asked for later (the access log when the connection ends, the rules)
 * answers as before.
 */

void
ngx_http_ws_guard_jwt_trim(ngx_http_request_t *r, ngx_http_ws_guard_ctx_t *ctx)
{
    size_t                          kept, nclaims;
    ngx_array_t                    *headers;
    ngx_http_ws_guard_loc_conf_t   *wlcf;
    ngx_http_ws_guard_main_conf_t  *wmcf;

    if (ctx->token == NULL) {
        return;
    }

    wmcf = ngx_http_get_module_main_conf(r, ngx_http_ws_guard_module);
    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);

    if (wmcf->jwt_claims == NULL) {
        /* init_module did not run: keep everything */
        return;
    }

    /* the claims named, then "scope" and "scp" */

    nclaims = wmcf->jwt_claims->nelts;

    if (wlcf->message.scopes == NULL && wlcf->message.scope_default) {
        nclaims -= 2;
    }

    headers = wmcf->jwt_headers;

    /* ngx_ws_guard_jwt_str_t has the layout of ngx_str_t */

    if (ngx_ws_guard_jwt_keep(ctx->token,
                              headers ? headers->elts : NULL,
                              headers ? headers->nelts : 0,
                              wmcf->jwt_claims->elts, nclaims, &kept)
        != NGX_WS_GUARD_OK)
    {
        /* no memory for the smaller block: it stays whole */
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "ws guard token: %uz members kept", kept);

    if (kept) {
        return;
    }

    ngx_ws_guard_jwt_free(ctx->token);
    ctx->token = NULL;
}


static void
ngx_http_ws_guard_jwt_keyset_cleanup(void *data)
{
    ngx_ws_guard_jwt_keyset_free(data);
}


ngx_int_t
ngx_http_ws_guard_jwt_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_ws_guard_jwt_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


/* configuration */

void
ngx_http_ws_guard_jwt_create_conf(ngx_http_ws_guard_jwt_conf_t *conf)
{
    /*
     * set by ngx_pcalloc():
     *
     *     conf->subprotocol = { 0, NULL };
     */

    conf->enable = NGX_CONF_UNSET;
    conf->key_files = NGX_CONF_UNSET_PTR;
    conf->keys = NGX_CONF_UNSET_PTR;
    conf->token = NGX_CONF_UNSET_PTR;
    conf->algorithms = NGX_CONF_UNSET_UINT;
    conf->issuers = NGX_CONF_UNSET_PTR;
    conf->audiences = NGX_CONF_UNSET_PTR;
    conf->leeway = NGX_CONF_UNSET;
    conf->max_lifetime = NGX_CONF_UNSET;
    conf->scopes = NGX_CONF_UNSET_PTR;
    conf->require = NGX_CONF_UNSET_PTR;
    conf->expiry = NGX_CONF_UNSET_UINT;
}


char *
ngx_http_ws_guard_jwt_merge_conf(ngx_conf_t *cf,
    ngx_http_ws_guard_jwt_conf_t *prev, ngx_http_ws_guard_jwt_conf_t *conf)
{
    ngx_conf_merge_value(conf->enable, prev->enable, 0);

    /* key files of a level replace the inherited ones, they do not add */

    ngx_conf_merge_ptr_value(conf->key_files, prev->key_files, NULL);
    ngx_conf_merge_ptr_value(conf->keys, prev->keys, NULL);
    ngx_conf_merge_ptr_value(conf->token, prev->token, NULL);
    ngx_conf_merge_str_value(conf->subprotocol, prev->subprotocol, "");

    /* "off" turns an inherited prefix off */

    if (conf->subprotocol.len == 3
        && ngx_strncmp(conf->subprotocol.data, "off", 3) == 0)
    {
        ngx_str_null(&conf->subprotocol);
    }

    ngx_conf_merge_uint_value(conf->algorithms, prev->algorithms,
                              NGX_WS_GUARD_JWT_ALG_ALL);
    ngx_conf_merge_ptr_value(conf->issuers, prev->issuers, NULL);
    ngx_conf_merge_ptr_value(conf->audiences, prev->audiences, NULL);
    ngx_conf_merge_sec_value(conf->leeway, prev->leeway, 0);
    ngx_conf_merge_sec_value(conf->max_lifetime, prev->max_lifetime, 0);
    ngx_conf_merge_ptr_value(conf->scopes, prev->scopes, NULL);
    ngx_conf_merge_ptr_value(conf->require, prev->require, NULL);
    ngx_conf_merge_uint_value(conf->expiry, prev->expiry,
                              NGX_HTTP_WS_GUARD_EXPIRY_CLOSE);

    if (conf->enable && conf->keys == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "ws_guard_jwt is on but no ws_guard_jwt_key_file "
                           "is given");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_ws_guard_jwt_key_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ws_guard_loc_conf_t *wlcf = conf;

    char                          *rv;
    u_char                        *buf;
    size_t                         size;
    ssize_t                        n;
    ngx_str_t                     *value, name, *s;
    ngx_file_t                     file;
    ngx_file_info_t                fi;
    ngx_pool_cleanup_t            *cln;
    ngx_http_ws_guard_jwt_conf_t  *jcf;
    char                           err[NGX_WS_GUARD_JWT_ERRLEN];

    jcf = &wlcf->jwt;
    value = cf->args->elts;
    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (jcf->keys == NGX_CONF_UNSET_PTR) {
        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            return NGX_CONF_ERROR;
        }

        jcf->keys = ngx_ws_guard_jwt_keyset_create();
        if (jcf->keys == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "cannot create a key set: out of memory");
            return NGX_CONF_ERROR;
        }

        cln->handler = ngx_http_ws_guard_jwt_keyset_cleanup;
        cln->data = jcf->keys;

        jcf->key_files = ngx_array_create(cf->pool, 2, sizeof(ngx_str_t));
        if (jcf->key_files == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    ngx_memzero(&file, sizeof(ngx_file_t));

    file.name = name;
    file.log = cf->log;

    file.fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%s\" failed", name.data);
        return NGX_CONF_ERROR;
    }

    rv = NGX_CONF_ERROR;
    buf = NULL;
    size = 0;

    if (ngx_fd_info(file.fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_fd_info_n " \"%s\" failed", name.data);
        goto done;
    }

    if (!ngx_is_file(&fi)
        || ngx_file_size(&fi) > NGX_HTTP_WS_GUARD_JWT_MAX_KEY_FILE)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "key file \"%s\" is not a regular file of at "
                           "most %d bytes", name.data,
                           NGX_HTTP_WS_GUARD_JWT_MAX_KEY_FILE);
        goto done;
    }

    size = (size_t) ngx_file_size(&fi);

    buf = ngx_alloc(size + 1, cf->log);
    if (buf == NULL) {
        goto done;
    }

    n = ngx_read_file(&file, buf, size, 0);

    if (n == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_read_file_n " \"%s\" failed", name.data);
        goto done;
    }

    if ((size_t) n != size) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           ngx_read_file_n " \"%s\" returned only "
                           "%z bytes instead of %uz", name.data, n, size);
        goto done;
    }

    if (ngx_ws_guard_jwt_keyset_load(jcf->keys, buf, size, err, sizeof(err))
        != NGX_WS_GUARD_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid key file \"%s\": %s", name.data, err);
        goto done;
    }

    s = ngx_array_push(jcf->key_files);
    if (s == NULL) {
        goto done;
    }

    *s = name;

    rv = NGX_CONF_OK;

done:

    if (buf != NULL) {
        /* the file may hold HMAC secrets */
        ngx_explicit_memzero(buf, size);
        ngx_free(buf);
    }

    if (ngx_close_file(file.fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, cf->log, ngx_errno,
                      ngx_close_file_n " \"%s\" failed", name.data);
    }

    return rv;
}


char *
ngx_http_ws_guard_jwt_algorithms(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ws_guard_loc_conf_t *wlcf = conf;

    unsigned     bit;
    ngx_str_t   *value;
    ngx_uint_t   i, mask;

    if (wlcf->jwt.algorithms != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    mask = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        /* "none" has no bit: it is never accepted */

        bit = ngx_ws_guard_jwt_alg_from_name(value[i].data, value[i].len);

        if (bit == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        mask |= bit;
    }

    wlcf->jwt.algorithms = mask;

    return NGX_CONF_OK;
}


/* complex values that must all be non-empty and not "0"; entries add up */

char *
ngx_http_ws_guard_jwt_require(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ws_guard_loc_conf_t *wlcf = conf;

    ngx_str_t                         *value;
    ngx_uint_t                         i;
    ngx_http_complex_value_t          *cv;
    ngx_http_compile_complex_value_t   ccv;

    if (wlcf->jwt.require == NGX_CONF_UNSET_PTR) {
        wlcf->jwt.require = ngx_array_create(cf->pool, 2,
                                           sizeof(ngx_http_complex_value_t));
        if (wlcf->jwt.require == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"\": empty value");
            return NGX_CONF_ERROR;
        }

        cv = ngx_array_push(wlcf->jwt.require);
        if (cv == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &value[i];
        ccv.complex_value = cv;

        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}
