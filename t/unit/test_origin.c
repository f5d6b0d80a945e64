
/*
 * Copyright (C) ngx_ws_guard authors
 */


#include "ngx_ws_guard_origin.h"
#include "unit.h"


static int
parse(const char *in, const char *want)
{
    unsigned char          buf[NGX_WS_GUARD_ORIGIN_MAX + 16];
    const char            *reason;
    ngx_ws_guard_origin_t  o;

    if (ngx_ws_guard_origin_parse((const unsigned char *) in, strlen(in), buf,
                                  &o, &reason)
        != NGX_WS_GUARD_OK)
    {
        return want == NULL;
    }

    if (want == NULL) {
        fprintf(stderr, "\"%s\" parsed as \"%s\", expected an error\n",
                in, o.text);
        return 0;
    }

    if (strlen(want) != o.text_len || memcmp(want, o.text, o.text_len) != 0) {
        fprintf(stderr, "\"%s\" parsed as \"%s\", expected \"%s\"\n",
                in, o.text, want);
        return 0;
    }

    return 1;
}


static int
wild(const char *host, const char *suffix)
{
    return ngx_ws_guard_origin_wildcard_match((const unsigned char *) host,
                                              strlen(host),
                                              (const unsigned char *) suffix,
                                              strlen(suffix));
}


int
main(void)
{
    unsigned char          a_buf[64], b_buf[64];
    const char            *reason;
    ngx_ws_guard_origin_t  a, b;

    /* serialization: lowercase, default ports elided */

    CHECK(parse("https://app.example.com", "https://app.example.com"));
    CHECK(parse("HTTPS://App.Example.COM", "https://app.example.com"));
    CHECK(parse("https://app.example.com:443", "https://app.example.com"));
    CHECK(parse("http://app.example.com:80", "http://app.example.com"));
    CHECK(parse("http://app.example.com:443", "http://app.example.com:443"));
    CHECK(parse("https://app.example.com:8443",
                "https://app.example.com:8443"));
    CHECK(parse("https://[::1]:8443", "https://[::1]:8443"));
    CHECK(parse("https://[FE80::1]", "https://[fe80::1]"));
    CHECK(parse("http://127.0.0.1:8080", "http://127.0.0.1:8080"));
    CHECK(parse("chrome-extension://abcdef", "chrome-extension://abcdef"));

    /* not origins */

    CHECK(parse("", NULL));
    CHECK(parse("null", NULL));
    CHECK(parse("example.com", NULL));
    CHECK(parse("https://", NULL));
    CHECK(parse("https://example.com/", NULL));
    CHECK(parse("https://example.com/path", NULL));
    CHECK(parse("https://user@example.com", NULL));
    CHECK(parse("https://example.com:", NULL));
    CHECK(parse("https://example.com:0", NULL));
    CHECK(parse("https://example.com:65536", NULL));
    CHECK(parse("https://example.com:99999999999999999999", NULL));
    CHECK(parse("https://example.com:12a", NULL));
    CHECK(parse("https://.example.com", NULL));
    CHECK(parse("https://a..example.com", NULL));
    CHECK(parse("https://exa mple.com", NULL));
    CHECK(parse("https://[::1", NULL));
    CHECK(parse("https://[]", NULL));
    CHECK(parse("https://[zz::1]", NULL));
    CHECK(parse("1https://example.com", NULL));
    CHECK(parse("https:/example.com", NULL));
    CHECK(parse("https://example.com\r\n", NULL));

    /* wildcards */

    CHECK(wild("app.example.com", ".example.com") == 1);
    CHECK(wild("a.b.example.com", ".example.com") == 1);
    CHECK(wild("example.com", ".example.com") == 0);
    CHECK(wild("evilexample.com", ".example.com") == 0);
    CHECK(wild("evil-example.com", ".example.com") == 0);
    CHECK(wild("example.com.evil.net", ".example.com") == 0);
    CHECK(wild("app.example.com.evil.net", ".example.com") == 0);
    CHECK(wild(".example.com", ".example.com") == 0);
    CHECK(wild("x.example.com", "example.com") == 0);

    /* equality */

    CHECK(ngx_ws_guard_origin_parse((const unsigned char *) "HTTPS://A.B:443",
                                    15, a_buf, &a, &reason)
          == NGX_WS_GUARD_OK);
    CHECK(ngx_ws_guard_origin_parse((const unsigned char *) "https://a.b", 11,
                                    b_buf, &b, &reason)
          == NGX_WS_GUARD_OK);
    CHECK(ngx_ws_guard_origin_equal(&a, &b) == 1);
    CHECK_EQ_INT(a.port, 443);

    CHECK(ngx_ws_guard_origin_parse((const unsigned char *) "http://a.b", 10,
                                    b_buf, &b, &reason)
          == NGX_WS_GUARD_OK);
    CHECK(ngx_ws_guard_origin_equal(&a, &b) == 0);
    CHECK_EQ_INT(b.port, 80);

    return unit_done("origin");
}
