
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Message policy: JSON Schema per direction, per-message authorization by
 * token scope, deny patterns.  The frame parser hands over the unmasked
 * payload of text messages span by span; the verdict of a message is given
 * at its end, before its last bytes are passed on.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ws_guard.h"
#include "ngx_ws_guard_schema.h"


#define NGX_HTTP_WS_GUARD_JSON_PREFIX  "json:"


typedef struct {
    ngx_str_t                     pointer;
    ngx_str_t                     value;
    ngx_str_t                     scope;
    unsigned                      value_json:1;
} ngx_http_ws_guard_scope_rule_t;


/* the compiled rules of a location, kept with its scope rules array */

typedef struct {
    ngx_array_t                   rules;     /* of scope_rule_t */
    ngx_ws_guard_schema_rules_t  *compiled;
} ngx_http_ws_guard_scopes_t;


/*
 * A validator state is taken when a text message begins and given back
 * when it ends: idle connections hold none.  Those given back wait in
 * the location's list, per worker and direction, for the next message.
 */

#define NGX_HTTP_WS_GUARD_SPARE  64

typedef struct {
    ngx_uint_t                    n;
    ngx_ws_guard_schema_state_t  *state[NGX_HTTP_WS_GUARD_SPARE];
} ngx_http_ws_guard_spare_t;


/* per connection and direction */

struct ngx_http_ws_guard_msg_s {
    ngx_ws_guard_schema_state_t  *json;      /* while a message is open */
    ngx_http_ws_guard_spare_t   **spare;

    /*
     * the state's reason, kept when the state goes back: from the pool at
     * the first invalid message (an idle connection holds no room for it)
     */
    char                         *reason;

    unsigned                      client:1;
    unsigned                      active:1;  /* a text message is open */
    unsigned                      failed:1;
    unsigned                      validate:1; /* schema or scope rules */
    unsigned                      deny:1;    /* deny patterns: text below */

    /*
     * deny patterns see the whole message: only with them is this part
     * allocated (ngx_http_ws_guard_msg_size())
     */
    u_char                       *text;
    size_t                        text_len;
    size_t                        text_cap;
};


#define ngx_http_ws_guard_msg_size(deny)                                     \
    ((deny) ? sizeof(ngx_http_ws_guard_msg_t)                                 \
            : offsetof(ngx_http_ws_guard_msg_t, text))


static ngx_int_t ngx_http_ws_guard_message_scope_check(
    ngx_http_ws_guard_side_t *s, ngx_http_ws_guard_verdict_t *v);
static ngx_int_t ngx_http_ws_guard_token_has_scope(ngx_http_request_t *r,
    ngx_str_t *scope);
static ngx_int_t ngx_http_ws_guard_message_state(
    ngx_http_ws_guard_side_t *s);
static ngx_http_ws_guard_scopes_t *ngx_http_ws_guard_message_scopes(
    ngx_http_ws_guard_loc_conf_t *wlcf, ngx_uint_t client);
static void ngx_http_ws_guard_message_release(ngx_http_ws_guard_msg_t *m);
static void ngx_http_ws_guard_message_fail(ngx_http_ws_guard_msg_t *m,
    ngx_http_ws_guard_verdict_t *v, ngx_uint_t code, const char *reason,
    const char *kind);
static void ngx_http_ws_guard_message_invalid(ngx_http_ws_guard_side_t *s,
    ngx_http_ws_guard_verdict_t *v);
static void ngx_http_ws_guard_spare_cleanup(void *data);
static void ngx_http_ws_guard_schema_cleanup(void *data);
static void ngx_http_ws_guard_rules_cleanup(void *data);


/* the most message_init() takes from the connection's pool, both sides */

size_t
ngx_http_ws_guard_message_size(ngx_http_request_t *r)
{
    ngx_http_ws_guard_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);

    if (wlcf->message.schema[0] == NULL && wlcf->message.schema[1] == NULL
        && wlcf->message.deny[0] == NULL && wlcf->message.deny[1] == NULL
        && wlcf->message.scopes == NULL && wlcf->message.scope_default)
    {
        return 0;
    }

    return ngx_http_ws_guard_psize(
               ngx_http_ws_guard_msg_size(wlcf->message.deny[0] != NULL))
           + ngx_http_ws_guard_psize(
               ngx_http_ws_guard_msg_size(wlcf->message.deny[1] != NULL));
}


