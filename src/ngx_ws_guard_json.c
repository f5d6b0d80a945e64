
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * The streaming JSON parser (see ngx_ws_guard_json.h).
 *
 * Two small state machines: the grammar (state: what may come next between
 * tokens) and the lexer (lex: inside which token, and where in it).  The
 * lexer's state is all that a token cut by a chunk's end needs, so no byte
 * is ever looked at twice.  String bodies are skipped 64 bytes at a time
 * with AVX2 (escapes of one character inside), else 16 at a time, up to
 * the next quote, backslash or control character.
 */


#include <stdlib.h>

#if defined __SSE2__
#include <emmintrin.h>
#endif

#if !defined NGX_WS_GUARD_UTF8_PORTABLE && defined __x86_64__                \
    && (defined __GNUC__ || defined __clang__)
#define NGX_WS_GUARD_JSON_AVX2  1
#include <immintrin.h>
#endif

#include "ngx_ws_guard_json.h"


/* the grammar, between tokens */
#define S_VALUE         0      /* a value (at the top, after ':' or ',') */
#define S_FIRST_ELEM    1      /* after '[': a value or ']' */
#define S_FIRST_KEY     2      /* after '{': a name or '}' */
#define S_KEY           3      /* after ',' in an object: a name */
#define S_COLON         4      /* after a name */
#define S_AFTER         5      /* after a member or element: ',' or close */

/* the lexer, inside a token */
#define L_NONE          0
#define L_STR           1      /* a string's body */
#define L_ESC           2      /* after a backslash */
#define L_HEX           3      /* in the four digits of \u */
#define L_PAIR_BS       4      /* after a high surrogate: '\' of its pair? */
#define L_PAIR_U        5      /* after a high surrogate and '\': 'u'? */
#define L_NUM_MINUS     6      /* numbers (RFC 8259, section 6) */
#define L_NUM_ZERO      7
#define L_NUM_INT       8
#define L_NUM_DOT       9
#define L_NUM_FRAC      10
#define L_NUM_E         11
#define L_NUM_ESIGN     12
#define L_NUM_EXP       13
#define L_TRUE          14
#define L_FALSE         15
#define L_NULL          16

#define ngx_ws_guard_json_is_number(lex)                                     \
    ((lex) >= L_NUM_MINUS && (lex) <= L_NUM_EXP)

/* a number may end in these states */
#define ngx_ws_guard_json_number_ends(lex)                                   \
    ((lex) == L_NUM_ZERO || (lex) == L_NUM_INT || (lex) == L_NUM_FRAC        \
     || (lex) == L_NUM_EXP)

/* room for the bytes a token decodes to beyond its raw length */
#define NGX_WS_GUARD_JSON_SLACK  8


/* the escapes of one character after the backslash, but \u */
#define ngx_ws_guard_json_simple_escape(c)                                    \
    ((c) == '"' || (c) == '\\' || (c) == '/' || (c) == 'b' || (c) == 'f'     \
     || (c) == 'n' || (c) == 'r' || (c) == 't')


static void *ngx_ws_guard_json_default_alloc(void *data, size_t size);
static void ngx_ws_guard_json_default_free(void *data, void *p);
static int ngx_ws_guard_json_fail(ngx_ws_guard_json_t *j, unsigned error,
    const char *detail, size_t offset);
static int ngx_ws_guard_json_unexpected(ngx_ws_guard_json_t *j,
    size_t offset);
static int ngx_ws_guard_json_stop(ngx_ws_guard_json_t *j);
static int ngx_ws_guard_json_grow(ngx_ws_guard_json_t *j, size_t need);
static inline int ngx_ws_guard_json_append(ngx_ws_guard_json_t *j,
    const unsigned char *p, size_t len);
static uint32_t ngx_ws_guard_json_hex4(const unsigned char *p);
static int ngx_ws_guard_json_chunk(ngx_ws_guard_json_t *j,
    const unsigned char *p, size_t len);
static size_t ngx_ws_guard_json_utf8(uint32_t cp, unsigned char *b);

/* the bytes that may begin a token, by what they begin */
enum {
    C_OTHER = 0,
    C_SPACE,
    C_QUOTE,
    C_NUMBER,
    C_LITERAL,
    C_OPEN,
    C_CLOSE,
    C_COMMA,
    C_COLON
};

static const unsigned char  ngx_ws_guard_json_class[256] = {
    ['\t'] = C_SPACE, ['\n'] = C_SPACE, ['\r'] = C_SPACE, [' '] = C_SPACE,
    ['"'] = C_QUOTE,
    ['-'] = C_NUMBER, ['0'] = C_NUMBER, ['1'] = C_NUMBER, ['2'] = C_NUMBER,
    ['3'] = C_NUMBER, ['4'] = C_NUMBER, ['5'] = C_NUMBER, ['6'] = C_NUMBER,
    ['7'] = C_NUMBER, ['8'] = C_NUMBER, ['9'] = C_NUMBER,
    ['t'] = C_LITERAL, ['f'] = C_LITERAL, ['n'] = C_LITERAL,
    ['{'] = C_OPEN, ['['] = C_OPEN,
    ['}'] = C_CLOSE, [']'] = C_CLOSE,
    [','] = C_COMMA,
    [':'] = C_COLON
};

#if defined __SSE2__
static inline unsigned ngx_ws_guard_json_special16(__m128i in);
static inline unsigned ngx_ws_guard_json_cont16(__m128i in);
static inline unsigned ngx_ws_guard_json_bits16(unsigned x);
#endif
#if (NGX_WS_GUARD_JSON_AVX2)

/*
 * what the AVX2 scan took: returned by value, so that the counts of the
 * caller, which goes on with them, stay in registers
 */
typedef struct {
    size_t                    taken;
    size_t                    cont;
    size_t                    esc;
    int                       stopped;
} ngx_ws_guard_json_span_t;

static ngx_ws_guard_json_span_t ngx_ws_guard_json_span_avx2(
    const unsigned char *p, size_t len);
#endif
static size_t ngx_ws_guard_json_span(const unsigned char *p, size_t len,
    int escapes, size_t *cont_out, size_t *esc_out);

static int ngx_ws_guard_json_utf8_check(ngx_ws_guard_json_t *j,
    const unsigned char *p, size_t n, size_t at);
