
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Streaming JSON Schema validation of WebSocket messages.
 *
 * A schema (a subset of draft 2020-12, below) is compiled once, at
 * configuration time.  Each connection (each direction) owns one validator
 * state, created once and reused for every message: the message is fed in
 * chunks of any size as it arrives, and ngx_ws_guard_schema_finish() gives
 * the verdict at its end.  The message is never buffered and no tree of it
 * is built: memory is bounded by the nesting depth of the message, the
 * longest string token and the schema, never by the message size.
 *
 * Usage:
 *
 *     s = ngx_ws_guard_schema_compile(json, len, NULL, err, sizeof(err));
 *
 *     conf.schema = s; conf.max_depth = 32; ...
 *     st = ngx_ws_guard_schema_state_create(&conf, err, sizeof(err));
 *
 *     for every message:
 *         rc = ngx_ws_guard_schema_feed(st, p, n);     AGAIN or ERROR
 *         ...
 *         rc = ngx_ws_guard_schema_finish(st);         OK or ERROR
 *
 *         if (rc == NGX_WS_GUARD_ERROR) {
 *             ngx_ws_guard_schema_close_code(st), 1007 or 1008
 *             ngx_ws_guard_schema_reason(st), e.g. "/items/3/price: minimum"
 *         }
 *
 *         ngx_ws_guard_schema_reset(st);
 *
 * The first failure is final: once feed() or finish() returned ERROR, both
 * return ERROR with the same code and reason until the next reset.  The
 * verdict, code and reason do not depend on how the message was chunked.
 *
 * Close codes: 1007 for a message that is not exactly one well-formed JSON
 * document (malformed, empty, truncated, trailing data; also a string that
 * a pattern must match but that is not valid UTF-8, which an escaped lone
 * surrogate decodes to); 1008 for a schema violation and for a
 * message over the limits (nesting depth, string or number token length,
 * keys in one object, memory budget, regex match limit).  Reasons are
 * "<JSON pointer in the message>: <keyword or limit>", the root being
 * "(root)", e.g. "/items/3/price: minimum", "/a: string too long",
 * "(root): invalid JSON: data after the value"; at most 123 bytes of valid
 * UTF-8, so that they fit a close frame.
 *
 * Limits are enforced on the bytes as they arrive, before anything is
 * copied: a string token longer than max_string bytes (counted as sent,
 * between the quotes) is refused when its (max_string + 1)th byte arrives;
 * a token split across chunks goes on from where it stopped (the JSON
 * parser, ngx_ws_guard_json.h, keeps its bytes decoded).  A state's memory
 * is a fixed part (about 9 KiB with the defaults), frames for the nesting
 * depth, and for a token that is split or has escapes at most about
 * 2 * max_string (the parser's token buffer, old and new while it grows);
 * only uniqueItems grows with the message (16 bytes an element of the
 * array checked), within the budget.
 *
 * Patterns are ECMA-262 expressions run by PCRE2 (UTF, JIT when available):
 * "$" matches at the very end only, \p{Letter} and the other long names of
 * general categories are rewritten to PCRE2's short ones, \s and \S follow
 * ECMA-262's Unicode whitespace, \d and \w stay ASCII, \u escapes work.
 *
 * Supported keywords: type, enum, const, properties, required,
 * additionalProperties, patternProperties, propertyNames, minProperties,
 * maxProperties, dependentRequired, items, prefixItems, contains,
 * minContains, maxContains, minItems, maxItems, uniqueItems, minLength,
 * maxLength (code points), pattern (PCRE2, UTF), minimum, maximum,
 * exclusiveMinimum, exclusiveMaximum, multipleOf, allOf, anyOf, oneOf, not,
 * if, then, else, $defs, boolean schemas, and $ref to "#", "#/pointer" (any
 * location in the schema document, recursion allowed) or "#anchor"; a $ref
 * may also name the root's $id.  Annotations accepted and ignored: title,
 * description, default, examples, $comment, format, $schema (must be draft
 * 2020-12), $id (at the root only), $anchor, deprecated, readOnly,
 * writeOnly, contentMediaType, contentEncoding.  Any other keyword, and any
 * malformed value, fails the compilation: a guard never ignores a rule.
 *
 * The pointer rules (ngx_ws_guard_schema_rules_compile()) run in the same
 * pass as the schema, or alone: a rule matches when a value at its pointer
 * equals its value (with duplicate keys, any occurrence); after finish()
 * returned OK, ngx_ws_guard_schema_matched() tells which rules matched.
 *
 * Equality (enum, const, uniqueItems, rule values): numbers compare as exact
 * decimals (1.0 equals 1), strings byte for byte after unescaping.  Objects
 * and arrays are compared through a 128-bit keyed hash (SipHash-2-4 with a
 * random per-process key) of their canonical form (numbers normalized,
 * object members order-independent); two different values collide with a
 * probability of about 2^-128 and the key is unknown to clients.
 *
 * Numbers are exact decimals throughout: comparisons and "integer" at any
 * length (1.0 is an integer), multipleOf exactly when the divisor has at
 * most 18 significant digits (any dividend); with a longer divisor the
 * quotient is computed in long double and taken as whole within a relative
 * 2^-50.  Exponents beyond +-10^15 are saturated.
 */


#ifndef _NGX_WS_GUARD_SCHEMA_H_INCLUDED_
#define _NGX_WS_GUARD_SCHEMA_H_INCLUDED_


#include "ngx_ws_guard_core.h"


#define NGX_WS_GUARD_SCHEMA_MAX_DEPTH      32
#define NGX_WS_GUARD_SCHEMA_MAX_STRING     65536
#define NGX_WS_GUARD_SCHEMA_MAX_KEYS       1024

/* the longest reason, so that it fits a close frame (125 - 2 bytes) */
#define NGX_WS_GUARD_SCHEMA_REASON_MAX     123


typedef struct ngx_ws_guard_schema_s        ngx_ws_guard_schema_t;
typedef struct ngx_ws_guard_schema_rules_s  ngx_ws_guard_schema_rules_t;
typedef struct ngx_ws_guard_schema_state_s  ngx_ws_guard_schema_state_t;


/* limits of the compilation; zero fields take the defaults */
typedef struct {
    /* nesting of the schema document, default 128 */
    size_t                    max_depth;

    /*
     * evaluations one subschema may start on one value through allOf,
     * anyOf, oneOf, not, if/then/else and $ref, default 1024
     */
    size_t                    max_expansion;

    /* PCRE2 match limit of one pattern match, default 100000 */
    uint32_t                  match_limit;
} ngx_ws_guard_schema_limits_t;


/*
 * A rule of the pointer matcher: the message's value at pointer (RFC 6901,
 * "" is the whole message) equals value.  value is JSON text if value_json
 * is set (e.g. "5", "true", "\"x\"", "{\"a\":1}"), a plain string
 * otherwise.
 */
typedef struct {
    const unsigned char      *pointer;
    size_t                    pointer_len;
    const unsigned char      *value;
    size_t                    value_len;
    unsigned                  value_json;
} ngx_ws_guard_schema_rule_t;


/*
 * Memory of a validator state.  Every allocation of the state, the JSON
 * parser's and PCRE2's included, goes through these with a hard cap (the
 * budget).
 */
typedef struct {
    void                   *(*alloc)(void *data, size_t size);
    void                    (*free)(void *data, void *p);
    void                     *data;
} ngx_ws_guard_schema_allocator_t;


typedef struct {
    /* either may be NULL: well-formedness and limits are checked anyway */
    const ngx_ws_guard_schema_t        *schema;
    const ngx_ws_guard_schema_rules_t  *rules;

    /* zero fields take the defaults above */

    /* containers nested in a message: [[1]] has depth 2 */
    size_t                    max_depth;

    /* bytes of one string (between the quotes, as sent) or number token */
    size_t                    max_string;

    /* members of one object */
    size_t                    max_keys;

    /*
     * hard cap of the state's memory; 0: a default that leaves 256 KiB
     * for evaluation after the parser's reserve (about 2 * max_string)
     */
    size_t                    budget;

    /* NULL: malloc() and free() */
    const ngx_ws_guard_schema_allocator_t  *allocator;

    /*
     * 1: the caller has checked that every message is valid UTF-8 before
     * it is fed (the frame parser does), so strings are not checked again
     */
    unsigned                  utf8_checked:1;
} ngx_ws_guard_schema_conf_t;


/*
 * Compiles a schema (JSON text, not necessarily NUL-terminated); limits
 * may be NULL.  On failure returns NULL with a message in err, such as
 * "unsupported keyword "unevaluatedProperties" at /properties/a".
 */
ngx_ws_guard_schema_t *ngx_ws_guard_schema_compile(const unsigned char *json,
    size_t len, const ngx_ws_guard_schema_limits_t *limits, char *err,
    size_t errlen);
void ngx_ws_guard_schema_free(ngx_ws_guard_schema_t *schema);

/* compiles n rules; their indexes are those of ngx_ws_guard_schema_matched */
ngx_ws_guard_schema_rules_t *ngx_ws_guard_schema_rules_compile(
    const ngx_ws_guard_schema_rule_t *rules, size_t n, char *err,
    size_t errlen);
void ngx_ws_guard_schema_rules_free(ngx_ws_guard_schema_rules_t *rules);

/*
 * A validator state, ready for a message.  The schema and rules must
 * outlive it.  NULL with a message in err if the configuration is invalid
 * or the budget is too small for it (err says the minimum).
 */
ngx_ws_guard_schema_state_t *ngx_ws_guard_schema_state_create(
    const ngx_ws_guard_schema_conf_t *conf, char *err, size_t errlen);
void ngx_ws_guard_schema_state_free(ngx_ws_guard_schema_state_t *st);

/* NGX_WS_GUARD_AGAIN: no failure so far; NGX_WS_GUARD_ERROR: failed */
int ngx_ws_guard_schema_feed(ngx_ws_guard_schema_state_t *st,
    const unsigned char *p, size_t len);

/* the end of the message: NGX_WS_GUARD_OK or NGX_WS_GUARD_ERROR */
int ngx_ws_guard_schema_finish(ngx_ws_guard_schema_state_t *st);

/*
 * Makes the state ready for the next message, keeping its memory: no
 * allocation happens per message unless the previous one needed more than
 * the state had (uniqueItems, deeper frames, a longer split token).
 */
void ngx_ws_guard_schema_reset(ngx_ws_guard_schema_state_t *st);

/* after ERROR: 1007 or 1008; 0 otherwise */
int ngx_ws_guard_schema_close_code(ngx_ws_guard_schema_state_t *st);

/* after ERROR: the reason, at most NGX_WS_GUARD_SCHEMA_REASON_MAX bytes */
const char *ngx_ws_guard_schema_reason(ngx_ws_guard_schema_state_t *st);

/* after finish() returned OK: whether rule i matched the message */
int ngx_ws_guard_schema_matched(ngx_ws_guard_schema_state_t *st, size_t i);

/* bytes the state holds now; *peak (if not NULL) the most it ever held */
size_t ngx_ws_guard_schema_memory(ngx_ws_guard_schema_state_t *st,
    size_t *peak);


#endif /* _NGX_WS_GUARD_SCHEMA_H_INCLUDED_ */