/* the message scope rules, which only the client's messages answer to */

static ngx_http_ws_guard_scopes_t *
ngx_http_ws_guard_message_scopes(ngx_http_ws_guard_loc_conf_t *wlcf,
    ngx_uint_t client)
{
    return (client && wlcf->message.scopes) ? wlcf->message.scopes->elts
                                            : NULL;
}


ngx_int_t
ngx_http_ws_guard_message_init(ngx_http_ws_guard_side_t *s)
{
    ngx_uint_t                         dir;
    ngx_http_request_t                *r;
    ngx_http_ws_guard_msg_t           *m;
    ngx_http_ws_guard_scopes_t        *scopes;
    ngx_http_ws_guard_loc_conf_t      *wlcf;

    r = s->wc->request;
    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);

    dir = s->client ? 0 : 1;
    scopes = ngx_http_ws_guard_message_scopes(wlcf, s->client);

    if (wlcf->message.schema[dir] == NULL
        && wlcf->message.deny[dir] == NULL
        && (!s->client
            || (scopes == NULL && wlcf->message.scope_default)))
    {
        return NGX_OK;
    }

    m = ngx_pcalloc(s->wc->pool,
                    ngx_http_ws_guard_msg_size(wlcf->message.deny[dir]
                                               != NULL));
    if (m == NULL) {
        return NGX_ERROR;
    }

    m->client = s->client;
    m->deny = (wlcf->message.deny[dir] != NULL);

    /*
     * a validator state held when the connection ends is given back by
     * ngx_http_ws_guard_message_close(), from the connection's cleanup
     */

    if (wlcf->message.schema[dir]
        || (s->client && (scopes || !wlcf->message.scope_default)))
    {
        m->validate = 1;
        m->spare = (ngx_http_ws_guard_spare_t **) &wlcf->message.spare[dir];
    }

    s->msg = m;

    return NGX_OK;
}


/* a span of the unmasked payload of a text message */

ngx_int_t
ngx_http_ws_guard_message_data(ngx_http_ws_guard_side_t *s, u_char *p,
    size_t len, ngx_http_ws_guard_verdict_t *v)
{
    size_t                         size, max;
    u_char                        *text;
    ngx_http_ws_guard_msg_t       *m;
    ngx_http_ws_guard_loc_conf_t  *wlcf;

    m = s->msg;

    if (m == NULL || m->failed) {
        return NGX_OK;
    }

    m->active = 1;

    if (m->validate && m->json == NULL
        && ngx_http_ws_guard_message_state(s) != NGX_OK)
    {
        ngx_http_ws_guard_message_fail(m, v, NGX_WS_GUARD_CLOSE_INTERNAL,
                                       "internal error", "internal");
        return NGX_ERROR;
    }

    if (m->json && ngx_ws_guard_schema_feed(m->json, p, len)
                   == NGX_WS_GUARD_ERROR)
    {
        ngx_http_ws_guard_message_invalid(s, v);
        return NGX_ERROR;
    }

    if (m->deny) {
        /* deny patterns see a whole text message, held up to the limit */

        wlcf = ngx_http_get_module_loc_conf(s->wc->request,
                                            ngx_http_ws_guard_module);

        max = wlcf->max_message_size ? (size_t) wlcf->max_message_size
                                     : 16 * 1024 * 1024;

        if (len > max - m->text_len) {
            ngx_http_ws_guard_message_fail(m, v, NGX_WS_GUARD_CLOSE_TOO_BIG,
                                           "message too big", "size");
            return NGX_ERROR;
        }

        if (len > m->text_cap - m->text_len) {
            /*
             * grows by doubling, only when a message is longer than any
             * before on this connection, up to the message size limit
             */
            size = ngx_max(m->text_cap * 2, m->text_len + len);
            size = ngx_max(size, 4096);
            size = ngx_min(size, max);

            text = ngx_pnalloc(s->wc->pool, size);
            if (text == NULL) {
                ngx_http_ws_guard_message_fail(m, v,
                                               NGX_WS_GUARD_CLOSE_INTERNAL,
                                               "internal error", "internal");
                return NGX_ERROR;
            }

            if (m->text_len) {
                ngx_memcpy(text, m->text, m->text_len);
            }

            if (m->text) {
                ngx_pfree(s->wc->pool, m->text);
            }

            m->text = text;
            m->text_cap = size;
        }

        ngx_memcpy(m->text + m->text_len, p, len);
        m->text_len += len;
    }

    return NGX_OK;
}