static size_t ngx_ws_guard_json_string(ngx_ws_guard_json_t *j,
    const unsigned char *p, size_t len, size_t i, size_t start);
static size_t ngx_ws_guard_json_number(ngx_ws_guard_json_t *j,
    const unsigned char *p, size_t len, size_t i, size_t start);
static size_t ngx_ws_guard_json_literal(ngx_ws_guard_json_t *j,
    const unsigned char *p, size_t len, size_t i);
static int ngx_ws_guard_json_value_done(ngx_ws_guard_json_t *j);
static inline void ngx_ws_guard_json_string_done(ngx_ws_guard_json_t *j,
    const unsigned char *s, size_t len);
static inline void ngx_ws_guard_json_number_done(ngx_ws_guard_json_t *j,
    const unsigned char *s, size_t len);


static const char  *ngx_ws_guard_json_literals[] = {
    "true", "false", "null"
};

static const unsigned char  ngx_ws_guard_json_literal_len[] = { 4, 5, 4 };


/* the lexer's state after a byte of a number, 0 where the number ends */

static unsigned
ngx_ws_guard_json_num_next(unsigned lex, unsigned c)
{
    unsigned  digit;

    digit = (c - '0' < 10);

    switch (lex) {

    case L_NUM_MINUS:
        return digit ? ((c == '0') ? L_NUM_ZERO : L_NUM_INT) : 0;

    case L_NUM_ZERO:
        return (c == '.') ? L_NUM_DOT : ((c | 0x20) == 'e') ? L_NUM_E : 0;

    case L_NUM_INT:
        return digit ? L_NUM_INT
                     : (c == '.') ? L_NUM_DOT
                                  : ((c | 0x20) == 'e') ? L_NUM_E : 0;

    case L_NUM_DOT:
        return digit ? L_NUM_FRAC : 0;

    case L_NUM_FRAC:
        return digit ? L_NUM_FRAC : ((c | 0x20) == 'e') ? L_NUM_E : 0;

    case L_NUM_E:
        return digit ? L_NUM_EXP : (c == '+' || c == '-') ? L_NUM_ESIGN : 0;

    default: /* L_NUM_ESIGN, L_NUM_EXP */
        return digit ? L_NUM_EXP : 0;
    }
}


int
ngx_ws_guard_json_init(ngx_ws_guard_json_t *j,
    const ngx_ws_guard_json_callbacks_t *cb, void *ctx,
    const ngx_ws_guard_json_allocator_t *allocator, size_t max_token,
    size_t max_depth, unsigned utf8)
{
    memset(j, 0, sizeof(ngx_ws_guard_json_t));

    j->cb = cb;
    j->ctx = ctx;

    if (allocator) {
        j->allocator = *allocator;

    } else {
        j->allocator.alloc = ngx_ws_guard_json_default_alloc;
        j->allocator.free = ngx_ws_guard_json_default_free;
        j->allocator.data = NULL;
    }

    j->max_token = max_token;
    j->max_depth = max_depth;
    j->utf8 = utf8 ? 1 : 0;

#if (NGX_WS_GUARD_JSON_AVX2)
    /* the scan's block code, chosen once here, not asked for per string */
    if (ngx_ws_guard_utf8_simd < 0) {
        (void) ngx_ws_guard_utf8_simd_level(-1);
    }
#endif

    j->stack = j->allocator.alloc(j->allocator.data, max_depth / 8 + 1);
    if (j->stack == NULL) {
        return NGX_WS_GUARD_ERROR;
    }

    ngx_ws_guard_json_reset(j);

    return NGX_WS_GUARD_OK;
}


void
ngx_ws_guard_json_reset(ngx_ws_guard_json_t *j)
{
    j->state = S_VALUE;
    j->lex = L_NONE;
    j->key = 0;
    j->copied = 0;
    j->done = 0;
    j->stopped = 0;
    j->error = 0;
    j->hex = 0;
    j->code = 0;
    j->high = 0;
    j->tok_len = 0;
    j->depth = 0;
    j->buf_len = 0;
    j->detail = NULL;
    j->offset = 0;

    ngx_ws_guard_utf8_init(&j->u);
}


void
ngx_ws_guard_json_free(ngx_ws_guard_json_t *j)
{
    if (j->stack) {
        j->allocator.free(j->allocator.data, j->stack);
        j->stack = NULL;
    }

    if (j->buf) {
        j->allocator.free(j->allocator.data, j->buf);
        j->buf = NULL;
    }

    j->buf_cap = 0;
    j->buf_len = 0;
}


static void *
ngx_ws_guard_json_default_alloc(void *data, size_t size)
{
    return malloc(size);
}


static void
ngx_ws_guard_json_default_free(void *data, void *p)
{
    free(p);
}


/*
 * With the UTF-8 to check (utf8 set), the whole chunk is checked first, at
 * the validator's speed.  Valid, its strings are valid (a quote cannot be
 * inside a sequence, and a byte outside a string is ASCII or a syntax
 * error), and the chunk is parsed as one checked already: escapes taken in
 * the spans.  Invalid, it is parsed from the state before, its strings
 * checked one span at a time, so that the error and its offset are the
 * same however the bytes came.
 */

int
ngx_ws_guard_json_feed(ngx_ws_guard_json_t *j, const unsigned char *p,
    size_t len)
{
    int                  rc;
    ngx_ws_guard_utf8_t  u;

    if (!j->utf8 || j->error || j->stopped) {
        return ngx_ws_guard_json_chunk(j, p, len);
    }

    u = j->u;

    if (ngx_ws_guard_utf8_validate(&j->u, p, len) != NGX_WS_GUARD_OK) {
        j->u = u;
        return ngx_ws_guard_json_chunk(j, p, len);
    }

    j->utf8 = 0;
    rc = ngx_ws_guard_json_chunk(j, p, len);
    j->utf8 = 1;

    return rc;
}


