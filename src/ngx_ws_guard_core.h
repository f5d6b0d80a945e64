
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Shared definitions of the core code: parsers, validators and crypto that
 * include no nginx header, so that they can be unit-tested and fuzzed alone.
 * Return codes mirror nginx's.
 */


#ifndef _NGX_WS_GUARD_CORE_H_INCLUDED_
#define _NGX_WS_GUARD_CORE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <string.h>


#define NGX_WS_GUARD_OK        0
#define NGX_WS_GUARD_ERROR    -1
#define NGX_WS_GUARD_AGAIN    -2
#define NGX_WS_GUARD_DECLINED -5


/* WebSocket close codes (RFC 6455, section 7.4.1) */

#define NGX_WS_GUARD_CLOSE_NORMAL        1000
#define NGX_WS_GUARD_CLOSE_GOING_AWAY    1001
#define NGX_WS_GUARD_CLOSE_PROTOCOL      1002
#define NGX_WS_GUARD_CLOSE_UNSUPPORTED   1003
#define NGX_WS_GUARD_CLOSE_INVALID_DATA  1007
#define NGX_WS_GUARD_CLOSE_POLICY        1008
#define NGX_WS_GUARD_CLOSE_TOO_BIG       1009
#define NGX_WS_GUARD_CLOSE_INTERNAL      1011


#endif /* _NGX_WS_GUARD_CORE_H_INCLUDED_ */