/* the end of a text message: the verdict, before its last bytes go */

ngx_int_t
ngx_http_ws_guard_message_end(ngx_http_ws_guard_side_t *s,
    ngx_http_ws_guard_verdict_t *v)
{
    ngx_int_t                      rc;
    ngx_str_t                      text;
    ngx_uint_t                     i;
    ngx_regex_t                  **re;
    ngx_http_request_t            *r;
    ngx_http_ws_guard_msg_t       *m;
    ngx_http_ws_guard_loc_conf_t  *wlcf;

    m = s->msg;

    if (m == NULL) {
        return NGX_OK;
    }

    rc = NGX_OK;

    if (m->failed) {
        goto done;
    }

    if (m->validate && m->json == NULL
        && ngx_http_ws_guard_message_state(s) != NGX_OK)
    {
        /* an empty message: no data came before its end */
        ngx_http_ws_guard_message_fail(m, v, NGX_WS_GUARD_CLOSE_INTERNAL,
                                       "internal error", "internal");
        rc = NGX_ERROR;
        goto done;
    }

    if (m->json) {
        if (ngx_ws_guard_schema_finish(m->json) == NGX_WS_GUARD_ERROR) {
            ngx_http_ws_guard_message_invalid(s, v);
            rc = NGX_ERROR;
            goto done;
        }

        if (m->client && ngx_http_ws_guard_message_scope_check(s, v)
                         != NGX_OK)
        {
            rc = NGX_ERROR;
            goto done;
        }
    }

    if (m->deny) {
        r = s->wc->request;
        wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);

        text.data = m->text;
        text.len = m->text_len;

        re = wlcf->message.deny[m->client ? 0 : 1]->elts;

        for (i = 0; i < wlcf->message.deny[m->client ? 0 : 1]->nelts; i++) {
            rc = ngx_regex_exec(re[i], &text, NULL, 0);

            if (rc == NGX_REGEX_NO_MATCHED) {
                rc = NGX_OK;
                continue;
            }

            if (rc < 0) {
                ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                              ngx_regex_exec_n " failed: %i", rc);
            }

            /* a match, or a pattern that could not be run: refused */

            v->action = NGX_HTTP_WS_GUARD_CLOSE;
            v->code = NGX_WS_GUARD_CLOSE_POLICY;
            v->reason = "denied pattern";
            v->kind = "pattern";
            rc = NGX_ERROR;
            goto done;
        }
    }

done:

    ngx_http_ws_guard_message_release(m);

    if (m->deny) {
        m->text_len = 0;
    }

    m->failed = 0;
    m->active = 0;

    return rc;
}


/* a message violated: what is left of it is ignored until its end */

void
ngx_http_ws_guard_message_abort(ngx_http_ws_guard_side_t *s)
{
    ngx_http_ws_guard_msg_t  *m;

    m = s->msg;

    if (m == NULL) {
        return;
    }

    m->failed = 1;
}


static ngx_int_t
ngx_http_ws_guard_message_scope_check(ngx_http_ws_guard_side_t *s,
    ngx_http_ws_guard_verdict_t *v)
{
    ngx_uint_t                       i, named;
    ngx_http_request_t              *r;
    ngx_http_ws_guard_scopes_t      *scopes;
    ngx_http_ws_guard_scope_rule_t  *rule;
    ngx_http_ws_guard_loc_conf_t    *wlcf;

    r = s->wc->request;
    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_ws_guard_module);

    if (wlcf->message.scopes == NULL) {
        if (wlcf->message.scope_default) {
            return NGX_OK;
        }

        goto denied;
    }

    scopes = wlcf->message.scopes->elts;
    rule = scopes->rules.elts;
    named = 0;

    for (i = 0; i < scopes->rules.nelts; i++) {

        if (!ngx_ws_guard_schema_matched(s->msg->json, i)) {
            continue;
        }

        named = 1;

        if (ngx_http_ws_guard_token_has_scope(r, &rule[i].scope) != NGX_OK) {
            v->action = NGX_HTTP_WS_GUARD_CLOSE;
            v->code = NGX_WS_GUARD_CLOSE_POLICY;
            v->reason = "insufficient scope";
            v->kind = "scope";

            ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "ws_guard: message at \"%V\" needs scope \"%V\"",
                           &rule[i].pointer, &rule[i].scope);
            return NGX_ERROR;
        }
    }

    if (named || wlcf->message.scope_default) {
        return NGX_OK;
    }