static int
ngx_ws_guard_json_chunk(ngx_ws_guard_json_t *j, const unsigned char *p,
    size_t len)
{
    size_t    i, start, end;
    unsigned  c, bit;
#if defined __SSE2__
    unsigned  m, cm, k, sh;
    __m128i   in;
#endif

    if (j->error) {
        return NGX_WS_GUARD_ERROR;
    }

    if (j->stopped) {
        return NGX_WS_GUARD_DECLINED;
    }

    i = 0;

    /* a token cut by the end of the chunk before goes on */

    if (j->lex != L_NONE) {

        if (j->lex <= L_PAIR_U) {
            i = ngx_ws_guard_json_string(j, p, len, 0, 0);

        } else if (j->lex <= L_NUM_EXP) {
            i = ngx_ws_guard_json_number(j, p, len, 0, 0);

        } else {
            i = ngx_ws_guard_json_literal(j, p, len, 0);
        }

        if (j->error || j->stopped) {
            goto failed;
        }
    }

    while (i < len) {

        c = p[i];

        switch (ngx_ws_guard_json_class[c]) {

        case C_SPACE:
            i++;
            continue;

        case C_QUOTE:

            if (j->state == S_FIRST_KEY || j->state == S_KEY) {
                j->key = 1;

            } else if (j->state == S_VALUE || j->state == S_FIRST_ELEM) {
                j->key = 0;

            } else {
                return ngx_ws_guard_json_unexpected(j, i);
            }

            j->escaped = 0;
            j->high = 0;
            j->copied = 0;
            j->buf_len = 0;

#if defined __SSE2__

            /*
             * a short string (a member name, a word) whole in the 16 bytes
             * after its quote and in the chunk, with no escape nor control
             * character, its UTF-8 checked before: reported at once, as
             * the string scan would
             */

            if (!j->utf8 && len >= 16) {

                if (len - i > 16) {
                    in = _mm_loadu_si128((const __m128i *) (p + i + 1));
                    m = ngx_ws_guard_json_special16(in);
                    cm = ngx_ws_guard_json_cont16(in);

                } else {
                    /* near the end of the chunk: its last 16 bytes */
                    sh = (unsigned) (i + 1 - (len - 16));
                    in = _mm_loadu_si128((const __m128i *) (p + len - 16));
                    m = ngx_ws_guard_json_special16(in) >> sh;
                    cm = ngx_ws_guard_json_cont16(in) >> sh;
                }

                k = m ? (unsigned) __builtin_ctz(m) : 16;

                if (k < 16 && p[i + 1 + k] == '"' && k <= j->max_token) {
                    j->tok_len = k;
                    j->cps = k - ngx_ws_guard_json_bits16(cm
                                                     & ((1u << k) - 1));

                    ngx_ws_guard_json_string_done(j, p + i + 1, k);
                    i += k + 2;

                    /* the callback's decode() may have failed */

                    if (j->error || j->stopped) {
                        goto failed;
                    }

                    continue;
                }
            }

#endif

            j->lex = L_STR;
            j->tok_len = 0;
            j->cps = 0;

            i = ngx_ws_guard_json_string(j, p, len, i + 1, i + 1);
            break;

        case C_NUMBER:

            if (j->state != S_VALUE && j->state != S_FIRST_ELEM) {
                return ngx_ws_guard_json_unexpected(j, i);
            }

            j->copied = 0;
            j->buf_len = 0;

            if (c != '-' && c != '0') {

                /*
                 * an integer that ends in the chunk, before anything that
                 * could go on with it (a fraction, an exponent): reported
                 * at once, as the number scan would
                 */

                for (end = i + 1;
                     end < len && (unsigned) p[end] - '0' < 10;
                     end++)
                {
                    /* void */
                }

                if (end < len && p[end] != '.'
                    && (p[end] | 0x20) != 'e'
                    && end - i <= j->max_token)
                {
                    j->tok_len = end - i;
                    ngx_ws_guard_json_number_done(j, p + i, end - i);
                    i = end;

                    if (j->error || j->stopped) {
                        goto failed;
                    }

                    continue;
                }
            }

            j->lex = (c == '-') ? L_NUM_MINUS
                                : (c == '0') ? L_NUM_ZERO : L_NUM_INT;
            j->tok_len = 0;

            if (j->max_token == 0) {
                return ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_NUMBER,
                                              NULL, i);
            }

            j->tok_len = 1;
            start = i;

            i = ngx_ws_guard_json_number(j, p, len, i + 1, start);
            break;

        case C_LITERAL:

            if (j->state != S_VALUE && j->state != S_FIRST_ELEM) {
                return ngx_ws_guard_json_unexpected(j, i);
            }

            j->lex = (c == 't') ? L_TRUE : (c == 'f') ? L_FALSE : L_NULL;
            j->tok_len = 1;

            i = ngx_ws_guard_json_literal(j, p, len, i + 1);
            break;

        case C_OPEN:

            if (j->state != S_VALUE && j->state != S_FIRST_ELEM) {
                return ngx_ws_guard_json_unexpected(j, i);
            }

            if (j->depth >= j->max_depth) {
                return ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_DEPTH,
                                              NULL, i);
            }

            bit = 1u << (j->depth & 7);

            if (c == '{') {
                j->stack[j->depth >> 3] |= bit;
                j->state = S_FIRST_KEY;

            } else {
                j->stack[j->depth >> 3] &= ~bit;
                j->state = S_FIRST_ELEM;
            }

            j->depth++;
            i++;

            if (!(c == '{' ? j->cb->start_object(j->ctx)
                           : j->cb->start_array(j->ctx)))
            {
                return ngx_ws_guard_json_stop(j);
            }

            continue;

        case C_CLOSE:

            if (j->state == S_AFTER) {
                bit = (j->stack[(j->depth - 1) >> 3] >> ((j->depth - 1) & 7))
                      & 1;

                if (bit != (c == '}')) {
                    return ngx_ws_guard_json_unexpected(j, i);
                }

            } else if (j->state != (c == '}' ? S_FIRST_KEY : S_FIRST_ELEM)) {
                return ngx_ws_guard_json_unexpected(j, i);
            }

            j->depth--;
            i++;

            if (!(c == '}' ? j->cb->end_object(j->ctx)
                           : j->cb->end_array(j->ctx)))
            {
                return ngx_ws_guard_json_stop(j);
            }

            ngx_ws_guard_json_value_done(j);
            continue;

        case C_COMMA:

            if (j->state != S_AFTER) {
                return ngx_ws_guard_json_unexpected(j, i);
            }

            bit = (j->stack[(j->depth - 1) >> 3] >> ((j->depth - 1) & 7)) & 1;
            j->state = bit ? S_KEY : S_VALUE;
            i++;
            continue;

        case C_COLON:

            if (j->state != S_COLON) {
                return ngx_ws_guard_json_unexpected(j, i);
            }

            j->state = S_VALUE;
            i++;
            continue;

        default:
            return ngx_ws_guard_json_unexpected(j, i);
        }

        if (j->error || j->stopped) {
            goto failed;
        }
    }

    return NGX_WS_GUARD_OK;

