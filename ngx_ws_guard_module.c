
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * The module definition, its directives and configuration: no logic here.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ws_guard.h"


static void *ngx_http_ws_guard_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_ws_guard_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_ws_guard_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_ws_guard_subprotocols(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_ws_guard_read_ahead(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_ws_guard_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_ws_guard_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_ws_guard_header_filter(ngx_http_request_t *r);


static ngx_conf_enum_t  ngx_http_ws_guard_log_levels[] = {
    { ngx_string("info"), NGX_LOG_INFO },
    { ngx_string("notice"), NGX_LOG_NOTICE },
    { ngx_string("warn"), NGX_LOG_WARN },
    { ngx_string("error"), NGX_LOG_ERR },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_ws_guard_allow_deny[] = {
    { ngx_string("deny"), 0 },
    { ngx_string("allow"), 1 },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_ws_guard_deflate_modes[] = {
    { ngx_string("strip"), NGX_HTTP_WS_GUARD_DEFLATE_STRIP },
    { ngx_string("inspect"), NGX_HTTP_WS_GUARD_DEFLATE_INSPECT },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_ws_guard_expiry_modes[] = {
    { ngx_string("close"), NGX_HTTP_WS_GUARD_EXPIRY_CLOSE },
    { ngx_string("ignore"), NGX_HTTP_WS_GUARD_EXPIRY_IGNORE },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_ws_guard_inspect_modes[] = {
    { ngx_string("stream"), NGX_HTTP_WS_GUARD_INSPECT_STREAM },
    { ngx_string("buffer"), NGX_HTTP_WS_GUARD_INSPECT_BUFFER },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_ws_guard_violation_modes[] = {
    { ngx_string("close"), NGX_HTTP_WS_GUARD_VIOLATION_CLOSE },
    { ngx_string("drop"), NGX_HTTP_WS_GUARD_VIOLATION_DROP },
    { ngx_null_string, 0 }
};


static ngx_conf_bitmask_t  ngx_http_ws_guard_message_type_mask[] = {
    { ngx_string("text"), NGX_WS_GUARD_FRAME_TEXT },
    { ngx_string("binary"), NGX_WS_GUARD_FRAME_BINARY },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_ws_guard_limit_actions[] = {
    { ngx_string("close"), NGX_HTTP_WS_GUARD_LIMIT_CLOSE },
    { ngx_string("drop"), NGX_HTTP_WS_GUARD_LIMIT_DROP },
    { ngx_string("delay"), NGX_HTTP_WS_GUARD_LIMIT_DELAY },
    { ngx_null_string, 0 }
};


static ngx_conf_num_bounds_t  ngx_http_ws_guard_limit_status_bounds = {
    ngx_conf_check_num_bounds, 400, 599
};


#define NGX_HTTP_WS_GUARD_ANY_CONF                                            \
    (NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF)


static ngx_command_t  ngx_http_ws_guard_commands[] = {

    { ngx_string("ws_guard"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, enable),
      NULL },

    { ngx_string("ws_guard_dry_run"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, dry_run),
      NULL },

    { ngx_string("ws_guard_log_level"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, log_level),
      &ngx_http_ws_guard_log_levels },

    { ngx_string("ws_guard_origin"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_ws_guard_origin,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ws_guard_origin_missing"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, origin_missing),
      &ngx_http_ws_guard_allow_deny },

    { ngx_string("ws_guard_require_tls"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, require_tls),
      NULL },

    { ngx_string("ws_guard_subprotocols"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_ws_guard_subprotocols,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ws_guard_deflate"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, deflate),
      &ngx_http_ws_guard_deflate_modes },

    /* bearer tokens */

    { ngx_string("ws_guard_jwt"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, jwt.enable),
      NULL },

    { ngx_string("ws_guard_jwt_key_file"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE1,
      ngx_http_ws_guard_jwt_key_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ws_guard_jwt_token"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, jwt.token),
      NULL },

    { ngx_string("ws_guard_jwt_subprotocol"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, jwt.subprotocol),
      NULL },

    { ngx_string("ws_guard_jwt_algorithms"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_1MORE,
      ngx_http_ws_guard_jwt_algorithms,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ws_guard_jwt_issuer"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_1MORE,
      ngx_http_ws_guard_conf_set_str_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, jwt.issuers),
      NULL },

    { ngx_string("ws_guard_jwt_audience"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_1MORE,
      ngx_http_ws_guard_conf_set_str_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, jwt.audiences),
      NULL },

    { ngx_string("ws_guard_jwt_leeway"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, jwt.leeway),
      NULL },

    { ngx_string("ws_guard_jwt_max_lifetime"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE1,
      ngx_http_ws_guard_conf_set_sec_off,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, jwt.max_lifetime),
      NULL },

    { ngx_string("ws_guard_jwt_require_scope"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_1MORE,
      ngx_http_ws_guard_conf_set_str_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, jwt.scopes),
      NULL },

    { ngx_string("ws_guard_jwt_require"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_1MORE,
      ngx_http_ws_guard_jwt_require,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ws_guard_jwt_expiry"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, jwt.expiry),
      &ngx_http_ws_guard_expiry_modes },

    /* frames */

    { ngx_string("ws_guard_utf8"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, utf8),
      NULL },

    { ngx_string("ws_guard_max_frame_size"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_off_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, max_frame_size),
      NULL },

    { ngx_string("ws_guard_max_message_size"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_off_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, max_message_size),
      NULL },

    { ngx_string("ws_guard_read_ahead"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE1,
      ngx_http_ws_guard_read_ahead,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, read_ahead),
      NULL },

    { ngx_string("ws_guard_message_types"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_1MORE,
      ngx_conf_set_bitmask_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, message_types),
      &ngx_http_ws_guard_message_type_mask },

    { ngx_string("ws_guard_max_lifetime"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE1,
      ngx_http_ws_guard_conf_set_msec_off,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, max_lifetime),
      NULL },

    { ngx_string("ws_guard_idle_timeout"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE1,
      ngx_http_ws_guard_conf_set_msec_off,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, idle_timeout),
      NULL },

    /* messages */

    { ngx_string("ws_guard_schema"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE2,
      ngx_http_ws_guard_schema_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ws_guard_json_max_depth"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, message.json_max_depth),
      NULL },

    { ngx_string("ws_guard_inspect"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, message.inspect),
      &ngx_http_ws_guard_inspect_modes },

    { ngx_string("ws_guard_violation"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, message.violation),
      &ngx_http_ws_guard_violation_modes },

    { ngx_string("ws_guard_message_scope"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE4,
      ngx_http_ws_guard_message_scope,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ws_guard_message_scope_default"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, message.scope_default),
      &ngx_http_ws_guard_allow_deny },

    { ngx_string("ws_guard_deny_pattern"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE2,
      ngx_http_ws_guard_deny_pattern,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /* rates and connection counts */

    { ngx_string("ws_guard_rate"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_1MORE,
      ngx_http_ws_guard_rate_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ws_guard_limit_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_ws_guard_limit_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ws_guard_limit"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE123,
      ngx_http_ws_guard_limit_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ws_guard_limit_action"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, rate.action),
      &ngx_http_ws_guard_limit_actions },

    { ngx_string("ws_guard_limit_status"),
      NGX_HTTP_WS_GUARD_ANY_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ws_guard_loc_conf_t, rate.status),
      &ngx_http_ws_guard_limit_status_bounds },

    /* observability */

    { ngx_string("ws_guard_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_ws_guard_status_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_ws_guard_module_ctx = {
    ngx_http_ws_guard_preconfiguration,    /* preconfiguration */
    ngx_http_ws_guard_postconfiguration,   /* postconfiguration */

    ngx_http_ws_guard_create_main_conf,    /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_ws_guard_create_loc_conf,     /* create location configuration */
    ngx_http_ws_guard_merge_loc_conf       /* merge location configuration */
};


ngx_module_t  ngx_http_ws_guard_module = {
    NGX_MODULE_V1,
    &ngx_http_ws_guard_module_ctx,         /* module context */
    ngx_http_ws_guard_commands,            /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    ngx_http_ws_guard_jwt_init_module,     /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;


static ngx_int_t
ngx_http_ws_guard_header_filter(ngx_http_request_t *r)
{
    ngx_int_t                 rc;
    ngx_http_ws_guard_ctx_t  *ctx;

    if (r->headers_out.status != NGX_HTTP_SWITCHING_PROTOCOLS
        || r != r->main
        || r->upstream == NULL
        || !r->upstream->upgrade)
    {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_ws_guard_module);

    if (ctx == NULL || !ctx->websocket) {
        return ngx_http_next_header_filter(r);
    }

    rc = ngx_http_ws_guard_check_upgrade_response(r, ctx);

    if (rc != NGX_OK) {
        return ngx_http_filter_finalize_request(r, &ngx_http_ws_guard_module,
                                                NGX_HTTP_BAD_GATEWAY);
    }

    rc = ngx_http_next_header_filter(r);

    if (rc == NGX_ERROR || rc > NGX_OK || !ctx->websocket) {
        return rc;
    }

    /* the 101 is on its way: every byte after it goes through the guard */

    if (ngx_http_ws_guard_proxy_init(r, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    return rc;
}


static void *
ngx_http_ws_guard_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_ws_guard_main_conf_t  *wmcf;

    wmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ws_guard_main_conf_t));
    if (wmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     wmcf->status = NULL;
     */

    if (ngx_array_init(&wmcf->zones, cf->pool, 4, sizeof(ngx_shm_zone_t *))
        != NGX_OK
        || ngx_array_init(&wmcf->limits, cf->pool, 4,
                          sizeof(ngx_http_ws_guard_limit_t))
           != NGX_OK)
    {
        return NULL;
    }

    return wmcf;
}


static void *
ngx_http_ws_guard_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_ws_guard_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ws_guard_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->origins = NULL;
     */

    conf->enable = NGX_CONF_UNSET;
    conf->dry_run = NGX_CONF_UNSET;
    conf->log_level = NGX_CONF_UNSET_UINT;
    conf->origin_missing = NGX_CONF_UNSET_UINT;
    conf->require_tls = NGX_CONF_UNSET;
    conf->subprotocols = NGX_CONF_UNSET_PTR;
    conf->deflate = NGX_CONF_UNSET_UINT;

    ngx_http_ws_guard_jwt_create_conf(&conf->jwt);

    conf->utf8 = NGX_CONF_UNSET;
    conf->max_frame_size = NGX_CONF_UNSET;
    conf->max_message_size = NGX_CONF_UNSET;
    conf->max_lifetime = NGX_CONF_UNSET_MSEC;
    conf->idle_timeout = NGX_CONF_UNSET_MSEC;
    conf->read_ahead = NGX_CONF_UNSET_SIZE;

    ngx_http_ws_guard_message_create_conf(&conf->message);

    ngx_http_ws_guard_rate_create_conf(&conf->rate);

    return conf;
}


static char *
ngx_http_ws_guard_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_ws_guard_loc_conf_t *prev = parent;
    ngx_http_ws_guard_loc_conf_t *conf = child;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_value(conf->dry_run, prev->dry_run, 0);
    ngx_conf_merge_uint_value(conf->log_level, prev->log_level, NGX_LOG_ERR);

    if (ngx_http_ws_guard_merge_origins(cf, prev, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_uint_value(conf->origin_missing, prev->origin_missing, 0);
    ngx_conf_merge_value(conf->require_tls, prev->require_tls, 0);
    ngx_conf_merge_ptr_value(conf->subprotocols, prev->subprotocols, NULL);
    ngx_conf_merge_uint_value(conf->deflate, prev->deflate,
                              NGX_HTTP_WS_GUARD_DEFLATE_STRIP);

    if (ngx_http_ws_guard_jwt_merge_conf(cf, &prev->jwt, &conf->jwt)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_value(conf->utf8, prev->utf8, 1);
    ngx_conf_merge_off_value(conf->max_frame_size, prev->max_frame_size, 0);
    ngx_conf_merge_off_value(conf->max_message_size, prev->max_message_size,
                             1024 * 1024);
    ngx_conf_merge_bitmask_value(conf->message_types, prev->message_types,
                                 (NGX_CONF_BITMASK_SET
                                  |NGX_WS_GUARD_FRAME_TEXT
                                  |NGX_WS_GUARD_FRAME_BINARY));
    ngx_conf_merge_msec_value(conf->max_lifetime, prev->max_lifetime, 0);
    ngx_conf_merge_msec_value(conf->idle_timeout, prev->idle_timeout, 0);
    ngx_conf_merge_size_value(conf->read_ahead, prev->read_ahead,
                              NGX_HTTP_WS_GUARD_READ_AHEAD);

    if (ngx_http_ws_guard_message_merge_conf(cf, &prev->message,
                                             &conf->message)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_ws_guard_rate_merge_conf(cf, &prev->rate, &conf->rate)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_ws_guard_subprotocols(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ws_guard_loc_conf_t *wlcf = conf;

    ngx_str_t   *value, *s;
    ngx_uint_t   i, j;

    if (wlcf->subprotocols != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    wlcf->subprotocols = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                          sizeof(ngx_str_t));
    if (wlcf->subprotocols == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        /* a subprotocol is an RFC 7230 token */

        for (j = 0; j < value[i].len; j++) {
            if (value[i].data[j] <= 0x20 || value[i].data[j] >= 0x7f
                || ngx_strchr("()<>@,;:\\\"/[]?={}", value[i].data[j]))
            {
                break;
            }
        }

        if (value[i].len == 0 || j != value[i].len) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\": "
                               "a subprotocol must be a token", &value[i]);
            return NGX_CONF_ERROR;
        }

        s = ngx_array_push(wlcf->subprotocols);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        *s = value[i];
    }

    return NGX_CONF_OK;
}


/* a list of strings; the directive may repeat and the entries add up */

char *
ngx_http_ws_guard_conf_set_str_list(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    char  *p = conf;

    ngx_str_t     *value, *s;
    ngx_uint_t     i;
    ngx_array_t  **a;

    a = (ngx_array_t **) (p + cmd->offset);

    if (*a == NGX_CONF_UNSET_PTR || *a == NULL) {
        *a = ngx_array_create(cf->pool, 4, sizeof(ngx_str_t));
        if (*a == NULL) {
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

        s = ngx_array_push(*a);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        *s = value[i];
    }

    return NGX_CONF_OK;
}


/* a size up to NGX_HTTP_WS_GUARD_READ_AHEAD_MAX, or "off" (0) */

static char *
ngx_http_ws_guard_read_ahead(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ws_guard_loc_conf_t *wlcf = conf;

    ssize_t     size;
    ngx_str_t  *value;

    if (wlcf->read_ahead != NGX_CONF_UNSET_SIZE) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        wlcf->read_ahead = 0;
        return NGX_CONF_OK;
    }

    size = ngx_parse_size(&value[1]);

    if (size == NGX_ERROR || size == 0
        || size > NGX_HTTP_WS_GUARD_READ_AHEAD_MAX)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\": a size from 1 to "
                           "%uzk, or \"off\"", &value[1],
                           (size_t) NGX_HTTP_WS_GUARD_READ_AHEAD_MAX / 1024);
        return NGX_CONF_ERROR;
    }

    wlcf->read_ahead = size;

    return NGX_CONF_OK;
}


/* a time in milliseconds, or "off" (0) */

char *
ngx_http_ws_guard_conf_set_msec_off(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    char  *p = conf;

    ngx_str_t   *value;
    ngx_msec_t  *msp;

    msp = (ngx_msec_t *) (p + cmd->offset);

    if (*msp != NGX_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        *msp = 0;
        return NGX_CONF_OK;
    }

    *msp = ngx_parse_time(&value[1], 0);

    if (*msp == (ngx_msec_t) NGX_ERROR || *msp == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\": a time or \"off\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* a time in seconds, or "off" (0) */

char *
ngx_http_ws_guard_conf_set_sec_off(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    char  *p = conf;

    time_t     *sp;
    ngx_str_t  *value;

    sp = (time_t *) (p + cmd->offset);

    if (*sp != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        *sp = 0;
        return NGX_CONF_OK;
    }

    *sp = ngx_parse_time(&value[1], 1);

    if (*sp == (time_t) NGX_ERROR || *sp == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\": a time or \"off\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_ws_guard_preconfiguration(ngx_conf_t *cf)
{
    if (ngx_http_ws_guard_add_variables(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_ws_guard_jwt_add_variables(cf);
}


static ngx_int_t
ngx_http_ws_guard_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_ws_guard_access_handler;

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_ws_guard_header_filter;

    if (ngx_http_ws_guard_rate_postconfiguration(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_ws_guard_status_postconfiguration(cf);
}