denied:

    v->action = NGX_HTTP_WS_GUARD_CLOSE;
    v->code = NGX_WS_GUARD_CLOSE_POLICY;
    v->reason = "message not allowed";
    v->kind = "scope";

    return NGX_ERROR;
}


/* whether the handshake token's scope (string) or scp (string or array)
 * names the scope */

static ngx_int_t
ngx_http_ws_guard_token_has_scope(ngx_http_request_t *r, ngx_str_t *scope)
{
    u_char                   *p, *end, *start;
    ngx_uint_t                i;
    ngx_ws_guard_jwt_str_t    value;
    ngx_http_ws_guard_ctx_t  *ctx;
    static const char        *claims[] = { "scope", "scp" };

    ctx = ngx_http_get_module_ctx(r, ngx_http_ws_guard_module);

    if (ctx == NULL || ctx->token == NULL) {
        return NGX_DECLINED;
    }

    for (i = 0; i < 2; i++) {
        if (ngx_ws_guard_jwt_claim(ctx->token, (const u_char *) claims[i],
                                   ngx_strlen(claims[i]), &value)
            != NGX_WS_GUARD_OK)
        {
            continue;
        }

        /* "scope" is space-separated; an "scp" array comes comma-joined */

        p = value.data;
        end = p + value.len;

        while (p < end) {
            while (p < end && (*p == ' ' || *p == ',')) {
                p++;
            }

            start = p;

            while (p < end && *p != ' ' && *p != ',') {
                p++;
            }

            if ((size_t) (p - start) == scope->len
                && ngx_strncmp(start, scope->data, scope->len) == 0)
            {
                return NGX_OK;
            }
        }
    }

    return NGX_DECLINED;
}


/* a validator state for the message that begins: a spare one, or new */