failed:

    return j->error ? NGX_WS_GUARD_ERROR : NGX_WS_GUARD_DECLINED;
}


int
ngx_ws_guard_json_finish(ngx_ws_guard_json_t *j)
{
    const unsigned char  *p;

    if (j->error) {
        return NGX_WS_GUARD_ERROR;
    }

    if (j->stopped) {
        return NGX_WS_GUARD_DECLINED;
    }

    /* a number at the top ends with the message */

    if (ngx_ws_guard_json_is_number(j->lex) && j->depth == 0
        && ngx_ws_guard_json_number_ends(j->lex))
    {
        j->lex = L_NONE;
        p = j->buf ? j->buf : (const unsigned char *) "";

        if (!j->cb->number(j->ctx, p, j->buf_len)) {
            return ngx_ws_guard_json_stop(j);
        }

        ngx_ws_guard_json_value_done(j);
    }

    if (j->lex != L_NONE || j->depth > 0) {
        return ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_SYNTAX,
                                      "message ends inside a value", 0);
    }

    if (!j->done) {
        return ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_SYNTAX,
                                      "empty message", 0);
    }

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_json_fail(ngx_ws_guard_json_t *j, unsigned error,
    const char *detail, size_t offset)
{
    j->error = error;
    j->detail = detail;
    j->offset = offset;

    return NGX_WS_GUARD_ERROR;
}


static int
ngx_ws_guard_json_unexpected(ngx_ws_guard_json_t *j, size_t offset)
{
    const char  *detail;
    unsigned     bit;

    switch (j->state) {

    case S_FIRST_KEY:
        detail = "expected a member name or '}'";
        break;

    case S_KEY:
        detail = "expected a member name";
        break;

    case S_COLON:
        detail = "expected ':' after a member name";
        break;

    case S_AFTER:
        bit = (j->stack[(j->depth - 1) >> 3] >> ((j->depth - 1) & 7)) & 1;
        detail = bit ? "expected ',' or '}' after a member"
                     : "expected ',' or ']' after an element";
        break;

    default: /* S_VALUE, S_FIRST_ELEM */
        detail = "expected a value";
        break;
    }

    return ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_SYNTAX, detail,
                                  offset);
}


static int
ngx_ws_guard_json_stop(ngx_ws_guard_json_t *j)
{
    j->stopped = 1;

    return NGX_WS_GUARD_DECLINED;
}


static int
ngx_ws_guard_json_value_done(ngx_ws_guard_json_t *j)
{
    if (j->depth == 0) {
        j->state = S_VALUE;
        j->done = 1;

    } else {
        j->state = S_AFTER;
    }

    return NGX_WS_GUARD_OK;
}


/*
 * A string's bytes ended: reported as a member name (decoded) or a value
 * (as sent); the scan and the one-block path of short strings both
 */

static inline void
ngx_ws_guard_json_string_done(ngx_ws_guard_json_t *j, const unsigned char *s,
    size_t len)
{
    int  ok;

    if (j->key) {
        j->state = S_COLON;

        if (j->escaped) {
            s = ngx_ws_guard_json_decode(j, s, len, &len);
            if (s == NULL) {
                return;
            }
        }

        ok = j->cb->key(j->ctx, s, len);

    } else {
        ok = j->cb->string(j->ctx, s, len, j->cps, j->escaped);
        ngx_ws_guard_json_value_done(j);
    }

    if (!ok) {
        ngx_ws_guard_json_stop(j);
    }
}


/* a number ended: reported; the scan and the one-loop path of integers */

static inline void
ngx_ws_guard_json_number_done(ngx_ws_guard_json_t *j, const unsigned char *s,
    size_t len)
{
    int  ok;

    ok = j->cb->number(j->ctx, s, len);
    ngx_ws_guard_json_value_done(j);

    if (!ok) {
        ngx_ws_guard_json_stop(j);
    }
}


/*
 * The token buffer holds one token's bytes as sent, or a string's decoded
 * ones (never more): at most max_token.
 */

static inline int
ngx_ws_guard_json_append(ngx_ws_guard_json_t *j, const unsigned char *p,
    size_t len)
{
    if (len == 0) {
        return NGX_WS_GUARD_OK;
    }

    if (j->buf_cap - j->buf_len < len
        && ngx_ws_guard_json_grow(j, j->buf_len + len) != NGX_WS_GUARD_OK)
    {
        return NGX_WS_GUARD_ERROR;
    }

    memcpy(j->buf + j->buf_len, p, len);
    j->buf_len += len;

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_json_grow(ngx_ws_guard_json_t *j, size_t need)
{
    size_t          cap, limit;
    unsigned char  *buf;

    cap = j->buf_cap ? j->buf_cap : 256;

    while (cap < need) {
        cap *= 2;
    }

    /* the most one token needs (max_token may be as large as SIZE_MAX) */

    limit = (j->max_token > (size_t) -1 - NGX_WS_GUARD_JSON_SLACK)
            ? (size_t) -1 : j->max_token + NGX_WS_GUARD_JSON_SLACK;

    if (cap > limit) {
        cap = limit;
    }

    if (cap < need) {
        /* cannot happen: the caller counts raw bytes against max_token */
        return ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_MEMORY, NULL, 0);
    }

    buf = j->allocator.alloc(j->allocator.data, cap);
    if (buf == NULL) {
        return ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_MEMORY, NULL, 0);
    }

    if (j->buf_len) {
        memcpy(buf, j->buf, j->buf_len);
    }

    if (j->buf) {
        j->allocator.free(j->allocator.data, j->buf);
    }

    j->buf = buf;
    j->buf_cap = cap;

    return NGX_WS_GUARD_OK;
}


#if defined __SSE2__

/* the quotes, backslashes and control characters of 16 bytes, as bits */

static inline unsigned
ngx_ws_guard_json_special16(__m128i in)
{
    __m128i  ctrl;

    ctrl = _mm_set1_epi8(0x1f);

    return (unsigned) _mm_movemask_epi8(
               _mm_or_si128(
                   _mm_or_si128(_mm_cmpeq_epi8(in, _mm_set1_epi8('"')),
                                _mm_cmpeq_epi8(in, _mm_set1_epi8('\\'))),
                   _mm_cmpeq_epi8(_mm_max_epu8(in, ctrl), ctrl)));
}


