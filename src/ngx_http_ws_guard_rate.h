
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Configuration of rates and connection counts (section 6) and of the
 * status handler (section 8).
 */


#ifndef _NGX_HTTP_WS_GUARD_RATE_H_INCLUDED_
#define _NGX_HTTP_WS_GUARD_RATE_H_INCLUDED_


/* direction= bits: which peer's frames a limit counts */
#define NGX_HTTP_WS_GUARD_DIR_CLIENT     1
#define NGX_HTTP_WS_GUARD_DIR_SERVER     2
#define NGX_HTTP_WS_GUARD_DIR_BOTH       3

/* ws_guard_limit_action */
#define NGX_HTTP_WS_GUARD_LIMIT_CLOSE    1
#define NGX_HTTP_WS_GUARD_LIMIT_DROP     2
#define NGX_HTTP_WS_GUARD_LIMIT_DELAY    3

/* ws_guard_status */
#define NGX_HTTP_WS_GUARD_STATUS_JSON    1
#define NGX_HTTP_WS_GUARD_STATUS_PROM    2


/*
 * Rates are kept as 1/1000 units per second (1000 is 1r/s or 1 byte/s,
 * 600r/m is 10000), bucket levels as 1/1000000 units: then a rate times
 * the milliseconds elapsed is exactly what a bucket drains meanwhile.
 */

typedef struct {
    uint64_t                    messages;    /* 0: no message rate */
    uint64_t                    bytes;       /* 0: no byte rate */
} ngx_http_ws_guard_rates_t;


/* one ws_guard_rate: per-connection token buckets */

typedef struct {
    ngx_http_ws_guard_rates_t   rates;
    ngx_uint_t                  burst;       /* messages; UNSET: 1 s */
    ngx_uint_t                  direction;   /* NGX_HTTP_WS_GUARD_DIR_* */
} ngx_http_ws_guard_rate_t;


/* one ws_guard_limit: a zone applied here */

typedef struct {
    ngx_shm_zone_t             *shm_zone;
    ngx_uint_t                  burst;       /* messages; UNSET: 1 s */
    ngx_uint_t                  direction;
    u_char                     *file;        /* where it was configured, */
    ngx_uint_t                  line;        /* for an unknown zone */
} ngx_http_ws_guard_limit_t;


typedef struct {
    ngx_array_t                *limits;      /* ws_guard_limit entries */
    ngx_array_t                *rates;       /* ws_guard_rate entries */
    ngx_uint_t                  action;      /* ws_guard_limit_action */
    ngx_uint_t                  status;      /* ws_guard_limit_status */
    ngx_uint_t                  status_format; /* ws_guard_status */
} ngx_http_ws_guard_rate_conf_t;


typedef struct {
    ngx_array_t                 zones;       /* of ngx_shm_zone_t * */
    ngx_array_t                 limits;      /* every ws_guard_limit */
    ngx_shm_zone_t             *status;      /* the counters */

    /*
     * the token's header fields and claims that a variable of the
     * configuration names ($ws_guard_jwt_header_NAME and _claim_NAME): what
     * a connection keeps of its token once upgraded (of ngx_str_t; NULL:
     * none), set when the configuration is complete
     */
    ngx_array_t                *jwt_headers;
    ngx_array_t                *jwt_claims;
} ngx_http_ws_guard_main_conf_t;


void ngx_http_ws_guard_rate_create_conf(ngx_http_ws_guard_rate_conf_t *conf);
char *ngx_http_ws_guard_rate_merge_conf(ngx_conf_t *cf,
    ngx_http_ws_guard_rate_conf_t *prev, ngx_http_ws_guard_rate_conf_t *conf);
char *ngx_http_ws_guard_rate_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ws_guard_limit_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ws_guard_limit_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_ws_guard_rate_postconfiguration(ngx_conf_t *cf);

/* a limit zone's figures for the status handler */
void ngx_http_ws_guard_zone_stats(ngx_shm_zone_t *shm_zone, ngx_uint_t *keys,
    ngx_uint_t *conns, ngx_uint_t *full);

char *ngx_http_ws_guard_status_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_ws_guard_status_postconfiguration(ngx_conf_t *cf);


#endif /* _NGX_HTTP_WS_GUARD_RATE_H_INCLUDED_ */