static ngx_int_t
ngx_http_ws_guard_message_state(ngx_http_ws_guard_side_t *s)
{
    char                           err[NGX_MAX_ERROR_STR];
    ngx_pool_cleanup_t            *cln;
    ngx_http_ws_guard_msg_t       *m;
    ngx_http_ws_guard_spare_t     *spare;
    ngx_http_ws_guard_scopes_t    *scopes;
    ngx_ws_guard_schema_conf_t     conf;
    ngx_http_ws_guard_loc_conf_t  *wlcf;

    m = s->msg;
    spare = *m->spare;

    if (spare && spare->n) {
        m->json = spare->state[--spare->n];
        return NGX_OK;
    }

    if (spare == NULL) {
        spare = ngx_pcalloc(ngx_cycle->pool,
                            sizeof(ngx_http_ws_guard_spare_t));
        if (spare == NULL) {
            return NGX_ERROR;
        }

        cln = ngx_pool_cleanup_add(ngx_cycle->pool, 0);
        if (cln == NULL) {
            return NGX_ERROR;
        }

        cln->handler = ngx_http_ws_guard_spare_cleanup;
        cln->data = spare;

        *m->spare = spare;
    }

    /* the state copies what it needs of the configuration */

    wlcf = ngx_http_get_module_loc_conf(s->wc->request,
                                        ngx_http_ws_guard_module);

    scopes = ngx_http_ws_guard_message_scopes(wlcf, m->client);

    ngx_memzero(&conf, sizeof(ngx_ws_guard_schema_conf_t));

    conf.schema = wlcf->message.schema[m->client ? 0 : 1];
    conf.rules = scopes ? scopes->compiled : NULL;
    conf.max_depth = wlcf->message.json_max_depth;

    /* the frame parser (or the inflater's check) has seen the text */
    conf.utf8_checked = wlcf->utf8 ? 1 : 0;

    m->json = ngx_ws_guard_schema_state_create(&conf, err, sizeof(err));
    if (m->json == NULL) {
        ngx_log_error(NGX_LOG_ERR, s->c->log, 0,
                      "ws_guard: message validator not created: %s", err);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* the message failed: it closes, unless the policy drops it instead */

static void
ngx_http_ws_guard_message_fail(ngx_http_ws_guard_msg_t *m,
    ngx_http_ws_guard_verdict_t *v, ngx_uint_t code, const char *reason,
    const char *kind)
{
    m->failed = 1;
    v->action = NGX_HTTP_WS_GUARD_CLOSE;
    v->code = code;
    v->reason = reason;
    v->kind = kind;
}


/*
 * The validator failed it: 1007 for JSON, 1008 for the schema, with the
 * validator's reason copied, since the state is reset or reused after.
 */

static void
ngx_http_ws_guard_message_invalid(ngx_http_ws_guard_side_t *s,
    ngx_http_ws_guard_verdict_t *v)
{
    ngx_uint_t                code;
    const char               *reason;
    ngx_http_ws_guard_msg_t  *m;

    m = s->msg;

    code = ngx_ws_guard_schema_close_code(m->json);
    reason = ngx_ws_guard_schema_reason(m->json);

    if (m->reason == NULL) {
        m->reason = ngx_pnalloc(s->wc->pool,
                                NGX_WS_GUARD_SCHEMA_REASON_MAX + 1);
    }

    if (m->reason != NULL) {
        (void) ngx_cpystrn((u_char *) m->reason, (u_char *) reason,
                           NGX_WS_GUARD_SCHEMA_REASON_MAX + 1);
        reason = m->reason;

    } else {
        /* the reason is not kept: a fixed one of the same kind */
        reason = (code == NGX_WS_GUARD_CLOSE_INVALID_DATA)
                 ? "invalid JSON" : "schema violation";
    }

    ngx_http_ws_guard_message_fail(m, v, code, reason,
                                   (code == NGX_WS_GUARD_CLOSE_INVALID_DATA)
                                   ? "json" : "schema");
}


/* the message ended: its state is made ready for the next and given back */

static void
ngx_http_ws_guard_message_release(ngx_http_ws_guard_msg_t *m)
{
    ngx_http_ws_guard_spare_t  *spare;

    if (m->json == NULL) {
        return;
    }

    spare = *m->spare;

    if (spare && spare->n < NGX_HTTP_WS_GUARD_SPARE) {
        ngx_ws_guard_schema_reset(m->json);
        spare->state[spare->n++] = m->json;

    } else {
        ngx_ws_guard_schema_state_free(m->json);
    }

    m->json = NULL;
}


static void
ngx_http_ws_guard_spare_cleanup(void *data)
{
    ngx_http_ws_guard_spare_t  *spare = data;

    while (spare->n) {
        ngx_ws_guard_schema_state_free(spare->state[--spare->n]);
    }
}


/* the connection ends, maybe inside a message */

void
ngx_http_ws_guard_message_close(ngx_http_ws_guard_side_t *s)
{
    if (s->msg) {
        ngx_http_ws_guard_message_release(s->msg);
    }
}


void
ngx_http_ws_guard_message_create_conf(ngx_http_ws_guard_message_conf_t *conf)
{
    conf->schema[0] = NGX_CONF_UNSET_PTR;
    conf->schema[1] = NGX_CONF_UNSET_PTR;
    conf->json_max_depth = NGX_CONF_UNSET_UINT;
    conf->inspect = NGX_CONF_UNSET_UINT;
    conf->violation = NGX_CONF_UNSET_UINT;
    conf->scopes = NGX_CONF_UNSET_PTR;
    conf->scope_default = NGX_CONF_UNSET_UINT;
    conf->deny[0] = NGX_CONF_UNSET_PTR;
    conf->deny[1] = NGX_CONF_UNSET_PTR;
}


char *
ngx_http_ws_guard_message_merge_conf(ngx_conf_t *cf,
    ngx_http_ws_guard_message_conf_t *prev,
    ngx_http_ws_guard_message_conf_t *conf)
{
    char                             err[NGX_MAX_CONF_ERRSTR];
    ngx_uint_t                       i;
    ngx_pool_cleanup_t              *cln;
    ngx_ws_guard_schema_rule_t      *rules;
    ngx_http_ws_guard_scopes_t      *scopes;
    ngx_http_ws_guard_scope_rule_t  *rule;

    ngx_conf_merge_ptr_value(conf->schema[0], prev->schema[0], NULL);
    ngx_conf_merge_ptr_value(conf->schema[1], prev->schema[1], NULL);
    ngx_conf_merge_str_value(conf->schema_file[0], prev->schema_file[0], "");
    ngx_conf_merge_str_value(conf->schema_file[1], prev->schema_file[1], "");
    ngx_conf_merge_uint_value(conf->json_max_depth, prev->json_max_depth,
                              NGX_WS_GUARD_SCHEMA_MAX_DEPTH);
    ngx_conf_merge_uint_value(conf->inspect, prev->inspect,
                              NGX_HTTP_WS_GUARD_INSPECT_STREAM);
    ngx_conf_merge_uint_value(conf->violation, prev->violation,
                              NGX_HTTP_WS_GUARD_VIOLATION_CLOSE);
    ngx_conf_merge_uint_value(conf->scope_default, prev->scope_default, 1);
    ngx_conf_merge_ptr_value(conf->deny[0], prev->deny[0], NULL);
    ngx_conf_merge_ptr_value(conf->deny[1], prev->deny[1], NULL);

    if (conf->json_max_depth == 0 || conf->json_max_depth > 1024) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid \"ws_guard_json_max_depth\" %ui, "
                           "it must be 1 to 1024", conf->json_max_depth);
        return NGX_CONF_ERROR;
    }

    if (conf->scopes == NGX_CONF_UNSET_PTR) {
        conf->scopes = (prev->scopes == NGX_CONF_UNSET_PTR) ? NULL
                                                           : prev->scopes;
        return NGX_CONF_OK;
    }

    /* this level has its own rules: compile them for the pointer matcher */

    scopes = conf->scopes->elts;

    if (scopes->compiled) {
        return NGX_CONF_OK;
    }

    rules = ngx_pcalloc(cf->pool, scopes->rules.nelts
                                  * sizeof(ngx_ws_guard_schema_rule_t));
    if (rules == NULL) {
        return NGX_CONF_ERROR;
    }

    rule = scopes->rules.elts;

    for (i = 0; i < scopes->rules.nelts; i++) {
        rules[i].pointer = rule[i].pointer.data;
        rules[i].pointer_len = rule[i].pointer.len;
        rules[i].value = rule[i].value.data;
        rules[i].value_len = rule[i].value.len;
        rules[i].value_json = rule[i].value_json;
    }

    scopes->compiled = ngx_ws_guard_schema_rules_compile(rules,
                                                         scopes->rules.nelts,
                                                         err, sizeof(err));
    if (scopes->compiled == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid \"ws_guard_message_scope\": %s", err);
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_ws_guard_rules_cleanup;
    cln->data = scopes->compiled;

    return NGX_CONF_OK;
}