/* the UTF-8 continuation bytes of 16 bytes (below -64 signed), as bits */

static inline unsigned
ngx_ws_guard_json_cont16(__m128i in)
{
    return (unsigned) _mm_movemask_epi8(_mm_cmplt_epi8(in,
                                                      _mm_set1_epi8(-64)));
}


/*
 * the bits set in a mask of 16 bytes, without the library call that
 * __builtin_popcount() is where the compiler may not assume POPCNT; none
 * at once (the continuation bytes of ASCII text)
 */

static inline unsigned
ngx_ws_guard_json_bits16(unsigned x)
{
    if (x == 0) {
        return 0;
    }

    x = x - ((x >> 1) & 0x5555);
    x = (x & 0x3333) + ((x >> 2) & 0x3333);
    x = (x + (x >> 4)) & 0x0f0f;

    return (x + (x >> 8)) & 0x1f;
}

#endif


/*
 * The bytes of a string's body before a quote, a control character or a
 * backslash; with escapes set, a backslash that starts a two-byte escape
 * whole in p (\" \\ \/ \b \f \n \r \t) is taken in the span and counted
 * in (*esc), the scan going on after it.  (*cont) counts the UTF-8
 * continuation bytes.  64 bytes at a time with AVX2 where the UTF-8
 * validator chose it (ngx_ws_guard_json_span_avx2()) and the string does
 * not end in its first 16 bytes, then 16 bytes at a time with SSE2 (x <=
 * 0x1f when max(x, 0x1f) == 0x1f; a continuation byte is below -64 as a
 * signed byte; the counts add up in byte lanes, summed before a lane could
 * overflow), the last bytes as the end of a 16-byte block read again, then
 * one at a time.
 */

static size_t
ngx_ws_guard_json_span(const unsigned char *p, size_t len, int escapes,
    size_t *cont_out, size_t *esc_out)
{
    size_t                     i, c, e;
#if (NGX_WS_GUARD_JSON_AVX2)
    unsigned                   m, k;
    __m128i                    in;
    ngx_ws_guard_json_span_t   r;
#endif

    i = 0;
    c = 0;
    e = 0;

#if (NGX_WS_GUARD_JSON_AVX2)

    /*
     * only where escapes are taken in the span: a span that ends at every
     * backslash is mostly too short for a 64-byte block to pay; nor for a
     * string that ends in its first 16 bytes (a member name, a short
     * value): one 16-byte block takes it at less cost than the setting up
     * of the 64-byte scan
     */

    if (escapes && len >= 64 && ngx_ws_guard_utf8_simd >= 2) {
        in = _mm_loadu_si128((const __m128i *) p);
        m = ngx_ws_guard_json_special16(in);

        k = m ? (unsigned) __builtin_ctz(m) : 16;

        if (k < 16 && p[k] != '\\') {
            /* a quote or control character before any backslash */
            *cont_out = ngx_ws_guard_json_bits16(
                                ngx_ws_guard_json_cont16(in) & ((1u << k) - 1));
            *esc_out = 0;
            return k;
        }

        r = ngx_ws_guard_json_span_avx2(p, len);

        i = r.taken;
        c = r.cont;
        e = r.esc;

        if (r.stopped) {
            *cont_out = c;
            *esc_out = e;
            return i;
        }
    }

#endif

#if defined __SSE2__

    {
        int      m, b, k, stop;
        __m128i  in, lead, acc, zero, sum, cont;

        /* 16 bytes of 0xff, then 16 of 0: the first n bytes of a block */
        static const unsigned char  prefix[32] = {
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
        };

        lead = _mm_set1_epi8(-64);
        zero = _mm_setzero_si128();
        acc = zero;
        k = 0;
        stop = 0;

        while (i + 16 <= len) {
            in = _mm_loadu_si128((const __m128i *) (p + i));
            cont = _mm_cmplt_epi8(in, lead);
            m = (int) ngx_ws_guard_json_special16(in);
            if (m) {
                b = __builtin_ctz((unsigned) m);
                cont = _mm_and_si128(cont,
                           _mm_loadu_si128((const __m128i *)
                                           (prefix + 16 - b)));
                i += b;

            } else {
                i += 16;
            }

            acc = _mm_sub_epi8(acc, cont);

            if (++k == 255) {
                sum = _mm_sad_epu8(acc, zero);
                c += (size_t) _mm_cvtsi128_si32(sum)
                     + (size_t) _mm_extract_epi16(sum, 4);
                acc = zero;
                k = 0;
            }

            if (m == 0) {
                continue;
            }

            if (escapes && p[i] == '\\' && i + 1 < len
                && ngx_ws_guard_json_simple_escape(p[i + 1]))
            {
                /* scanning goes on after it */
                e++;
                i += 2;
                continue;
            }

            stop = 1;
            break;
        }

        if (k) {
            sum = _mm_sad_epu8(acc, zero);
            c += (size_t) _mm_cvtsi128_si32(sum)
                 + (size_t) _mm_extract_epi16(sum, 4);
        }

        if (stop) {
            *cont_out = c;
            *esc_out = e;
            return i;
        }

        /*
         * the last bytes, fewer than 16, as the end of a block read again
         * (bits shifted past those taken): the bytes before the first
         * quote, control character or backslash among them are taken here
         */

        if (i < len && len >= 16) {
            b = (int) (i - (len - 16));
            in = _mm_loadu_si128((const __m128i *) (p + len - 16));

            m = (int) ((ngx_ws_guard_json_special16(in) >> b)
                       | (1u << (16 - b)));
            k = __builtin_ctz((unsigned) m);

            c += ngx_ws_guard_json_bits16(
                     (ngx_ws_guard_json_cont16(in) >> b) & ((1u << k) - 1));
            i += k;
        }
    }

#endif

    while (i < len && p[i] != '"' && p[i] >= 0x20) {

        if (p[i] == '\\') {
            if (escapes && i + 1 < len
                && ngx_ws_guard_json_simple_escape(p[i + 1]))
            {
                e++;
                i += 2;
                continue;
            }

            break;
        }

        c += ((p[i] & 0xc0) == 0x80);
        i++;
    }

    *cont_out = c;
    *esc_out = e;

    return i;
}


