
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Counters behind ws_guard_status (section 8).
 */


#ifndef _NGX_HTTP_WS_GUARD_STATUS_H_INCLUDED_
#define _NGX_HTTP_WS_GUARD_STATUS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ws_guard.h"


/*
 * a connection adds its traffic to the counters as it comes (bytes when
 * read, frames and messages when parsed), so it keeps no copy of them
 */


#endif /* _NGX_HTTP_WS_GUARD_STATUS_H_INCLUDED_ */