/* ws_guard_schema client|server path; */

char *
ngx_http_ws_guard_schema_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ws_guard_loc_conf_t *wlcf = conf;

    char                    err[NGX_MAX_CONF_ERRSTR];
    u_char                 *buf;
    size_t                  size;
    ssize_t                 n;
    ngx_str_t              *value, name;
    ngx_uint_t              dir;
    ngx_file_t              file;
    ngx_file_info_t         fi;
    ngx_pool_cleanup_t     *cln;
    ngx_ws_guard_schema_t  *schema;

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "client") == 0) {
        dir = 0;

    } else if (ngx_strcmp(value[1].data, "server") == 0) {
        dir = 1;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\": "
                           "\"client\" or \"server\" expected", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (wlcf->message.schema[dir] != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    name = value[2];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.name = name;
    file.log = cf->log;

    file.fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", &name);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(file.fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_fd_info_n " \"%V\" failed", &name);
        ngx_close_file(file.fd);
        return NGX_CONF_ERROR;
    }

    size = (size_t) ngx_file_size(&fi);

    if (size > 4 * 1024 * 1024) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "schema file \"%V\" is larger than 4m", &name);
        ngx_close_file(file.fd);
        return NGX_CONF_ERROR;
    }

    buf = ngx_pnalloc(cf->temp_pool, size + 1);
    if (buf == NULL) {
        ngx_close_file(file.fd);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_file(&file, buf, size, 0);

    ngx_close_file(file.fd);

    if (n == NGX_ERROR || (size_t) n != size) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "cannot read schema file \"%V\"", &name);
        return NGX_CONF_ERROR;
    }

    schema = ngx_ws_guard_schema_compile(buf, size, NULL, err, sizeof(err));

    if (schema == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid schema file \"%V\": %s", &name, err);
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        ngx_ws_guard_schema_free(schema);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_ws_guard_schema_cleanup;
    cln->data = schema;

    wlcf->message.schema[dir] = schema;
    wlcf->message.schema_file[dir] = name;

    return NGX_CONF_OK;
}