#if (NGX_WS_GUARD_JSON_AVX2)

/* the bytes of a 64-byte block at p where two 32-byte compares are set */

#define ngx_ws_guard_json_mask64(lo, hi)                                     \
    ((uint64_t) (uint32_t) _mm256_movemask_epi8(lo)                           \
     | ((uint64_t) (uint32_t) _mm256_movemask_epi8(hi) << 32))


/*
 * the bytes of v that are not an escape of one character: a byte is one
 * where the table entries of its low and its high nibble share a bit
 */

__attribute__((target("avx2")))
static inline __m256i
ngx_ws_guard_json_not_simple(__m256i v, __m256i lo_tab, __m256i hi_tab)
{
    __m256i  nibble;

    nibble = _mm256_set1_epi8(0x0f);

    return _mm256_cmpeq_epi8(
               _mm256_and_si256(
                   _mm256_shuffle_epi8(lo_tab, _mm256_and_si256(v, nibble)),
                   _mm256_shuffle_epi8(hi_tab,
                                       _mm256_and_si256(
                                           _mm256_srli_epi16(v, 4), nibble))),
               _mm256_setzero_si256());
}


/*
 * The span with escapes 64 bytes at a time: bit masks of the block's
 * quotes, control characters, backslashes and UTF-8 continuation bytes,
 * and from the backslashes, without a loop, which bytes are escaped.  In a
 * run of backslashes the first escapes the second, the third the fourth,
 * and so on; a run of odd length escapes the byte after it.  Adding a
 * run's first bit to the run carries past its end: the bit after a run
 * that began at an even place (even_sum) is escaped when that bit is odd
 * (the run's length is), and the other way round for runs that began at an
 * odd place.  The backslashes escaped inside runs are those at the other
 * parity than their run's start.  An escaped byte that is not one of the
 * escapes of one character (a \u, an invalid escape) ends the span at its
 * backslash, as do unescaped quotes and control characters, as in the
 * loops after.  A run of odd length to the block's end leaves its last
 * backslash to the next block (or those loops), so no escape spans two
 * blocks.  Returns the bytes taken, the continuation bytes and escapes
 * among them, and whether the span ends there.
 */

#define NGX_WS_GUARD_JSON_EVEN  0x5555555555555555ULL
#define NGX_WS_GUARD_JSON_ODD   0xaaaaaaaaaaaaaaaaULL

__attribute__((target("avx2,popcnt")))
static ngx_ws_guard_json_span_t
ngx_ws_guard_json_span_avx2(const unsigned char *p, size_t len)
{
    size_t                    i;
    unsigned                  at;
    uint64_t                  q, b, k, starts, even_sum, odd_sum,
                              even_runs, after, e, other, stop, pause, all,
                              m;
    __m256i                   lo, hi, quote, backslash, ctrl, lead, lo_tab,
                              hi_tab;
    ngx_ws_guard_json_span_t  r;

    quote = _mm256_set1_epi8('"');
    backslash = _mm256_set1_epi8('\\');
    ctrl = _mm256_set1_epi8(0x1f);
    lead = _mm256_set1_epi8(-64);

    /*
     * the escapes of one character, " \ / b f n r t, by their two nibbles:
     * a bit for each high nibble (2, 5, 6, 7), set for the low nibbles
     * that go with it
     */

    lo_tab = _mm256_setr_epi8(0, 0, 0x0d, 0, 0x08, 0, 0x04, 0,
                              0, 0, 0, 0, 0x02, 0, 0x04, 0x01,
                              0, 0, 0x0d, 0, 0x08, 0, 0x04, 0,
                              0, 0, 0, 0, 0x02, 0, 0x04, 0x01);
    hi_tab = _mm256_setr_epi8(0, 0, 0x01, 0, 0, 0x02, 0x04, 0x08,
                              0, 0, 0, 0, 0, 0, 0, 0,
                              0, 0, 0x01, 0, 0, 0x02, 0x04, 0x08,
                              0, 0, 0, 0, 0, 0, 0, 0);

    r.cont = 0;
    r.esc = 0;
    r.stopped = 0;

    for (i = 0; i + 64 <= len; /* void */) {
        lo = _mm256_loadu_si256((const __m256i *) (p + i));
        hi = _mm256_loadu_si256((const __m256i *) (p + i + 32));

        /* the quotes and control characters: the span ends at either */
        q = ngx_ws_guard_json_mask64(
                _mm256_or_si256(
                    _mm256_cmpeq_epi8(lo, quote),
                    _mm256_cmpeq_epi8(_mm256_max_epu8(lo, ctrl), ctrl)),
                _mm256_or_si256(
                    _mm256_cmpeq_epi8(hi, quote),
                    _mm256_cmpeq_epi8(_mm256_max_epu8(hi, ctrl), ctrl)));
        b = ngx_ws_guard_json_mask64(_mm256_cmpeq_epi8(lo, backslash),
                                     _mm256_cmpeq_epi8(hi, backslash));

        /* a continuation byte is below -64 as a signed byte */
        k = ngx_ws_guard_json_mask64(_mm256_cmpgt_epi8(lead, lo),
                                     _mm256_cmpgt_epi8(lead, hi));

        e = 0;
        stop = q;
        pause = 0;

        if (b) {
            starts = b & ~(b << 1);

            even_sum = b + (starts & NGX_WS_GUARD_JSON_EVEN);
            odd_sum = b + (starts & NGX_WS_GUARD_JSON_ODD);

            /* an odd run to the end carries out of the sum */
            if (odd_sum < b) {
                pause = (uint64_t) 1 << 63;
            }

            after = (even_sum & ~b & NGX_WS_GUARD_JSON_ODD)
                    | (odd_sum & ~b & NGX_WS_GUARD_JSON_EVEN);

            even_runs = b & ~even_sum;

            e = after
                | (even_runs & NGX_WS_GUARD_JSON_ODD)
                | (b & ~even_runs & NGX_WS_GUARD_JSON_EVEN);

            if (after) {
                other = ngx_ws_guard_json_mask64(
                            ngx_ws_guard_json_not_simple(lo, lo_tab, hi_tab),
                            ngx_ws_guard_json_not_simple(hi, lo_tab, hi_tab));

                stop |= (after & other) >> 1;
            }

            stop &= ~e;
        }

        all = stop | pause;

        if (all == 0) {
            r.cont += (size_t) __builtin_popcountll(k);
            r.esc += (size_t) __builtin_popcountll(e);
            i += 64;
            continue;
        }

        at = (unsigned) __builtin_ctzll(all);
        m = ((uint64_t) 1 << at) - 1;

        r.cont += (size_t) __builtin_popcountll(k & m);
        r.esc += (size_t) __builtin_popcountll(e & m);
        i += at;

        if (stop & ((uint64_t) 1 << at)) {
            r.stopped = 1;
            break;
        }
    }

    r.taken = i;

    return r;
}

