
/*
 * Copyright (C) ngx_ws_guard authors
 */


#include <stdio.h>

#include "ngx_ws_guard_origin.h"


static unsigned char ngx_ws_guard_origin_lower(unsigned char ch);
static int ngx_ws_guard_origin_host_char(unsigned char ch);


unsigned
ngx_ws_guard_origin_default_port(const unsigned char *scheme, size_t len)
{
    if (len == 4 && memcmp(scheme, "http", 4) == 0) {
        return 80;
    }

    if (len == 5 && memcmp(scheme, "https", 5) == 0) {
        return 443;
    }

    if (len == 2 && memcmp(scheme, "ws", 2) == 0) {
        return 80;
    }

    if (len == 3 && memcmp(scheme, "wss", 3) == 0) {
        return 443;
    }

    return 0;
}


int
ngx_ws_guard_origin_parse(const unsigned char *s, size_t len,
    unsigned char *out, ngx_ws_guard_origin_t *o, const char **reason)
{
    size_t                i, start;
    unsigned              port, def;
    unsigned char         ch, *p;
    const unsigned char  *end;

    memset(o, 0, sizeof(ngx_ws_guard_origin_t));

    if (len == 0 || len > NGX_WS_GUARD_ORIGIN_MAX) {
        *reason = "bad length";
        return NGX_WS_GUARD_ERROR;
    }

    end = s + len;
    p = out;

    /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */

    for (i = 0; i < len; i++) {
        ch = ngx_ws_guard_origin_lower(s[i]);

        if (ch >= 'a' && ch <= 'z') {
            *p++ = ch;
            continue;
        }

        if (i > 0
            && ((ch >= '0' && ch <= '9') || ch == '+' || ch == '-'
                || ch == '.'))
        {
            *p++ = ch;
            continue;
        }

        break;
    }

    if (i == 0 || len - i < 3 || memcmp(s + i, "://", 3) != 0) {
        *reason = "no scheme";
        return NGX_WS_GUARD_ERROR;
    }

    o->scheme = out;
    o->scheme_len = i;

    p = (unsigned char *) memcpy(p, "://", 3) + 3;
    s += i + 3;

    /* host */

    o->host = p;
    start = 0;

    if (s < end && *s == '[') {
        o->ip_literal = 1;
        *p++ = *s++;

        while (s < end && *s != ']') {
            ch = ngx_ws_guard_origin_lower(*s);

            if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')
                  || ch == ':' || ch == '.'))
            {
                *reason = "bad IPv6 literal";
                return NGX_WS_GUARD_ERROR;
            }

            *p++ = ch;
            s++;
            start++;
        }

        if (s == end || start < 2) {
            *reason = "bad IPv6 literal";
            return NGX_WS_GUARD_ERROR;
        }

        *p++ = *s++;

    } else {
        while (s < end && *s != ':') {
            ch = ngx_ws_guard_origin_lower(*s);

            if (!ngx_ws_guard_origin_host_char(ch)) {
                *reason = "bad host";
                return NGX_WS_GUARD_ERROR;
            }

            *p++ = ch;
            s++;
            start++;
        }

        if (start == 0) {
            *reason = "no host";
            return NGX_WS_GUARD_ERROR;
        }

        /* a host never starts with "." nor has an empty label */

        if (o->host[0] == '.') {
            *reason = "bad host";
            return NGX_WS_GUARD_ERROR;
        }

        for (i = 1; i < start; i++) {
            if (o->host[i] == '.' && o->host[i - 1] == '.') {
                *reason = "bad host";
                return NGX_WS_GUARD_ERROR;
            }
        }
    }

    o->host_len = p - o->host;

    /* port */

    def = ngx_ws_guard_origin_default_port(o->scheme, o->scheme_len);
    port = def;

    if (s < end) {
        if (*s != ':' || s + 1 == end) {
            *reason = "bad port";
            return NGX_WS_GUARD_ERROR;
        }

        s++;
        port = 0;

        while (s < end) {
            if (*s < '0' || *s > '9') {
                *reason = "bad port";
                return NGX_WS_GUARD_ERROR;
            }

            port = port * 10 + (*s - '0');

            if (port > 65535) {
                *reason = "bad port";
                return NGX_WS_GUARD_ERROR;
            }

            s++;
        }

        if (port == 0) {
            *reason = "bad port";
            return NGX_WS_GUARD_ERROR;
        }

        if (port != def) {
            p += sprintf((char *) p, ":%u", port);
        }
    }

    *p = '\0';

    o->port = port;
    o->text = out;
    o->text_len = p - out;

    return NGX_WS_GUARD_OK;
}


int
ngx_ws_guard_origin_wildcard_match(const unsigned char *host,
    size_t host_len, const unsigned char *suffix, size_t suffix_len)
{
    if (host_len <= suffix_len || suffix_len < 2 || suffix[0] != '.') {
        return 0;
    }

    if (host[host_len - suffix_len - 1] == '.') {
        /* "..example.com" cannot come from the parser; be strict anyway */
        return 0;
    }

    return memcmp(host + host_len - suffix_len, suffix, suffix_len) == 0;
}


int
ngx_ws_guard_origin_equal(const ngx_ws_guard_origin_t *a,
    const ngx_ws_guard_origin_t *b)
{
    return a->scheme_len == b->scheme_len
           && memcmp(a->scheme, b->scheme, a->scheme_len) == 0
           && a->host_len == b->host_len
           && memcmp(a->host, b->host, a->host_len) == 0
           && a->port == b->port;
}


static unsigned char
ngx_ws_guard_origin_lower(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') ? (unsigned char) (ch | 0x20) : ch;
}


static int
ngx_ws_guard_origin_host_char(unsigned char ch)
{
    /* lowercased letters, digits, "-", "." and "_" (seen in real hosts) */

    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')
           || ch == '-' || ch == '.' || ch == '_';
}