/* ws_guard_message_scope client pointer value scope; */

char *
ngx_http_ws_guard_message_scope(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ws_guard_loc_conf_t *wlcf = conf;

    ngx_str_t                       *value;
    ngx_http_ws_guard_scopes_t      *scopes;
    ngx_http_ws_guard_scope_rule_t  *rule;

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "client") != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\": only \"client\" "
                           "messages are authorized by scope", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (value[2].len && value[2].data[0] != '/') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\": a JSON pointer "
                           "starts with \"/\"", &value[2]);
        return NGX_CONF_ERROR;
    }

    if (value[4].len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"\": empty scope");
        return NGX_CONF_ERROR;
    }

    if (wlcf->message.scopes == NGX_CONF_UNSET_PTR) {
        wlcf->message.scopes = ngx_array_create(cf->pool, 1,
                                          sizeof(ngx_http_ws_guard_scopes_t));
        if (wlcf->message.scopes == NULL) {
            return NGX_CONF_ERROR;
        }

        scopes = ngx_array_push(wlcf->message.scopes);
        if (scopes == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(scopes, sizeof(ngx_http_ws_guard_scopes_t));

        if (ngx_array_init(&scopes->rules, cf->pool, 4,
                           sizeof(ngx_http_ws_guard_scope_rule_t))
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    scopes = wlcf->message.scopes->elts;

    rule = ngx_array_push(&scopes->rules);
    if (rule == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(rule, sizeof(ngx_http_ws_guard_scope_rule_t));

    rule->pointer = value[2];
    rule->value = value[3];
    rule->scope = value[4];

    if (value[3].len >= sizeof(NGX_HTTP_WS_GUARD_JSON_PREFIX) - 1
        && ngx_strncmp(value[3].data, NGX_HTTP_WS_GUARD_JSON_PREFIX,
                       sizeof(NGX_HTTP_WS_GUARD_JSON_PREFIX) - 1) == 0)
    {
        rule->value.data += sizeof(NGX_HTTP_WS_GUARD_JSON_PREFIX) - 1;
        rule->value.len -= sizeof(NGX_HTTP_WS_GUARD_JSON_PREFIX) - 1;
        rule->value_json = 1;
    }

    return NGX_CONF_OK;
}


/* ws_guard_deny_pattern client|server regex; */

char *
ngx_http_ws_guard_deny_pattern(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ws_guard_loc_conf_t *wlcf = conf;

    u_char                errstr[NGX_MAX_CONF_ERRSTR];
    ngx_str_t            *value;
    ngx_uint_t            dir;
    ngx_regex_t         **re;
    ngx_regex_compile_t   rc;

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "client") == 0) {
        dir = 0;

    } else if (ngx_strcmp(value[1].data, "server") == 0) {
        dir = 1;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\": "
                           "\"client\" or \"server\" expected", &value[1]);
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&rc, sizeof(ngx_regex_compile_t));

    rc.pattern = value[2];
    rc.pool = cf->pool;
    rc.err.len = NGX_MAX_CONF_ERRSTR;
    rc.err.data = errstr;

    if (ngx_regex_compile(&rc) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\": %V", &value[2], &rc.err);
        return NGX_CONF_ERROR;
    }

    if (wlcf->message.deny[dir] == NGX_CONF_UNSET_PTR) {
        wlcf->message.deny[dir] = ngx_array_create(cf->pool, 2,
                                                   sizeof(ngx_regex_t *));
        if (wlcf->message.deny[dir] == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    re = ngx_array_push(wlcf->message.deny[dir]);
    if (re == NULL) {
        return NGX_CONF_ERROR;
    }

    *re = rc.regex;

    return NGX_CONF_OK;
}


static void
ngx_http_ws_guard_schema_cleanup(void *data)
{
    ngx_ws_guard_schema_free(data);
}


static void
ngx_http_ws_guard_rules_cleanup(void *data)
{
    ngx_ws_guard_schema_rules_free(data);
}