#endif


/*
 * UTF-8 of n bytes of a string at p (p[0] is byte "at" of the chunk): on
 * an error the offset is the first byte that made the bytes invalid, found
 * again one byte at a time from the state before, so that it is the same
 * however the message was cut.
 */

static int
ngx_ws_guard_json_utf8_check(ngx_ws_guard_json_t *j, const unsigned char *p,
    size_t n, size_t at)
{
    size_t               k;
    ngx_ws_guard_utf8_t  u;

    u = j->u;

    if (ngx_ws_guard_utf8_validate(&j->u, p, n) == NGX_WS_GUARD_OK) {
        return NGX_WS_GUARD_OK;
    }

    for (k = 0; k + 1 < n; k++) {
        if (ngx_ws_guard_utf8_validate(&u, p + k, 1) != NGX_WS_GUARD_OK) {
            break;
        }
    }

    return ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_SYNTAX,
                                  "string is not valid UTF-8", at + k);
}


/*
 * A string's body from p[i]; start is where its bytes in this chunk begin
 * (after the quote, or 0 when it goes on from the chunk before, whose
 * bytes are in the token buffer then).  Escapes are checked and counted
 * here, not decoded: a string value is reported as sent (decoded on
 * demand, ngx_ws_guard_json_decode()), a member name decoded.  Returns
 * the index after what was consumed: len, or the byte after the closing
 * quote; on an error j->error is set.
 */

static size_t
ngx_ws_guard_json_string(ngx_ws_guard_json_t *j, const unsigned char *p,
    size_t len, size_t i, size_t start)
{
    size_t                n, room, v, cont, esc;
    unsigned              c;
    const unsigned char  *s;

    while (i < len) {

        switch (j->lex) {

        case L_STR:

            /*
             * escapes of one character are taken in the span unless the
             * UTF-8 is checked here: a backslash must then end a span, for
             * the check of the code point before it
             */

            n = ngx_ws_guard_json_span(p + i, len - i, !j->utf8, &cont, &esc);
            room = j->max_token - j->tok_len;

            if (n > room) {
                if (j->utf8
                    && ngx_ws_guard_json_utf8_check(j, p + i, room, i)
                       != NGX_WS_GUARD_OK)
                {
                    return i;
                }

                ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_STRING, NULL,
                                       i + room);
                return i;
            }

            if (n && j->utf8
                && ngx_ws_guard_json_utf8_check(j, p + i, n, i)
                   != NGX_WS_GUARD_OK)
            {
                return i;
            }

            j->tok_len += n;
            j->cps += n - cont - esc;
            i += n;

            if (esc) {
                j->escaped = 1;
            }

            if (i == len) {
                break;
            }

            c = p[i];

            if (c < 0x20) {
                ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_SYNTAX,
                                       "control character in a string", i);
                return i;
            }

            if (j->utf8 && !ngx_ws_guard_utf8_boundary(&j->u)) {
                ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_SYNTAX,
                                       "string is not valid UTF-8", i);
                return i;
            }

            if (c == '\\') {
                if (j->tok_len == j->max_token) {
                    ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_STRING, NULL,
                                           i);
                    return i;
                }

                j->tok_len++;
                j->escaped = 1;
                j->lex = L_ESC;
                i++;
                break;
            }

            /* the closing quote */

            if (j->copied) {
                if (ngx_ws_guard_json_append(j, p + start, i - start)
                    != NGX_WS_GUARD_OK)
                {
                    return i;
                }

                s = j->buf ? j->buf : (const unsigned char *) "";
                v = j->buf_len;

            } else {
                s = p + start;
                v = i - start;
            }

            i++;
            j->lex = L_NONE;

            ngx_ws_guard_json_string_done(j, s, v);

            return i;

        case L_ESC:

            if (j->tok_len == j->max_token) {
                ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_STRING, NULL, i);
                return i;
            }

            c = p[i];

            if (ngx_ws_guard_json_simple_escape(c)) {
                j->cps++;
                j->lex = L_STR;

            } else if (c == 'u') {
                j->lex = L_HEX;
                j->hex = 0;
                j->code = 0;

            } else {
                ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_SYNTAX,
                                       "invalid escape in a string", i);
                return i;
            }

            j->tok_len++;
            i++;
            break;

        case L_HEX:

            if (j->tok_len == j->max_token) {
                ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_STRING, NULL, i);
                return i;
            }

            c = p[i];

            if (c >= '0' && c <= '9') {
                c -= '0';

            } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
                c = (c | 0x20) - 'a' + 10;

            } else {
                ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_SYNTAX,
                                       "invalid \\u escape in a string", i);
                return i;
            }

            j->tok_len++;
            i++;
            j->code = (j->code << 4) | c;

            if (++j->hex < 4) {
                break;
            }

            j->lex = L_STR;

            /* the low half right after a high surrogate: one code point */

            if (j->high && j->code >= 0xdc00 && j->code <= 0xdfff) {
                j->high = 0;
                break;
            }

            j->high = 0;
            j->cps++;

            if (j->code >= 0xd800 && j->code <= 0xdbff) {
                j->lex = L_PAIR_BS;
            }

            break;

        default: /* L_PAIR_BS, L_PAIR_U: "\\u" right after a high surrogate? */

            if (p[i] != (j->lex == L_PAIR_BS ? '\\' : 'u')) {
                /* no: after a backslash, another escape */
                j->lex = (j->lex == L_PAIR_BS) ? L_STR : L_ESC;
                break;
            }

            if (j->tok_len == j->max_token) {
                ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_STRING, NULL, i);
                return i;
            }

            j->tok_len++;
            i++;

            if (j->lex == L_PAIR_BS) {
                j->lex = L_PAIR_U;
                break;
            }

            j->lex = L_HEX;
            j->hex = 0;
            j->code = 0;
            j->high = 1;
            break;
        }
    }

    /* the chunk ends inside the string: keep its bytes as they are */

    if (!j->copied) {
        j->copied = 1;
        j->buf_len = 0;
    }

    (void) ngx_ws_guard_json_append(j, p + start, len - start);

    return len;
}


