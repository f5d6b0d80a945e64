
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Helpers shared by the benchmark's load generator (ws_load.c) and echo
 * backend (ws_echo.c): clocks, a small PRNG, base64, the RFC 6455 accept
 * key (SHA-1 through OpenSSL's EVP interface), masking, sockets.
 */

#ifndef WS_BENCH_H
#define WS_BENCH_H


#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <openssl/evp.h>


#define WS_GUID  "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* the longest frame header: 2 + 8 (64-bit length) + 4 (mask key) */
#define WS_MAX_HEADER  14

#define WS_OP_CONT    0x0
#define WS_OP_TEXT    0x1
#define WS_OP_BINARY  0x2
#define WS_OP_CLOSE   0x8
#define WS_OP_PING    0x9
#define WS_OP_PONG    0xa


static inline void
ws_die(const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}


static inline uint64_t
ws_now_ns(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}


/* splitmix64: a fast generator for mask keys; not for cryptography */

static inline uint64_t
ws_rand(uint64_t *state)
{
    uint64_t  z;

    z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;

    return z ^ (z >> 31);
}


static inline uint64_t
ws_seed(void)
{
    uint64_t  s;

    if (getrandom(&s, sizeof(s), 0) != (ssize_t) sizeof(s)) {
        s = ws_now_ns() ^ ((uint64_t) getpid() << 32);
    }

    return s;
}


/* writes the base64 of len bytes and a NUL; out holds 4 * ceil(len/3) + 1 */

static inline void
ws_base64(char *out, const unsigned char *in, size_t len)
{
    size_t       i;
    uint32_t     v;

    static const char  tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    for (i = 0; i + 3 <= len; i += 3) {
        v = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8 | in[i + 2];
        *out++ = tab[v >> 18];
        *out++ = tab[(v >> 12) & 63];
        *out++ = tab[(v >> 6) & 63];
        *out++ = tab[v & 63];
    }

    if (len - i == 1) {
        v = (uint32_t) in[i] << 16;
        *out++ = tab[v >> 18];
        *out++ = tab[(v >> 12) & 63];
        *out++ = '=';
        *out++ = '=';

    } else if (len - i == 2) {
        v = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8;
        *out++ = tab[v >> 18];
        *out++ = tab[(v >> 12) & 63];
        *out++ = tab[(v >> 6) & 63];
        *out++ = '=';
    }

    *out = '\0';
}


/*
 * The Sec-WebSocket-Accept value for a key: base64(SHA-1(key + GUID)),
 * 28 characters and a NUL in out.  Returns -1 on an OpenSSL failure.
 */

static inline int
ws_accept_key(char out[29], const char *key, size_t key_len)
{
    char           buf[128];
    unsigned int   md_len;
    unsigned char  md[EVP_MAX_MD_SIZE];

    if (key_len + sizeof(WS_GUID) > sizeof(buf)) {
        return -1;
    }

    memcpy(buf, key, key_len);
    memcpy(buf + key_len, WS_GUID, sizeof(WS_GUID) - 1);

    if (EVP_Digest(buf, key_len + sizeof(WS_GUID) - 1, md, &md_len,
                   EVP_sha1(), NULL) != 1
        || md_len != 20)
    {
        return -1;
    }

    ws_base64(out, md, 20);

    return 0;
}


/*
 * dst = src XOR the mask key, the key starting at byte off of itself.
 * Masking and unmasking are the same operation; dst may equal src.
 */

static inline void
ws_mask_copy(unsigned char *dst, const unsigned char *src, size_t n,
    const unsigned char key[4], size_t off)
{
    size_t         i;
    uint64_t       k64, v;
    unsigned char  k[8];

    for (i = 0; i < 8; i++) {
        k[i] = key[(off + i) & 3];
    }

    memcpy(&k64, k, 8);

    for (i = 0; i + 8 <= n; i += 8) {
        memcpy(&v, src + i, 8);
        v ^= k64;
        memcpy(dst + i, &v, 8);
    }

    for ( /* void */ ; i < n; i++) {
        dst[i] = src[i] ^ k[i & 7];
    }
}


/*
 * Writes a frame header (FIN set) for a payload of len bytes into out and
 * returns its length; with key, the mask bit and the key are written too.
 */

static inline size_t
ws_frame_header(unsigned char *out, unsigned opcode, uint64_t len,
    const unsigned char *key)
{
    size_t    n;
    unsigned  mask, i;

    mask = key ? 0x80 : 0;
    out[0] = 0x80 | (opcode & 0x0f);

    if (len < 126) {
        out[1] = mask | (unsigned char) len;
        n = 2;

    } else if (len < 65536) {
        out[1] = mask | 126;
        out[2] = (unsigned char) (len >> 8);
        out[3] = (unsigned char) len;
        n = 4;

    } else {
        out[1] = mask | 127;
        for (i = 0; i < 8; i++) {
            out[2 + i] = (unsigned char) (len >> (56 - 8 * i));
        }
        n = 10;
    }

    if (key) {
        memcpy(out + n, key, 4);
        n += 4;
    }

    return n;
}


/*
 * Parses a frame header at p (avail bytes).  Returns its length, 0 when
 * more bytes are needed.
 */

static inline size_t
ws_parse_header(const unsigned char *p, size_t avail, unsigned *fin,
    unsigned *opcode, unsigned *masked, uint64_t *len, unsigned char key[4])
{
    size_t    need, i;
    uint64_t  l;

    if (avail < 2) {
        return 0;
    }

    *fin = p[0] >> 7;
    *opcode = p[0] & 0x0f;
    *masked = p[1] >> 7;
    l = p[1] & 0x7f;

    need = 2 + (l == 126 ? 2 : l == 127 ? 8 : 0) + (*masked ? 4 : 0);

    if (avail < need) {
        return 0;
    }

    if (l == 126) {
        l = (uint64_t) p[2] << 8 | p[3];
        i = 4;

    } else if (l == 127) {
        l = 0;
        for (i = 2; i < 10; i++) {
            l = l << 8 | p[i];
        }

    } else {
        i = 2;
    }

    if (*masked) {
        memcpy(key, p + i, 4);
    }

    *len = l;

    return need;
}


static inline int
ws_nonblock(int fd)
{
    int  flags;

    flags = fcntl(fd, F_GETFL);

    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}


static inline void
ws_nodelay(int fd)
{
    int  one = 1;

    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}


/* the value of header name in an HTTP head (NUL-terminated), or NULL */

static inline const char *
ws_header(const char *head, const char *name, size_t *value_len)
{
    size_t       n;
    const char  *p, *e;

    n = strlen(name);

    for (p = strstr(head, "\r\n"); p != NULL; p = strstr(p, "\r\n")) {
        p += 2;

        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            p += n + 1;
            while (*p == ' ' || *p == '\t') {
                p++;
            }

            e = strstr(p, "\r\n");
            if (e == NULL) {
                return NULL;
            }

            while (e > p && (e[-1] == ' ' || e[-1] == '\t')) {
                e--;
            }

            *value_len = e - p;
            return p;
        }
    }

    return NULL;
}


#endif /* WS_BENCH_H */