/*
 * Decodes a string's escapes (they were checked when it was parsed) into
 * the token buffer: in place when the string is there, as decoding never
 * makes it longer (\uXXXX is at most 3 bytes, a pair of them 4).
 */

const unsigned char *
ngx_ws_guard_json_decode(ngx_ws_guard_json_t *j, const unsigned char *p,
    size_t len, size_t *out)
{
    size_t          i, o, k;
    uint32_t        cp, lo;
    unsigned        c;
    unsigned char  *d;

    if (len == 0) {
        *out = 0;
        return (const unsigned char *) "";
    }

    if (p != j->buf) {
        j->buf_len = 0;

        if (len > j->buf_cap && ngx_ws_guard_json_grow(j, len)
                                != NGX_WS_GUARD_OK)
        {
            return NULL;
        }
    }

    d = j->buf;
    o = 0;
    i = 0;

    while (i < len) {
        c = p[i];

        if (c != '\\') {
            d[o++] = (unsigned char) c;
            i++;
            continue;
        }

        c = p[i + 1];
        i += 2;

        switch (c) {
        case 'b':
            d[o++] = '\b';
            continue;
        case 'f':
            d[o++] = '\f';
            continue;
        case 'n':
            d[o++] = '\n';
            continue;
        case 'r':
            d[o++] = '\r';
            continue;
        case 't':
            d[o++] = '\t';
            continue;
        case 'u':
            break;
        default: /* '"', '\\', '/' */
            d[o++] = (unsigned char) c;
            continue;
        }

        cp = ngx_ws_guard_json_hex4(p + i);
        i += 4;

        if (cp >= 0xd800 && cp <= 0xdbff && i + 6 <= len
            && p[i] == '\\' && p[i + 1] == 'u')
        {
            lo = ngx_ws_guard_json_hex4(p + i + 2);

            if (lo >= 0xdc00 && lo <= 0xdfff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            }
        }

        k = ngx_ws_guard_json_utf8(cp, d + o);
        o += k;
    }

    j->buf_len = o;
    *out = o;

    return d;
}


/* four hex digits, checked already */

static uint32_t
ngx_ws_guard_json_hex4(const unsigned char *p)
{
    unsigned  i, c;
    uint32_t  v;

    v = 0;

    for (i = 0; i < 4; i++) {
        c = p[i];
        v = (v << 4) | ((c <= '9') ? c - '0' : (c | 0x20) - 'a' + 10);
    }

    return v;
}


/* the UTF-8 bytes of a code point; a surrogate as it is (3 bytes) */

static size_t
ngx_ws_guard_json_utf8(uint32_t cp, unsigned char *b)
{
    if (cp < 0x80) {
        b[0] = (unsigned char) cp;
        return 1;
    }

    if (cp < 0x800) {
        b[0] = (unsigned char) (0xc0 | (cp >> 6));
        b[1] = (unsigned char) (0x80 | (cp & 0x3f));
        return 2;
    }

    if (cp < 0x10000) {
        b[0] = (unsigned char) (0xe0 | (cp >> 12));
        b[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
        b[2] = (unsigned char) (0x80 | (cp & 0x3f));
        return 3;
    }

    b[0] = (unsigned char) (0xf0 | (cp >> 18));
    b[1] = (unsigned char) (0x80 | ((cp >> 12) & 0x3f));
    b[2] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
    b[3] = (unsigned char) (0x80 | (cp & 0x3f));
    return 4;
}


/* a number from p[i] (the lexer is past its first byte) */

static size_t
ngx_ws_guard_json_number(ngx_ws_guard_json_t *j, const unsigned char *p,
    size_t len, size_t i, size_t start)
{
    size_t                from, n;
    unsigned              lex, next;
    const unsigned char  *s;

    lex = j->lex;
    from = i;

    while (i < len) {
        next = ngx_ws_guard_json_num_next(lex, p[i]);

        if (next == 0) {
            break;
        }

        if (j->tok_len == j->max_token) {
            ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_NUMBER, NULL, i);
            return i;
        }

        j->tok_len++;
        lex = next;
        i++;
    }

    j->lex = lex;

    if (i == len) {
        /* the chunk ends inside the number: keep its bytes */

        if (j->copied) {
            (void) ngx_ws_guard_json_append(j, p + from, len - from);

        } else {
            j->copied = 1;
            (void) ngx_ws_guard_json_append(j, p + start, len - start);
        }

        return len;
    }

    if (!ngx_ws_guard_json_number_ends(lex)) {
        ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_SYNTAX,
                               "invalid number", i);
        return i;
    }

    if (j->copied) {
        if (ngx_ws_guard_json_append(j, p + from, i - from)
            != NGX_WS_GUARD_OK)
        {
            return i;
        }

        s = j->buf;
        n = j->buf_len;

    } else {
        s = p + start;
        n = i - start;
    }

    j->lex = L_NONE;

    ngx_ws_guard_json_number_done(j, s, n);

    return i;
}


/* true, false, null from p[i] (j->tok_len of it matched) */

static size_t
ngx_ws_guard_json_literal(ngx_ws_guard_json_t *j, const unsigned char *p,
    size_t len, size_t i)
{
    int          ok;
    unsigned     which, n;
    const char  *lit;

    which = j->lex - L_TRUE;
    lit = ngx_ws_guard_json_literals[which];
    n = ngx_ws_guard_json_literal_len[which];

    while (j->tok_len < n) {
        if (i == len) {
            return len;
        }

        if (p[i] != (unsigned char) lit[j->tok_len]) {
            ngx_ws_guard_json_fail(j, NGX_WS_GUARD_JSON_SYNTAX,
                                   "invalid literal", i);
            return i;
        }

        j->tok_len++;
        i++;
    }

    j->lex = L_NONE;

    if (which == 2) {
        ok = j->cb->null(j->ctx);

    } else {
        ok = j->cb->boolean(j->ctx, which == 0);
    }

    ngx_ws_guard_json_value_done(j);

    if (!ok) {
        ngx_ws_guard_json_stop(j);
    }

    return i;
}
