
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * The schema compiler (configuration time): the schema document is parsed
 * into a JSON tree, every subschema becomes a node, $ref is resolved to a
 * node after the whole document is compiled (so references may point
 * forward, backward, into $defs or anywhere else in the document), then
 * each node is checked for a cycle of in-place applicators (which would
 * never consume the instance) and for how many evaluations it starts.
 *
 * Also the compiler of the pointer rules.
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>

#include "ngx_ws_guard_schema_int.h"


#define NGX_WS_GUARD_SCHEMA_DEPTH        128
#define NGX_WS_GUARD_SCHEMA_EXPANSION    1024
#define NGX_WS_GUARD_SCHEMA_MATCH_LIMIT  100000

/* the longest chain of references and in-place subschemas followed */
#define NGX_WS_GUARD_SCHEMA_CHAIN        4096

/* node->mark */
#define NGX_WS_GUARD_SCHEMA_M_TRUE_BUSY  0x1
#define NGX_WS_GUARD_SCHEMA_M_TRUE_DONE  0x2
#define NGX_WS_GUARD_SCHEMA_M_EXP_BUSY   0x4
#define NGX_WS_GUARD_SCHEMA_M_EXP_DONE   0x8

/* in-place slots, for ngx_ws_guard_schema_skip() */
#define NGX_WS_GUARD_SCHEMA_IN_ALL       0
#define NGX_WS_GUARD_SCHEMA_IN_ANY       1


typedef struct {
    const ngx_ws_guard_schema_json_t   *v;
    ngx_ws_guard_schema_node_t         *node;
} ngx_ws_guard_schema_map_t;


typedef struct {
    ngx_ws_guard_schema_node_t         *node;
    const unsigned char                *target;
    size_t                              len;
} ngx_ws_guard_schema_ref_t;


typedef struct {
    const unsigned char                *name;
    size_t                              len;
    ngx_ws_guard_schema_node_t         *node;
} ngx_ws_guard_schema_anchor_t;


typedef struct {
    ngx_ws_guard_schema_t              *schema;
    ngx_ws_guard_schema_json_t         *root;
    ngx_ws_guard_schema_node_t         *root_node;

    char                               *err;
    size_t                              errlen;
    unsigned                            failed;

    /* the JSON pointer of the current schema location */
    char                               *path;
    size_t                              path_len;
    size_t                              path_cap;

    ngx_ws_guard_schema_map_t          *map;
    size_t                              map_n;
    size_t                              map_cap;

    ngx_ws_guard_schema_ref_t          *refs;
    size_t                              nrefs;
    size_t                              crefs;

    ngx_ws_guard_schema_anchor_t       *anchors;
    size_t                              nanchors;
    size_t                              canchors;

    ngx_ws_guard_schema_node_t        **nodes;
    size_t                              nnodes;
    size_t                              cnodes;

    const unsigned char                *id;
    size_t                              id_len;

    size_t                              depth;
    size_t                              max_depth;
    size_t                              max_expansion;
    size_t                              chain;
} ngx_ws_guard_schema_ctx_t;


typedef int (*ngx_ws_guard_schema_kw_pt)(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);


typedef struct {
    const char                         *name;
    ngx_ws_guard_schema_kw_pt           handler;
    size_t                              offset;
    unsigned                            flag;
} ngx_ws_guard_schema_kw_t;


/* a name being gathered for a node's name table */
typedef struct {
    const unsigned char                *name;
    size_t                              len;
    ngx_ws_guard_schema_node_t         *schema;
    unsigned                            required;
    unsigned                            dep;
} ngx_ws_guard_schema_gather_t;


static void ngx_ws_guard_schema_error(ngx_ws_guard_schema_ctx_t *c,
    const char *fmt, ...);
static const char *ngx_ws_guard_schema_where(ngx_ws_guard_schema_ctx_t *c);
static int ngx_ws_guard_schema_invalid(ngx_ws_guard_schema_ctx_t *c,
    const char *name, const char *detail);
static int ngx_ws_guard_schema_push(ngx_ws_guard_schema_ctx_t *c,
    const unsigned char *seg, size_t len);
static int ngx_ws_guard_schema_grow(void **p, size_t *cap, size_t n,
    size_t size);
static int ngx_ws_guard_schema_map_put(ngx_ws_guard_schema_ctx_t *c,
    const ngx_ws_guard_schema_json_t *v, ngx_ws_guard_schema_node_t *node);
static ngx_ws_guard_schema_node_t *ngx_ws_guard_schema_map_get(
    ngx_ws_guard_schema_ctx_t *c, const ngx_ws_guard_schema_json_t *v);
static const ngx_ws_guard_schema_json_t *ngx_ws_guard_schema_member(
    const ngx_ws_guard_schema_json_t *obj, const char *name);

static ngx_ws_guard_schema_node_t *ngx_ws_guard_schema_node(
    ngx_ws_guard_schema_ctx_t *c, const ngx_ws_guard_schema_json_t *v);
static ngx_ws_guard_schema_node_t *ngx_ws_guard_schema_sub(
    ngx_ws_guard_schema_ctx_t *c, const char *kw,
    const ngx_ws_guard_schema_json_t *v);
static int ngx_ws_guard_schema_finalize(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const ngx_ws_guard_schema_json_t *obj);
static int ngx_ws_guard_schema_gather(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_gather_t **g, size_t *n, size_t *cap,
    const unsigned char *name, size_t len, ngx_ws_guard_schema_node_t *schema,
    unsigned required, unsigned dep);
static int ngx_ws_guard_schema_gather_cmp(const void *a, const void *b);
static uint32_t ngx_ws_guard_schema_bit(ngx_ws_guard_schema_node_t *node,
    const unsigned char *name, size_t len);
static ngx_ws_guard_schema_re_t *ngx_ws_guard_schema_regex(
    ngx_ws_guard_schema_ctx_t *c,
    const char *kw, const unsigned char *p, size_t len);
static size_t ngx_ws_guard_schema_simple(const unsigned char *p, size_t len,
    ngx_ws_guard_schema_item_t *items);
static size_t ngx_ws_guard_schema_simple_class(const unsigned char *p,
    size_t len, uint64_t *set);
static int ngx_ws_guard_schema_simple_escape(unsigned c, uint64_t *set);
static void ngx_ws_guard_schema_set_add(uint64_t *set, unsigned from,
    unsigned to);
static unsigned char *ngx_ws_guard_schema_ecma(const unsigned char *p,
    size_t len, size_t *out_len);
static int ngx_ws_guard_schema_strings(ngx_ws_guard_schema_ctx_t *c,
    const char *kw, const ngx_ws_guard_schema_json_t *v);

static int ngx_ws_guard_schema_kw_any(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_string(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_boolean(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_dialect(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_id(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_anchor(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_defs(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_ref(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_type(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_enum(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_const(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_number(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_size(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_pattern(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_unique(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_schema(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_schemas(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_items(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_properties(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_patterns(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_required(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);
static int ngx_ws_guard_schema_kw_dependent(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag);

static int ngx_ws_guard_schema_resolve(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_ref_t *r);
static const ngx_ws_guard_schema_json_t *ngx_ws_guard_schema_walk(
    const ngx_ws_guard_schema_json_t *v, const unsigned char *p, size_t len,
    unsigned char *buf);
static size_t ngx_ws_guard_schema_unescape(const unsigned char *p,
    size_t len, unsigned char *buf);
static int ngx_ws_guard_schema_index(const unsigned char *p, size_t len,
    size_t *index);
static int ngx_ws_guard_schema_true(ngx_ws_guard_schema_node_t *node,
    size_t depth);
static int ngx_ws_guard_schema_skip(ngx_ws_guard_schema_node_t *node,
    unsigned slot);
static int ngx_ws_guard_schema_expand(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node);
static int ngx_ws_guard_schema_expand_add(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, ngx_ws_guard_schema_node_t *child,
    unsigned slot, size_t *total);
static void ngx_ws_guard_schema_ctx_free(ngx_ws_guard_schema_ctx_t *c);


#define NGX_WS_GUARD_SCHEMA_OFF(f)  offsetof(ngx_ws_guard_schema_node_t, f)

/* sorted by name */
static const ngx_ws_guard_schema_kw_t  ngx_ws_guard_schema_keywords[] = {

    { "$anchor", ngx_ws_guard_schema_kw_anchor, 0, 0 },
    { "$comment", ngx_ws_guard_schema_kw_string, 0, 0 },
    { "$defs", ngx_ws_guard_schema_kw_defs, 0, 0 },
    { "$id", ngx_ws_guard_schema_kw_id, 0, 0 },
    { "$ref", ngx_ws_guard_schema_kw_ref, 0, 0 },
    { "$schema", ngx_ws_guard_schema_kw_dialect, 0, 0 },
    { "additionalProperties", ngx_ws_guard_schema_kw_schema,
      NGX_WS_GUARD_SCHEMA_OFF(additional), 0 },
    { "allOf", ngx_ws_guard_schema_kw_schemas,
      NGX_WS_GUARD_SCHEMA_OFF(allof), NGX_WS_GUARD_SCHEMA_OFF(nallof) },
    { "anyOf", ngx_ws_guard_schema_kw_schemas,
      NGX_WS_GUARD_SCHEMA_OFF(anyof), NGX_WS_GUARD_SCHEMA_OFF(nanyof) },
    { "const", ngx_ws_guard_schema_kw_const, 0, 0 },
    { "contains", ngx_ws_guard_schema_kw_schema,
      NGX_WS_GUARD_SCHEMA_OFF(contains), 0 },
    { "contentEncoding", ngx_ws_guard_schema_kw_string, 0, 0 },
    { "contentMediaType", ngx_ws_guard_schema_kw_string, 0, 0 },
    { "default", ngx_ws_guard_schema_kw_any, 0, 0 },
    { "dependentRequired", ngx_ws_guard_schema_kw_dependent, 0, 0 },
    { "deprecated", ngx_ws_guard_schema_kw_boolean, 0, 0 },
    { "description", ngx_ws_guard_schema_kw_string, 0, 0 },
    { "else", ngx_ws_guard_schema_kw_schema,
      NGX_WS_GUARD_SCHEMA_OFF(else_), 0 },
    { "enum", ngx_ws_guard_schema_kw_enum, 0, 0 },
    { "examples", ngx_ws_guard_schema_kw_any, 0, 0 },
    { "exclusiveMaximum", ngx_ws_guard_schema_kw_number,
      NGX_WS_GUARD_SCHEMA_OFF(xmaximum), NGX_WS_GUARD_SCHEMA_N_XMAXIMUM },
    { "exclusiveMinimum", ngx_ws_guard_schema_kw_number,
      NGX_WS_GUARD_SCHEMA_OFF(xminimum), NGX_WS_GUARD_SCHEMA_N_XMINIMUM },
    { "format", ngx_ws_guard_schema_kw_string, 0, 0 },
    { "if", ngx_ws_guard_schema_kw_schema,
      NGX_WS_GUARD_SCHEMA_OFF(if_), 0 },
    { "items", ngx_ws_guard_schema_kw_items,
      NGX_WS_GUARD_SCHEMA_OFF(items), 0 },
    { "maxContains", ngx_ws_guard_schema_kw_size,
      NGX_WS_GUARD_SCHEMA_OFF(max_contains), 0 },
    { "maxItems", ngx_ws_guard_schema_kw_size,
      NGX_WS_GUARD_SCHEMA_OFF(max_items), 0 },
    { "maxLength", ngx_ws_guard_schema_kw_size,
      NGX_WS_GUARD_SCHEMA_OFF(max_length), NGX_WS_GUARD_SCHEMA_N_STRING },
    { "maxProperties", ngx_ws_guard_schema_kw_size,
      NGX_WS_GUARD_SCHEMA_OFF(max_props), 0 },
    { "maximum", ngx_ws_guard_schema_kw_number,
      NGX_WS_GUARD_SCHEMA_OFF(maximum), NGX_WS_GUARD_SCHEMA_N_MAXIMUM },
    { "minContains", ngx_ws_guard_schema_kw_size,
      NGX_WS_GUARD_SCHEMA_OFF(min_contains), NGX_WS_GUARD_SCHEMA_N_MINCONT },
    { "minItems", ngx_ws_guard_schema_kw_size,
      NGX_WS_GUARD_SCHEMA_OFF(min_items), 0 },
    { "minLength", ngx_ws_guard_schema_kw_size,
      NGX_WS_GUARD_SCHEMA_OFF(min_length), NGX_WS_GUARD_SCHEMA_N_STRING },
    { "minProperties", ngx_ws_guard_schema_kw_size,
      NGX_WS_GUARD_SCHEMA_OFF(min_props), 0 },
    { "minimum", ngx_ws_guard_schema_kw_number,
      NGX_WS_GUARD_SCHEMA_OFF(minimum), NGX_WS_GUARD_SCHEMA_N_MINIMUM },
    { "multipleOf", ngx_ws_guard_schema_kw_number,
      NGX_WS_GUARD_SCHEMA_OFF(multiple), NGX_WS_GUARD_SCHEMA_N_MULTIPLE },
    { "not", ngx_ws_guard_schema_kw_schema,
      NGX_WS_GUARD_SCHEMA_OFF(not), 0 },
    { "oneOf", ngx_ws_guard_schema_kw_schemas,
      NGX_WS_GUARD_SCHEMA_OFF(oneof), NGX_WS_GUARD_SCHEMA_OFF(noneof) },
    { "pattern", ngx_ws_guard_schema_kw_pattern, 0, 0 },
    { "patternProperties", ngx_ws_guard_schema_kw_patterns, 0, 0 },
    { "prefixItems", ngx_ws_guard_schema_kw_schemas,
      NGX_WS_GUARD_SCHEMA_OFF(prefix), NGX_WS_GUARD_SCHEMA_OFF(nprefix) },
    { "properties", ngx_ws_guard_schema_kw_properties, 0, 0 },
    { "propertyNames", ngx_ws_guard_schema_kw_schema,
      NGX_WS_GUARD_SCHEMA_OFF(propnames), 0 },
    { "readOnly", ngx_ws_guard_schema_kw_boolean, 0, 0 },
    { "required", ngx_ws_guard_schema_kw_required, 0, 0 },
    { "then", ngx_ws_guard_schema_kw_schema,
      NGX_WS_GUARD_SCHEMA_OFF(then_), 0 },
    { "title", ngx_ws_guard_schema_kw_string, 0, 0 },
    { "type", ngx_ws_guard_schema_kw_type, 0, 0 },
    { "uniqueItems", ngx_ws_guard_schema_kw_unique, 0, 0 },
    { "writeOnly", ngx_ws_guard_schema_kw_boolean, 0, 0 }
};


/* long names (and aliases) of Unicode general categories */
static const char  *ngx_ws_guard_schema_gc[][2] = {
    { "Letter", "L" }, { "Cased_Letter", "L&" }, { "Uppercase_Letter", "Lu" },
    { "Lowercase_Letter", "Ll" }, { "Titlecase_Letter", "Lt" },
    { "Modifier_Letter", "Lm" }, { "Other_Letter", "Lo" }, { "Mark", "M" },
    { "Combining_Mark", "M" }, { "Nonspacing_Mark", "Mn" },
    { "Spacing_Mark", "Mc" }, { "Enclosing_Mark", "Me" }, { "Number", "N" },
    { "Decimal_Number", "Nd" }, { "digit", "Nd" }, { "Letter_Number", "Nl" },
    { "Other_Number", "No" }, { "Punctuation", "P" }, { "punct", "P" },
    { "Connector_Punctuation", "Pc" }, { "Dash_Punctuation", "Pd" },
    { "Open_Punctuation", "Ps" }, { "Close_Punctuation", "Pe" },
    { "Initial_Punctuation", "Pi" }, { "Final_Punctuation", "Pf" },
    { "Other_Punctuation", "Po" }, { "Symbol", "S" }, { "Math_Symbol", "Sm" },
    { "Currency_Symbol", "Sc" }, { "Modifier_Symbol", "Sk" },
    { "Other_Symbol", "So" }, { "Separator", "Z" },
    { "Space_Separator", "Zs" }, { "Line_Separator", "Zl" },
    { "Paragraph_Separator", "Zp" }, { "Other", "C" }, { "Control", "Cc" },
    { "cntrl", "Cc" }, { "Format", "Cf" }, { "Surrogate", "Cs" },
    { "Private_Use", "Co" }, { "Unassigned", "Cn" }, { "", "" }
};


static const char  *ngx_ws_guard_schema_gc_prefix[] = {
    "General_Category=", "gc="
};


static const char  *ngx_ws_guard_schema_types[] = {
    "null", "boolean", "object", "array", "number", "string", "integer"
};


ngx_ws_guard_schema_t *
ngx_ws_guard_schema_compile(const unsigned char *json, size_t len,
    const ngx_ws_guard_schema_limits_t *limits, char *err, size_t errlen)
{
    size_t                       i;
    ngx_ws_guard_schema_t       *schema;
    ngx_ws_guard_schema_ctx_t    ctx;
    ngx_ws_guard_schema_node_t  *node;

    ngx_ws_guard_schema_key_init();

    memset(&ctx, 0, sizeof(ngx_ws_guard_schema_ctx_t));

    ctx.err = err;
    ctx.errlen = errlen;
    ctx.max_depth = NGX_WS_GUARD_SCHEMA_DEPTH;
    ctx.max_expansion = NGX_WS_GUARD_SCHEMA_EXPANSION;

    if (errlen) {
        err[0] = '\0';
    }

    schema = calloc(1, sizeof(ngx_ws_guard_schema_t));
    if (schema == NULL) {
        ngx_ws_guard_schema_error(&ctx, "out of memory");
        return NULL;
    }

    schema->match_limit = NGX_WS_GUARD_SCHEMA_MATCH_LIMIT;

    if (limits) {
        if (limits->max_depth) {
            ctx.max_depth = limits->max_depth;
        }

        if (limits->max_expansion) {
            ctx.max_expansion = limits->max_expansion;
        }

        if (limits->match_limit) {
            schema->match_limit = limits->match_limit;
        }
    }

    ctx.schema = schema;

    ctx.root = ngx_ws_guard_schema_json_parse(json, len, ctx.max_depth * 2,
                                              err, errlen);
    if (ctx.root == NULL) {
        ctx.failed = 1;
        goto failed;
    }

    ctx.root_node = ngx_ws_guard_schema_node(&ctx, ctx.root);
    if (ctx.root_node == NULL) {
        goto failed;
    }

    /* references found while resolving are appended and resolved too */

    for (i = 0; i < ctx.nrefs; i++) {
        if (ngx_ws_guard_schema_resolve(&ctx, &ctx.refs[i])
            != NGX_WS_GUARD_OK)
        {
            goto failed;
        }
    }

    for (i = 0; i < ctx.nnodes; i++) {
        ngx_ws_guard_schema_true(ctx.nodes[i], 0);
    }

    for (i = 0; i < ctx.nnodes; i++) {
        if (ngx_ws_guard_schema_expand(&ctx, ctx.nodes[i]) != NGX_WS_GUARD_OK)
        {
            goto failed;
        }
    }

    /* the nodes whose frame has frames of its own at the same level */

    for (i = 0; i < ctx.nnodes; i++) {
        node = ctx.nodes[i];

        if (node->nallof || node->ref || node->nanyof || node->noneof
            || node->not || node->if_)
        {
            node->flags |= NGX_WS_GUARD_SCHEMA_N_INPLACE;
        }
    }

    schema->root = ctx.root_node;

    ngx_ws_guard_schema_ctx_free(&ctx);

    return schema;

failed:

    if (!ctx.failed) {
        ngx_ws_guard_schema_error(&ctx, "out of memory");
    }

    ngx_ws_guard_schema_ctx_free(&ctx);
    ngx_ws_guard_schema_free(schema);

    return NULL;
}


void
ngx_ws_guard_schema_free(ngx_ws_guard_schema_t *schema)
{
    if (schema == NULL) {
        return;
    }

    ngx_ws_guard_schema_pool_free(&schema->pool);
    free(schema);
}


static void
ngx_ws_guard_schema_ctx_free(ngx_ws_guard_schema_ctx_t *c)
{
    ngx_ws_guard_schema_json_free(c->root);
    free(c->path);
    free(c->map);
    free(c->refs);
    free(c->anchors);
    free(c->nodes);
}


/* the first error wins */

static void
ngx_ws_guard_schema_error(ngx_ws_guard_schema_ctx_t *c, const char *fmt, ...)
{
    va_list  args;

    if (c->failed) {
        return;
    }

    c->failed = 1;

    if (c->errlen == 0) {
        return;
    }

    va_start(args, fmt);
    vsnprintf(c->err, c->errlen, fmt, args);
    va_end(args);
}


/* "invalid value of "name" at <where>: detail" */

static int
ngx_ws_guard_schema_invalid(ngx_ws_guard_schema_ctx_t *c, const char *name,
    const char *detail)
{
    ngx_ws_guard_schema_error(c, "invalid value of \"%s\" at %s: %s", name,
                              ngx_ws_guard_schema_where(c), detail);

    return NGX_WS_GUARD_ERROR;
}


static const char *
ngx_ws_guard_schema_where(ngx_ws_guard_schema_ctx_t *c)
{
    return c->path_len ? c->path : "(root)";
}


/* appends "/" and the escaped segment; the caller restores path_len */

static int
ngx_ws_guard_schema_push(ngx_ws_guard_schema_ctx_t *c,
    const unsigned char *seg, size_t len)
{
    char    *p;
    size_t   i, need;

    if (len > ((size_t) -1) / 4 - c->path_len) {
        return NGX_WS_GUARD_ERROR;
    }

    need = c->path_len + 2 * len + 2;

    if (need > c->path_cap) {
        p = realloc(c->path, need * 2);
        if (p == NULL) {
            return NGX_WS_GUARD_ERROR;
        }

        c->path = p;
        c->path_cap = need * 2;
    }

    p = c->path + c->path_len;
    *p++ = '/';

    for (i = 0; i < len; i++) {
        if (seg[i] == '~') {
            *p++ = '~';
            *p++ = '0';

        } else if (seg[i] == '/') {
            *p++ = '~';
            *p++ = '1';

        } else {
            *p++ = seg[i];
        }
    }

    *p = '\0';
    c->path_len = p - c->path;

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_grow(void **p, size_t *cap, size_t n, size_t size)
{
    void    *np;
    size_t   ncap;

    if (n < *cap) {
        return NGX_WS_GUARD_OK;
    }

    ncap = *cap ? *cap * 2 : 16;

    if (ncap > ((size_t) -1) / size) {
        return NGX_WS_GUARD_ERROR;
    }

    np = realloc(*p, ncap * size);
    if (np == NULL) {
        return NGX_WS_GUARD_ERROR;
    }

    *p = np;
    *cap = ncap;

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_map_put(ngx_ws_guard_schema_ctx_t *c,
    const ngx_ws_guard_schema_json_t *v, ngx_ws_guard_schema_node_t *node)
{
    size_t                      i, cap, mask;
    uintptr_t                   h;
    ngx_ws_guard_schema_map_t  *map, *old;

    if (2 * (c->map_n + 1) > c->map_cap) {
        cap = c->map_cap ? c->map_cap * 2 : 64;

        map = calloc(cap, sizeof(ngx_ws_guard_schema_map_t));
        if (map == NULL) {
            return NGX_WS_GUARD_ERROR;
        }

        old = c->map;
        mask = cap - 1;

        for (i = 0; i < c->map_cap; i++) {
            if (old[i].v == NULL) {
                continue;
            }

            h = ((uintptr_t) old[i].v >> 4) * 0x9e3779b1;

            while (map[h & mask].v) {
                h++;
            }

            map[h & mask] = old[i];
        }

        free(old);
        c->map = map;
        c->map_cap = cap;
    }

    mask = c->map_cap - 1;
    h = ((uintptr_t) v >> 4) * 0x9e3779b1;

    while (c->map[h & mask].v) {
        h++;
    }

    c->map[h & mask].v = v;
    c->map[h & mask].node = node;
    c->map_n++;

    return NGX_WS_GUARD_OK;
}


static ngx_ws_guard_schema_node_t *
ngx_ws_guard_schema_map_get(ngx_ws_guard_schema_ctx_t *c,
    const ngx_ws_guard_schema_json_t *v)
{
    size_t     mask;
    uintptr_t  h;

    if (c->map_cap == 0) {
        return NULL;
    }

    mask = c->map_cap - 1;
    h = ((uintptr_t) v >> 4) * 0x9e3779b1;

    while (c->map[h & mask].v) {
        if (c->map[h & mask].v == v) {
            return c->map[h & mask].node;
        }

        h++;
    }

    return NULL;
}


static const ngx_ws_guard_schema_json_t *
ngx_ws_guard_schema_member(const ngx_ws_guard_schema_json_t *obj,
    const char *name)
{
    size_t  i, len;

    len = strlen(name);

    for (i = 0; i < obj->n; i++) {
        if (obj->klens[i] == len && memcmp(obj->keys[i], name, len) == 0) {
            return obj->items[i];
        }
    }

    return NULL;
}


static ngx_ws_guard_schema_node_t *
ngx_ws_guard_schema_node(ngx_ws_guard_schema_ctx_t *c,
    const ngx_ws_guard_schema_json_t *v)
{
    char                            *loc;
    size_t                           i, lo, hi, mid, nkw;
    int                              rc;
    const char                      *where;
    ngx_ws_guard_schema_node_t      *node;
    const ngx_ws_guard_schema_kw_t  *kw;

    node = ngx_ws_guard_schema_palloc(&c->schema->pool,
                                      sizeof(ngx_ws_guard_schema_node_t));
    if (node == NULL) {
        return NULL;
    }

    node->max_length = NGX_WS_GUARD_SCHEMA_UNSET;
    node->max_items = NGX_WS_GUARD_SCHEMA_UNSET;
    node->max_props = NGX_WS_GUARD_SCHEMA_UNSET;
    node->max_contains = NGX_WS_GUARD_SCHEMA_UNSET;
    node->min_contains = 1;

    where = ngx_ws_guard_schema_where(c);

    loc = ngx_ws_guard_schema_palloc(&c->schema->pool, strlen(where) + 1);
    if (loc == NULL) {
        return NULL;
    }

    memcpy(loc, where, strlen(where) + 1);
    node->location = loc;

    if (ngx_ws_guard_schema_map_put(c, v, node) != NGX_WS_GUARD_OK
        || ngx_ws_guard_schema_grow((void **) &c->nodes, &c->cnodes,
                                    c->nnodes, sizeof(void *))
           != NGX_WS_GUARD_OK)
    {
        return NULL;
    }

    c->nodes[c->nnodes++] = node;

    if (v->type == NGX_WS_GUARD_SCHEMA_BOOLEAN) {
        node->flags |= v->boolean ? NGX_WS_GUARD_SCHEMA_N_TRUE
                                  : NGX_WS_GUARD_SCHEMA_N_FALSE;
        return node;
    }

    if (v->type != NGX_WS_GUARD_SCHEMA_OBJECT) {
        ngx_ws_guard_schema_error(c, "schema at %s is not an object or a "
                                  "boolean", where);
        return NULL;
    }

    if (c->depth >= c->max_depth) {
        ngx_ws_guard_schema_error(c, "schema nested too deeply at %s", where);
        return NULL;
    }

    c->depth++;

    nkw = sizeof(ngx_ws_guard_schema_keywords)
          / sizeof(ngx_ws_guard_schema_keywords[0]);

    for (i = 0; i < v->n; i++) {

        kw = NULL;
        lo = 0;
        hi = nkw;

        while (lo < hi) {
            mid = (lo + hi) / 2;
            rc = strcmp((const char *) v->keys[i],
                        ngx_ws_guard_schema_keywords[mid].name);

            if (rc == 0) {
                kw = &ngx_ws_guard_schema_keywords[mid];
                break;
            }

            if (rc < 0) {
                hi = mid;

            } else {
                lo = mid + 1;
            }
        }

        /* a NUL inside a key never names a keyword */

        if (kw == NULL || strlen(kw->name) != v->klens[i]) {
            ngx_ws_guard_schema_error(c, "unsupported keyword \"%s\" at %s",
                                      (const char *) v->keys[i],
                                      node->location);
            return NULL;
        }

        if (kw->handler(c, node, kw->name, v->items[i], kw->offset, kw->flag)
            != NGX_WS_GUARD_OK)
        {
            return NULL;
        }
    }

    if (ngx_ws_guard_schema_finalize(c, node, v) != NGX_WS_GUARD_OK) {
        return NULL;
    }

    c->depth--;

    return node;
}


/* compiles the subschema v found under keyword kw */

static ngx_ws_guard_schema_node_t *
ngx_ws_guard_schema_sub(ngx_ws_guard_schema_ctx_t *c, const char *kw,
    const ngx_ws_guard_schema_json_t *v)
{
    size_t                       saved;
    ngx_ws_guard_schema_node_t  *node;

    saved = c->path_len;

    if (kw && ngx_ws_guard_schema_push(c, (const unsigned char *) kw,
                                       strlen(kw))
              != NGX_WS_GUARD_OK)
    {
        return NULL;
    }

    node = ngx_ws_guard_schema_node(c, v);

    c->path_len = saved;

    if (c->path) {
        c->path[saved] = '\0';
    }

    return node;
}


/*
 * After all keywords of a node: the name table of properties, required
 * and dependentRequired, and the keywords that only mean something
 * together.
 */

static int
ngx_ws_guard_schema_finalize(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const ngx_ws_guard_schema_json_t *obj)
{
    size_t                              i, j, n, cap, bit;
    unsigned char                      *copy;
    ngx_ws_guard_schema_dep_t          *dep;
    ngx_ws_guard_schema_name_t         *name;
    ngx_ws_guard_schema_gather_t       *g;
    const ngx_ws_guard_schema_json_t   *props, *req, *deps, *list;

    g = NULL;
    n = 0;
    cap = 0;

    props = ngx_ws_guard_schema_member(obj, "properties");
    req = ngx_ws_guard_schema_member(obj, "required");
    deps = ngx_ws_guard_schema_member(obj, "dependentRequired");

    for (i = 0; props && i < props->n; i++) {
        if (ngx_ws_guard_schema_gather(c, &g, &n, &cap, props->keys[i],
                                       props->klens[i],
                                       ngx_ws_guard_schema_map_get(c,
                                                             props->items[i]),
                                       0, 0)
            != NGX_WS_GUARD_OK)
        {
            goto failed;
        }
    }

    for (i = 0; req && i < req->n; i++) {
        if (ngx_ws_guard_schema_gather(c, &g, &n, &cap, req->items[i]->str,
                                       req->items[i]->len, NULL, 1, 0)
            != NGX_WS_GUARD_OK)
        {
            goto failed;
        }
    }

    for (i = 0; deps && i < deps->n; i++) {
        if (ngx_ws_guard_schema_gather(c, &g, &n, &cap, deps->keys[i],
                                       deps->klens[i], NULL, 0, 1)
            != NGX_WS_GUARD_OK)
        {
            goto failed;
        }

        list = deps->items[i];

        for (j = 0; j < list->n; j++) {
            if (ngx_ws_guard_schema_gather(c, &g, &n, &cap,
                                           list->items[j]->str,
                                           list->items[j]->len, NULL, 0, 1)
                != NGX_WS_GUARD_OK)
            {
                goto failed;
            }
        }
    }

    if (n) {
        qsort(g, n, sizeof(ngx_ws_guard_schema_gather_t),
              ngx_ws_guard_schema_gather_cmp);

        /* merge the duplicates */

        for (i = 0, j = 0; i < n; i++) {
            if (j > 0 && g[j - 1].len == g[i].len
                && memcmp(g[j - 1].name, g[i].name, g[i].len) == 0)
            {
                g[j - 1].required |= g[i].required;
                g[j - 1].dep |= g[i].dep;

                if (g[i].schema) {
                    g[j - 1].schema = g[i].schema;
                }

                continue;
            }

            g[j++] = g[i];
        }

        n = j;

        node->names = ngx_ws_guard_schema_palloc(&c->schema->pool,
                                      n * sizeof(ngx_ws_guard_schema_name_t));
        if (node->names == NULL) {
            goto failed;
        }

        node->nnames = n;
        bit = 0;

        for (i = 0; i < n; i++) {
            name = &node->names[i];

            /* the JSON tree goes away after the compilation */

            copy = ngx_ws_guard_schema_palloc(&c->schema->pool, g[i].len + 1);
            if (copy == NULL) {
                goto failed;
            }

            memcpy(copy, g[i].name, g[i].len);

            name->name = copy;
            name->len = g[i].len;
            name->head = ngx_ws_guard_schema_name_head(copy, g[i].len);
            name->schema = g[i].schema;
            name->bit = NGX_WS_GUARD_SCHEMA_NONE;

            if (g[i].required) {
                name->bit = (uint32_t) bit++;
            }
        }

        node->nrequired = bit;

        for (i = 0; i < n; i++) {
            if (g[i].dep && node->names[i].bit == NGX_WS_GUARD_SCHEMA_NONE) {
                node->names[i].bit = (uint32_t) bit++;
            }
        }

        node->nbits = bit;
    }

    free(g);
    g = NULL;

    if (deps && deps->n) {
        node->deps = ngx_ws_guard_schema_palloc(&c->schema->pool,
                                deps->n * sizeof(ngx_ws_guard_schema_dep_t));
        if (node->deps == NULL) {
            goto failed;
        }

        node->ndeps = deps->n;

        for (i = 0; i < deps->n; i++) {
            dep = &node->deps[i];
            list = deps->items[i];

            dep->trigger = ngx_ws_guard_schema_bit(node, deps->keys[i],
                                                   deps->klens[i]);
            dep->n = list->n;
            dep->bits = ngx_ws_guard_schema_palloc(&c->schema->pool,
                                                   list->n * sizeof(uint32_t));
            if (dep->bits == NULL) {
                goto failed;
            }

            for (j = 0; j < list->n; j++) {
                dep->bits[j] = ngx_ws_guard_schema_bit(node,
                                                       list->items[j]->str,
                                                       list->items[j]->len);
            }
        }
    }

    if (node->contains == NULL) {
        node->flags &= ~NGX_WS_GUARD_SCHEMA_N_MINCONT;
        node->min_contains = 0;
        node->max_contains = NGX_WS_GUARD_SCHEMA_UNSET;

    } else if (node->min_contains == 0
               && node->max_contains == NGX_WS_GUARD_SCHEMA_UNSET)
    {
        /* "contains" that nothing can fail */
        node->contains = NULL;
    }

    if (node->if_ == NULL) {
        node->then_ = NULL;
        node->else_ = NULL;

    } else if (node->then_ == NULL && node->else_ == NULL) {
        node->if_ = NULL;
    }

    if (node->min_length || node->max_length != NGX_WS_GUARD_SCHEMA_UNSET
        || node->pattern)
    {
        node->flags |= NGX_WS_GUARD_SCHEMA_N_STRING;

    } else {
        node->flags &= ~NGX_WS_GUARD_SCHEMA_N_STRING;
    }

    if (node->flags & NGX_WS_GUARD_SCHEMA_NUMERIC) {
        node->flags |= NGX_WS_GUARD_SCHEMA_N_NUMBER;
    }

    return NGX_WS_GUARD_OK;

failed:

    free(g);

    return NGX_WS_GUARD_ERROR;
}


static int
ngx_ws_guard_schema_gather(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_gather_t **g, size_t *n, size_t *cap,
    const unsigned char *name, size_t len, ngx_ws_guard_schema_node_t *schema,
    unsigned required, unsigned dep)
{
    ngx_ws_guard_schema_gather_t  *e;

    if (ngx_ws_guard_schema_grow((void **) g, cap, *n,
                                 sizeof(ngx_ws_guard_schema_gather_t))
        != NGX_WS_GUARD_OK)
    {
        return NGX_WS_GUARD_ERROR;
    }

    e = &(*g)[(*n)++];
    e->name = name;
    e->len = len;
    e->schema = schema;
    e->required = required;
    e->dep = dep;

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_gather_cmp(const void *a, const void *b)
{
    int                                  rc;
    const ngx_ws_guard_schema_gather_t  *x = a, *y = b;

    /* by length first: the lookup compares lengths before bytes */

    if (x->len != y->len) {
        return x->len < y->len ? -1 : 1;
    }

    rc = memcmp(x->name, y->name, x->len);

    return rc;
}


static uint32_t
ngx_ws_guard_schema_bit(ngx_ws_guard_schema_node_t *node,
    const unsigned char *name, size_t len)
{
    size_t  i;

    for (i = 0; i < node->nnames; i++) {
        if (node->names[i].len == len
            && memcmp(node->names[i].name, name, len) == 0)
        {
            return node->names[i].bit;
        }
    }

    return NGX_WS_GUARD_SCHEMA_NONE;
}


/*
 * JSON Schema patterns are ECMA-262 regular expressions (unicode mode):
 * PCRE2 gets "$" at the very end only, empty classes, \u escapes, and
 * these rewritten: \p{Letter} and the other long names of general
 * categories (PCRE2 knows the short ones), \s and \S (ECMA-262's
 * whitespace is Unicode's; inside a class \S stays PCRE2's).
 */

static ngx_ws_guard_schema_re_t *
ngx_ws_guard_schema_regex(ngx_ws_guard_schema_ctx_t *c, const char *kw,
    const unsigned char *p, size_t len)
{
    int                          errcode;
    size_t                       n;
    PCRE2_SIZE                   erroff;
    pcre2_code                  *re;
    PCRE2_UCHAR                  msg[128];
    unsigned char               *ecma;
    pcre2_compile_context       *cc;
    ngx_ws_guard_schema_re_t    *r;
    ngx_ws_guard_schema_code_t  *code;
    ngx_ws_guard_schema_item_t   items[NGX_WS_GUARD_SCHEMA_SIMPLE_MAX];

    ecma = ngx_ws_guard_schema_ecma(p, len, &n);
    cc = pcre2_compile_context_create(NULL);

    if (ecma == NULL || cc == NULL) {
        free(ecma);
        pcre2_compile_context_free(cc);
        return NULL;
    }

    pcre2_set_compile_extra_options(cc, PCRE2_EXTRA_ALT_BSUX);

    re = pcre2_compile((PCRE2_SPTR) ecma, n,
                       PCRE2_UTF|PCRE2_ALT_BSUX|PCRE2_DOLLAR_ENDONLY
                       |PCRE2_ALLOW_EMPTY_CLASS,
                       &errcode, &erroff, cc);

    free(ecma);
    pcre2_compile_context_free(cc);

    if (re == NULL) {
        pcre2_get_error_message(errcode, msg, sizeof(msg));
        ngx_ws_guard_schema_error(c, "invalid regex \"%s\" of \"%s\" at %s: "
                                  "%s", (const char *) p, kw,
                                  ngx_ws_guard_schema_where(c),
                                  (const char *) msg);
        return NULL;
    }

    code = ngx_ws_guard_schema_palloc(&c->schema->pool,
                                      sizeof(ngx_ws_guard_schema_code_t));
    if (code == NULL) {
        pcre2_code_free(re);
        return NULL;
    }

    code->re = re;
    code->next = c->schema->pool.codes;
    c->schema->pool.codes = code;

    /* the interpreter serves where JIT is not available */

    (void) pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);

    r = ngx_ws_guard_schema_palloc(&c->schema->pool,
                                   sizeof(ngx_ws_guard_schema_re_t));
    if (r == NULL) {
        return NULL;
    }

    r->re = re;
    r->items = NULL;
    r->nitems = ngx_ws_guard_schema_simple(p, len, items);

    if (r->nitems) {
        r->items = ngx_ws_guard_schema_palloc(&c->schema->pool,
                               r->nitems * sizeof(ngx_ws_guard_schema_item_t));
        if (r->items == NULL) {
            return NULL;
        }

        memcpy(r->items, items,
               r->nitems * sizeof(ngx_ws_guard_schema_item_t));
    }

    return r;
}


/*
 * A pattern taken as items (ngx_ws_guard_schema_re_t): "^", then up to
 * NGX_WS_GUARD_SCHEMA_SIMPLE_MAX atoms, each an ASCII character (escaped
 * if it is a syntax character), \d, \w or a class of those and ranges,
 * each with a quantifier or none, then "$".  The rest (alternatives,
 * groups, ".", negated classes, \s, \p, \u, characters beyond ASCII,
 * lazy quantifiers, no anchors) is left to PCRE2.
 *
 * Matched greedily, an item never gives back: so an item of varying count
 * must take no byte that the items after it could start with (up to the
 * first one that must take a byte), or the pattern is PCRE2's too.  Its
 * string, in ECMA-262 unicode mode, matches code points; the items take
 * ASCII bytes only, and a string with others goes to PCRE2.
 *
 * Returns the number of items, 0 if the pattern is not of this kind.
 */

static size_t
ngx_ws_guard_schema_simple(const unsigned char *p, size_t len,
    ngx_ws_guard_schema_item_t *items)
{
    size_t                       i, k, n, end, used;
    uint32_t                     min, max;
    uint64_t                     first[2];
    ngx_ws_guard_schema_item_t  *it;

    /* a dollar sign escaped at the end ("^a\$") is an escape cut short */

    if (len < 2 || p[0] != '^' || p[len - 1] != '$') {
        return 0;
    }

    end = len - 1;
    n = 0;
    i = 1;

    while (i < end) {

        if (n == NGX_WS_GUARD_SCHEMA_SIMPLE_MAX) {
            return 0;
        }

        it = &items[n++];
        it->set[0] = 0;
        it->set[1] = 0;

        switch (p[i]) {

        case '[':
            used = ngx_ws_guard_schema_simple_class(p + i, end - i, it->set);
            if (used == 0) {
                return 0;
            }

            i += used;
            break;

        case '\\':
            if (i + 1 >= end
                || !ngx_ws_guard_schema_simple_escape(p[i + 1], it->set))
            {
                return 0;
            }

            i += 2;
            break;

        case '^': case '$': case '.': case '|': case '(': case ')':
        case ']': case '{': case '}': case '*': case '+': case '?':
            return 0;

        default:
            if (p[i] < 0x20 || p[i] > 0x7e) {
                return 0;
            }

            ngx_ws_guard_schema_set_add(it->set, p[i], p[i]);
            i++;
        }

        /* the quantifier */

        min = 1;
        max = 1;

        if (i < end) {
            switch (p[i]) {

            case '?':
                min = 0;
                i++;
                break;

            case '*':
                min = 0;
                max = NGX_WS_GUARD_SCHEMA_SIMPLE_INF;
                i++;
                break;

            case '+':
                max = NGX_WS_GUARD_SCHEMA_SIMPLE_INF;
                i++;
                break;

            case '{':
                i++;
                min = 0;

                for (k = i; i < end && p[i] >= '0' && p[i] <= '9'; i++) {
                    if (min > 65535) {
                        return 0;
                    }

                    min = min * 10 + (p[i] - '0');
                }

                if (i == k || i == end || min > 65535) {
                    return 0;
                }

                max = min;

                if (p[i] == ',') {
                    i++;
                    max = NGX_WS_GUARD_SCHEMA_SIMPLE_INF;

                    if (i < end && p[i] >= '0' && p[i] <= '9') {
                        max = 0;

                        for ( /* void */ ;
                             i < end && p[i] >= '0' && p[i] <= '9';
                             i++)
                        {
                            if (max > 65535) {
                                return 0;
                            }

                            max = max * 10 + (p[i] - '0');
                        }

                        if (max > 65535 || max < min) {
                            return 0;
                        }
                    }
                }

                if (i == end || p[i] != '}') {
                    return 0;
                }

                i++;
                break;

            default:
                break;
            }

            /* lazy or possessive, or a quantifier quantified */

            if (i < end
                && (p[i] == '?' || p[i] == '+' || p[i] == '*'
                    || p[i] == '{'))
            {
                return 0;
            }
        }

        it->min = min;
        it->max = max;
    }

    if (n == 0) {
        return 0;
    }

    /* greedy without going back: see above */

    for (i = 0; i < n; i++) {
        if (items[i].min == items[i].max) {
            continue;
        }

        first[0] = 0;
        first[1] = 0;

        for (k = i + 1; k < n; k++) {
            first[0] |= items[k].set[0];
            first[1] |= items[k].set[1];

            if (items[k].min > 0) {
                break;
            }
        }

        if ((items[i].set[0] & first[0]) || (items[i].set[1] & first[1])) {
            return 0;
        }
    }

    return n;
}


/* a class "[...]" at p: its bytes used, 0 if it is not a simple one */

static size_t
ngx_ws_guard_schema_simple_class(const unsigned char *p, size_t len,
    uint64_t *set)
{
    size_t    i;
    unsigned  c, to;

    i = 1;

    if (i < len && p[i] == '^') {
        return 0;
    }

    while (i < len && p[i] != ']') {

        c = p[i];

        if (c == '\\') {
            if (i + 1 >= len
                || !ngx_ws_guard_schema_simple_escape(p[i + 1], set))
            {
                return 0;
            }

            c = p[i + 1];
            i += 2;

            if (c == 'd' || c == 'w') {
                /* a class: no range from it */
                continue;
            }

        } else {
            if (c < 0x20 || c > 0x7e || c == '[') {
                return 0;
            }

            i++;
        }

        /* a range: "-" between two characters */

        to = c;

        if (i + 1 < len && p[i] == '-' && p[i + 1] != ']') {
            to = p[i + 1];

            if (to == '\\' || to == '[' || to < 0x20 || to > 0x7e
                || to < c)
            {
                return 0;
            }

            i += 2;
        }

        ngx_ws_guard_schema_set_add(set, c, to);
    }

    if (i >= len || i == 1) {
        /* no end, or empty: it matches nothing */
        return 0;
    }

    return i + 1;
}


/*
 * The escape "\c", in a class or not: \d, \w, or a syntax character as
 * itself, added to set.  0 for the others (PCRE2's).
 */

static int
ngx_ws_guard_schema_simple_escape(unsigned c, uint64_t *set)
{
    switch (c) {

    case 'd':
        ngx_ws_guard_schema_set_add(set, '0', '9');
        return 1;

    case 'w':
        ngx_ws_guard_schema_set_add(set, '0', '9');
        ngx_ws_guard_schema_set_add(set, 'A', 'Z');
        ngx_ws_guard_schema_set_add(set, 'a', 'z');
        ngx_ws_guard_schema_set_add(set, '_', '_');
        return 1;

    case '^': case '$': case '\\': case '.': case '*': case '+': case '?':
    case '(': case ')': case '[': case ']': case '{': case '}': case '|':
    case '/': case '-':
        ngx_ws_guard_schema_set_add(set, c, c);
        return 1;

    default:
        return 0;
    }
}


static void
ngx_ws_guard_schema_set_add(uint64_t *set, unsigned from, unsigned to)
{
    unsigned  c;

    for (c = from; c <= to; c++) {
        set[c >> 6] |= (uint64_t) 1 << (c & 63);
    }
}


static unsigned char *
ngx_ws_guard_schema_ecma(const unsigned char *p, size_t len, size_t *out_len)
{
    size_t                i, k, n, nlen, plen;
    unsigned              in_class;
    unsigned char        *out, *o, e;
    const unsigned char  *name, *close;

    static const char  ws[] = "\\t\\n\\x0b\\f\\r \\u00a0\\u1680"
                              "\\u2000-\\u200a\\u2028\\u2029\\u202f"
                              "\\u205f\\u3000\\ufeff";

    if (len > ((size_t) -1) / (2 * sizeof(ws))) {
        return NULL;
    }

    out = malloc(len * (sizeof(ws) + 4) + 16);
    if (out == NULL) {
        return NULL;
    }

    o = out;
    in_class = 0;

    for (i = 0; i < len; /* void */) {

        if (p[i] == '\\' && i + 1 < len) {
            e = p[i + 1];

            if ((e == 'p' || e == 'P') && i + 2 < len && p[i + 2] == '{'
                && (close = memchr(p + i + 3, '}', len - i - 3)) != NULL)
            {
                name = p + i + 3;
                nlen = close - name;

                for (k = 0; k < 2; k++) {
                    plen = strlen(ngx_ws_guard_schema_gc_prefix[k]);

                    if (nlen > plen
                        && memcmp(name, ngx_ws_guard_schema_gc_prefix[k], plen)
                           == 0)
                    {
                        name += plen;
                        nlen -= plen;
                        break;
                    }
                }

                for (k = 0; ngx_ws_guard_schema_gc[k][0][0]; k++) {
                    if (strlen(ngx_ws_guard_schema_gc[k][0]) == nlen
                        && memcmp(name, ngx_ws_guard_schema_gc[k][0], nlen)
                           == 0)
                    {
                        name = (const unsigned char *)
                                   ngx_ws_guard_schema_gc[k][1];
                        nlen = strlen(ngx_ws_guard_schema_gc[k][1]);
                        break;
                    }
                }

                *o++ = '\\';
                *o++ = e;
                *o++ = '{';
                memcpy(o, name, nlen);
                o += nlen;
                *o++ = '}';

                i = close + 1 - p;
                continue;
            }

            if (e == 's' || (e == 'S' && !in_class)) {
                if (!in_class) {
                    *o++ = '[';

                    if (e == 'S') {
                        *o++ = '^';
                    }
                }

                n = sizeof(ws) - 1;
                memcpy(o, ws, n);
                o += n;

                if (!in_class) {
                    *o++ = ']';
                }

                i += 2;
                continue;
            }

            *o++ = p[i++];
            *o++ = p[i++];
            continue;
        }

        if (in_class) {
            if (p[i] == ']') {
                in_class = 0;
            }

        } else if (p[i] == '[') {
            in_class = 1;
            *o++ = p[i++];

            if (i < len && p[i] == '^') {
                *o++ = p[i++];
            }

            continue;
        }

        *o++ = p[i++];
    }

    *out_len = o - out;

    return out;
}


/* an array of unique strings */

static int
ngx_ws_guard_schema_strings(ngx_ws_guard_schema_ctx_t *c, const char *kw,
    const ngx_ws_guard_schema_json_t *v)
{
    size_t  i, j;

    if (v->type != NGX_WS_GUARD_SCHEMA_ARRAY) {
        goto invalid;
    }

    for (i = 0; i < v->n; i++) {
        if (v->items[i]->type != NGX_WS_GUARD_SCHEMA_STRING) {
            goto invalid;
        }

        for (j = 0; j < i; j++) {
            if (v->items[j]->len == v->items[i]->len
                && memcmp(v->items[j]->str, v->items[i]->str,
                          v->items[i]->len) == 0)
            {
                goto invalid;
            }
        }
    }

    return NGX_WS_GUARD_OK;

invalid:

    return ngx_ws_guard_schema_invalid(c, kw, "must be an array of unique "
                                              "strings");
}


/* keywords */

static int
ngx_ws_guard_schema_kw_any(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_kw_string(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    if (v->type != NGX_WS_GUARD_SCHEMA_STRING) {
        return ngx_ws_guard_schema_invalid(c, name, "must be a string");
    }

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_kw_boolean(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    if (v->type != NGX_WS_GUARD_SCHEMA_BOOLEAN) {
        return ngx_ws_guard_schema_invalid(c, name, "must be a boolean");
    }

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_kw_dialect(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    static const char  dialect[] =
        "https://json-schema.org/draft/2020-12/schema";

    if (v->type == NGX_WS_GUARD_SCHEMA_STRING
        && ((v->len == sizeof(dialect) - 1
             && memcmp(v->str, dialect, v->len) == 0)
            || (v->len == sizeof(dialect)
                && memcmp(v->str, dialect, v->len - 1) == 0
                && v->str[v->len - 1] == '#')))
    {
        return NGX_WS_GUARD_OK;
    }

    ngx_ws_guard_schema_error(c, "unsupported \"$schema\" at %s: only "
                              "\"%s\" is supported",
                              ngx_ws_guard_schema_where(c), dialect);

    return NGX_WS_GUARD_ERROR;
}


/*
 * $id is accepted at the root only, where it names the document itself:
 * it never starts a new base for references.
 */

static int
ngx_ws_guard_schema_kw_id(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    unsigned char  *hash;

    if (node != c->nodes[0] || c->path_len != 0) {
        ngx_ws_guard_schema_error(c, "\"$id\" at %s: \"$id\" is supported at "
                                  "the schema root only",
                                  ngx_ws_guard_schema_where(c));
        return NGX_WS_GUARD_ERROR;
    }

    if (v->type != NGX_WS_GUARD_SCHEMA_STRING || v->len == 0) {
        return ngx_ws_guard_schema_invalid(c, "$id", "must be a URI");
    }

    hash = memchr(v->str, '#', v->len);

    if (hash && hash != v->str + v->len - 1) {
        return ngx_ws_guard_schema_invalid(c, "$id", "must not have a "
                                                     "fragment");
    }

    c->id = v->str;
    c->id_len = hash ? (size_t) (hash - v->str) : v->len;

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_kw_anchor(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    size_t                         i;
    unsigned char                  ch;
    ngx_ws_guard_schema_anchor_t  *a;

    if (v->type != NGX_WS_GUARD_SCHEMA_STRING || v->len == 0) {
        goto invalid;
    }

    for (i = 0; i < v->len; i++) {
        ch = v->str[i];

        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_'
            || (i > 0 && ((ch >= '0' && ch <= '9') || ch == '-' || ch == '.')))
        {
            continue;
        }

        goto invalid;
    }

    for (i = 0; i < c->nanchors; i++) {
        if (c->anchors[i].len == v->len
            && memcmp(c->anchors[i].name, v->str, v->len) == 0)
        {
            ngx_ws_guard_schema_error(c, "duplicate \"$anchor\" \"%s\" at %s",
                                      (const char *) v->str,
                                      ngx_ws_guard_schema_where(c));
            return NGX_WS_GUARD_ERROR;
        }
    }

    if (ngx_ws_guard_schema_grow((void **) &c->anchors, &c->canchors,
                                 c->nanchors,
                                 sizeof(ngx_ws_guard_schema_anchor_t))
        != NGX_WS_GUARD_OK)
    {
        return NGX_WS_GUARD_ERROR;
    }

    a = &c->anchors[c->nanchors++];
    a->name = v->str;
    a->len = v->len;
    a->node = node;

    return NGX_WS_GUARD_OK;

invalid:

    return ngx_ws_guard_schema_invalid(c, "$anchor", "must be a plain name");
}


static int
ngx_ws_guard_schema_kw_defs(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    size_t  i, saved;

    if (v->type != NGX_WS_GUARD_SCHEMA_OBJECT) {
        return ngx_ws_guard_schema_invalid(c, "$defs", "must be an object");
    }

    saved = c->path_len;

    for (i = 0; i < v->n; i++) {

        if (ngx_ws_guard_schema_push(c, (const unsigned char *) name,
                                     strlen(name))
            != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }

        if (ngx_ws_guard_schema_sub(c, (const char *) v->keys[i], v->items[i])
            == NULL)
        {
            return NGX_WS_GUARD_ERROR;
        }

        c->path_len = saved;
        c->path[saved] = '\0';
    }

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_kw_ref(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    ngx_ws_guard_schema_ref_t  *r;

    if (v->type != NGX_WS_GUARD_SCHEMA_STRING) {
        return ngx_ws_guard_schema_invalid(c, "$ref", "must be a string");
    }

    if (ngx_ws_guard_schema_grow((void **) &c->refs, &c->crefs, c->nrefs,
                                 sizeof(ngx_ws_guard_schema_ref_t))
        != NGX_WS_GUARD_OK)
    {
        return NGX_WS_GUARD_ERROR;
    }

    r = &c->refs[c->nrefs++];
    r->node = node;
    r->target = v->str;
    r->len = v->len;

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_kw_type(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    size_t                             i, j, n;
    unsigned                           bit;
    const ngx_ws_guard_schema_json_t  *t;

    n = (v->type == NGX_WS_GUARD_SCHEMA_ARRAY) ? v->n : 1;

    if (v->type == NGX_WS_GUARD_SCHEMA_ARRAY && v->n == 0) {
        goto invalid;
    }

    for (i = 0; i < n; i++) {
        t = (v->type == NGX_WS_GUARD_SCHEMA_ARRAY) ? v->items[i] : v;

        if (t->type != NGX_WS_GUARD_SCHEMA_STRING) {
            goto invalid;
        }

        bit = 0;

        for (j = 0; j < 7; j++) {
            if (t->len == strlen(ngx_ws_guard_schema_types[j])
                && memcmp(t->str, ngx_ws_guard_schema_types[j], t->len) == 0)
            {
                bit = 1u << j;
                break;
            }
        }

        if (bit == 0 || (node->types & bit)) {
            goto invalid;
        }

        node->types |= bit;
    }

    return NGX_WS_GUARD_OK;

invalid:

    return ngx_ws_guard_schema_invalid(c, "type",
                                       "must be a type name or an array of "
                                       "unique type names");
}


static int
ngx_ws_guard_schema_kw_enum(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    size_t  i;

    if (v->type != NGX_WS_GUARD_SCHEMA_ARRAY) {
        return ngx_ws_guard_schema_invalid(c, "enum", "must be an array");
    }

    node->flags |= NGX_WS_GUARD_SCHEMA_N_ENUM;
    node->nenums = v->n;

    if (v->n == 0) {
        return NGX_WS_GUARD_OK;
    }

    node->enums = ngx_ws_guard_schema_palloc(&c->schema->pool,
                                 v->n * sizeof(ngx_ws_guard_schema_const_t));
    if (node->enums == NULL) {
        return NGX_WS_GUARD_ERROR;
    }

    for (i = 0; i < v->n; i++) {
        if (ngx_ws_guard_schema_const_set(&c->schema->pool, &node->enums[i],
                                          v->items[i])
            != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }

        if (v->items[i]->type & NGX_WS_GUARD_SCHEMA_CONTAINER) {
            node->flags |= NGX_WS_GUARD_SCHEMA_N_HASH;
        }
    }

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_kw_const(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    node->konst = ngx_ws_guard_schema_palloc(&c->schema->pool,
                                        sizeof(ngx_ws_guard_schema_const_t));
    if (node->konst == NULL
        || ngx_ws_guard_schema_const_set(&c->schema->pool, node->konst, v)
           != NGX_WS_GUARD_OK)
    {
        return NGX_WS_GUARD_ERROR;
    }

    node->flags |= NGX_WS_GUARD_SCHEMA_N_CONST;

    if (v->type & NGX_WS_GUARD_SCHEMA_CONTAINER) {
        node->flags |= NGX_WS_GUARD_SCHEMA_N_HASH;
    }

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_kw_number(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    unsigned char              *p;
    ngx_ws_guard_schema_num_t  *num;

    if (v->type != NGX_WS_GUARD_SCHEMA_NUMBER) {
        return ngx_ws_guard_schema_invalid(c, name, "must be a number");
    }

    p = ngx_ws_guard_schema_palloc(&c->schema->pool, v->len + 1);
    if (p == NULL) {
        return NGX_WS_GUARD_ERROR;
    }

    memcpy(p, v->str, v->len);

    num = (ngx_ws_guard_schema_num_t *) ((unsigned char *) node + offset);
    ngx_ws_guard_schema_num_parse(num, p, v->len);

    if (flag == NGX_WS_GUARD_SCHEMA_N_MULTIPLE && (num->zero || num->neg)) {
        return ngx_ws_guard_schema_invalid(c, "multipleOf", "must be greater "
                                                            "than 0");
    }

    node->flags |= flag;

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_kw_size(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    ngx_ws_guard_schema_num_t  num;

    if (v->type != NGX_WS_GUARD_SCHEMA_NUMBER) {
        goto invalid;
    }

    ngx_ws_guard_schema_num_parse(&num, v->str, v->len);

    if (num.neg || !ngx_ws_guard_schema_num_integer(&num)) {
        goto invalid;
    }

    *(size_t *) ((unsigned char *) node + offset) =
                                         ngx_ws_guard_schema_num_size(&num);

    node->flags |= flag;

    return NGX_WS_GUARD_OK;

invalid:

    return ngx_ws_guard_schema_invalid(c, name, "must be a non-negative "
                                                "integer");
}


static int
ngx_ws_guard_schema_kw_pattern(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    if (v->type != NGX_WS_GUARD_SCHEMA_STRING) {
        return ngx_ws_guard_schema_invalid(c, "pattern", "must be a string");
    }

    node->pattern = ngx_ws_guard_schema_regex(c, name, v->str, v->len);

    return node->pattern ? NGX_WS_GUARD_OK : NGX_WS_GUARD_ERROR;
}


static int
ngx_ws_guard_schema_kw_unique(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    if (ngx_ws_guard_schema_kw_boolean(c, node, name, v, offset, flag)
        != NGX_WS_GUARD_OK)
    {
        return NGX_WS_GUARD_ERROR;
    }

    if (v->boolean) {
        node->flags |= NGX_WS_GUARD_SCHEMA_N_UNIQUE;
    }

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_kw_schema(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    ngx_ws_guard_schema_node_t  *sub;

    sub = ngx_ws_guard_schema_sub(c, name, v);
    if (sub == NULL) {
        return NGX_WS_GUARD_ERROR;
    }

    *(ngx_ws_guard_schema_node_t **) ((unsigned char *) node + offset) = sub;

    return NGX_WS_GUARD_OK;
}


/* a non-empty array of schemas: offset of the array, flag of the count */

static int
ngx_ws_guard_schema_kw_schemas(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    char                          index[32];
    size_t                        i, saved;
    ngx_ws_guard_schema_node_t  **subs;

    if (v->type != NGX_WS_GUARD_SCHEMA_ARRAY || v->n == 0) {
        return ngx_ws_guard_schema_invalid(c, name, "must be a non-empty "
                                                    "array of schemas");
    }

    subs = ngx_ws_guard_schema_palloc(&c->schema->pool, v->n * sizeof(void *));
    if (subs == NULL) {
        return NGX_WS_GUARD_ERROR;
    }

    saved = c->path_len;

    for (i = 0; i < v->n; i++) {

        if (ngx_ws_guard_schema_push(c, (const unsigned char *) name,
                                     strlen(name))
            != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }

        snprintf(index, sizeof(index), "%zu", i);

        subs[i] = ngx_ws_guard_schema_sub(c, index, v->items[i]);
        if (subs[i] == NULL) {
            return NGX_WS_GUARD_ERROR;
        }

        c->path_len = saved;
        c->path[saved] = '\0';
    }

    *(ngx_ws_guard_schema_node_t ***) ((unsigned char *) node + offset) = subs;
    *(size_t *) ((unsigned char *) node + flag) = v->n;

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_kw_items(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    if (v->type == NGX_WS_GUARD_SCHEMA_ARRAY) {
        return ngx_ws_guard_schema_invalid(c, "items",
                                           "must be a schema (an array is "
                                           "\"prefixItems\" in draft 2020-12)");
    }

    return ngx_ws_guard_schema_kw_schema(c, node, name, v, offset, flag);
}


/* the name table is built by ngx_ws_guard_schema_finalize() */

static int
ngx_ws_guard_schema_kw_properties(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    size_t  i, saved;

    if (v->type != NGX_WS_GUARD_SCHEMA_OBJECT) {
        return ngx_ws_guard_schema_invalid(c, name, "must be an object");
    }

    saved = c->path_len;

    for (i = 0; i < v->n; i++) {

        if (ngx_ws_guard_schema_push(c, (const unsigned char *) name,
                                     strlen(name))
            != NGX_WS_GUARD_OK
            || ngx_ws_guard_schema_push(c, v->keys[i], v->klens[i])
               != NGX_WS_GUARD_OK
            || ngx_ws_guard_schema_sub(c, NULL, v->items[i]) == NULL)
        {
            return NGX_WS_GUARD_ERROR;
        }

        c->path_len = saved;
        c->path[saved] = '\0';
    }

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_kw_patterns(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    size_t                          i, saved;
    ngx_ws_guard_schema_pattern_t  *pp;

    if (v->type != NGX_WS_GUARD_SCHEMA_OBJECT) {
        return ngx_ws_guard_schema_invalid(c, name, "must be an object");
    }

    if (v->n == 0) {
        return NGX_WS_GUARD_OK;
    }

    node->patterns = ngx_ws_guard_schema_palloc(&c->schema->pool,
                              v->n * sizeof(ngx_ws_guard_schema_pattern_t));
    if (node->patterns == NULL) {
        return NGX_WS_GUARD_ERROR;
    }

    node->npatterns = v->n;
    saved = c->path_len;

    for (i = 0; i < v->n; i++) {
        pp = &node->patterns[i];

        if (ngx_ws_guard_schema_push(c, (const unsigned char *) name,
                                     strlen(name))
            != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }

        pp->re = ngx_ws_guard_schema_regex(c, name, v->keys[i], v->klens[i]);
        if (pp->re == NULL) {
            return NGX_WS_GUARD_ERROR;
        }

        if (ngx_ws_guard_schema_push(c, v->keys[i], v->klens[i])
            != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }

        pp->schema = ngx_ws_guard_schema_sub(c, NULL, v->items[i]);
        if (pp->schema == NULL) {
            return NGX_WS_GUARD_ERROR;
        }

        c->path_len = saved;
        c->path[saved] = '\0';
    }

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_kw_required(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    return ngx_ws_guard_schema_strings(c, name, v);
}


static int
ngx_ws_guard_schema_kw_dependent(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, const char *name,
    const ngx_ws_guard_schema_json_t *v, size_t offset, unsigned flag)
{
    size_t  i;

    if (v->type != NGX_WS_GUARD_SCHEMA_OBJECT) {
        return ngx_ws_guard_schema_invalid(c, name, "must be an object");
    }

    for (i = 0; i < v->n; i++) {
        if (ngx_ws_guard_schema_strings(c, name, v->items[i])
            != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }
    }

    return NGX_WS_GUARD_OK;
}


/* references */

static int
ngx_ws_guard_schema_resolve(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_ref_t *r)
{
    int                                 hi, lo;
    char                               *saved_path;
    size_t                              i, n, base, saved_len, saved_cap;
    size_t                              saved_depth;
    unsigned char                      *frag, *buf;
    const unsigned char                *p, *hash;
    ngx_ws_guard_schema_node_t         *target;
    const ngx_ws_guard_schema_json_t   *v;

    p = r->target;
    hash = memchr(p, '#', r->len);
    base = hash ? (size_t) (hash - p) : r->len;

    if (base && (c->id == NULL || base != c->id_len
                 || memcmp(p, c->id, base) != 0))
    {
        ngx_ws_guard_schema_error(c, "unsupported \"$ref\" \"%s\" at %s: only "
                                  "references inside the schema (\"#...\") "
                                  "are supported", (const char *) p,
                                  r->node->location);
        return NGX_WS_GUARD_ERROR;
    }

    n = hash ? r->len - base - 1 : 0;

    frag = malloc(2 * n + 2);
    if (frag == NULL) {
        return NGX_WS_GUARD_ERROR;
    }

    buf = frag + n + 1;

    /* the fragment is URI-encoded */

    for (n = 0, p = hash ? hash + 1 : r->target + r->len;
         p < r->target + r->len;
         p++)
    {

        if (*p != '%') {
            frag[n++] = *p;
            continue;
        }

        if (p + 2 >= r->target + r->len) {
            goto invalid;
        }

        hi = (p[1] >= '0' && p[1] <= '9') ? p[1] - '0'
             : ((p[1] | 0x20) >= 'a' && (p[1] | 0x20) <= 'f')
               ? (p[1] | 0x20) - 'a' + 10 : -1;
        lo = (p[2] >= '0' && p[2] <= '9') ? p[2] - '0'
             : ((p[2] | 0x20) >= 'a' && (p[2] | 0x20) <= 'f')
               ? (p[2] | 0x20) - 'a' + 10 : -1;

        if (hi < 0 || lo < 0) {
            goto invalid;
        }

        frag[n++] = (unsigned char) (hi * 16 + lo);
        p += 2;
    }

    frag[n] = '\0';
    target = NULL;

    if (n == 0) {
        target = c->root_node;

    } else if (frag[0] == '/') {
        v = ngx_ws_guard_schema_walk(c->root, frag, n, buf);

        if (v == NULL) {
            ngx_ws_guard_schema_error(c, "unresolvable \"$ref\" \"%s\" at %s",
                                      (const char *) r->target,
                                      r->node->location);
            free(frag);
            return NGX_WS_GUARD_ERROR;
        }

        target = ngx_ws_guard_schema_map_get(c, v);

        if (target == NULL) {

            /* not a schema location yet, e.g. "#/$defs/a/enum/0" */

            saved_path = c->path;
            saved_len = c->path_len;
            saved_cap = c->path_cap;
            saved_depth = c->depth;

            c->path = malloc(n + 1);
            if (c->path == NULL) {
                c->path = saved_path;
                free(frag);
                return NGX_WS_GUARD_ERROR;
            }

            memcpy(c->path, frag, n + 1);
            c->path_len = n;
            c->path_cap = n + 1;
            c->depth = 0;

            target = ngx_ws_guard_schema_node(c, v);

            free(c->path);

            c->path = saved_path;
            c->path_len = saved_len;
            c->path_cap = saved_cap;
            c->depth = saved_depth;

            if (target == NULL) {
                free(frag);
                return NGX_WS_GUARD_ERROR;
            }
        }

    } else {
        for (i = 0; i < c->nanchors; i++) {
            if (c->anchors[i].len == n
                && memcmp(c->anchors[i].name, frag, n) == 0)
            {
                target = c->anchors[i].node;
                break;
            }
        }

        if (target == NULL) {
            ngx_ws_guard_schema_error(c, "unresolvable \"$ref\" \"%s\" at %s",
                                      (const char *) r->target,
                                      r->node->location);
            free(frag);
            return NGX_WS_GUARD_ERROR;
        }
    }

    free(frag);
    r->node->ref = target;

    return NGX_WS_GUARD_OK;

invalid:

    free(frag);

    ngx_ws_guard_schema_error(c, "invalid \"$ref\" \"%s\" at %s",
                              (const char *) r->target, r->node->location);

    return NGX_WS_GUARD_ERROR;
}


/* follows the pointer p ("/a/0") from v; buf holds len bytes */

static const ngx_ws_guard_schema_json_t *
ngx_ws_guard_schema_walk(const ngx_ws_guard_schema_json_t *v,
    const unsigned char *p, size_t len, unsigned char *buf)
{
    size_t                i, n, tlen, index;
    const unsigned char  *end, *tok;

    end = p + len;

    while (p < end) {

        /* *p == '/' */

        tok = ++p;

        while (p < end && *p != '/') {
            p++;
        }

        tlen = ngx_ws_guard_schema_unescape(tok, p - tok, buf);

        if (tlen == NGX_WS_GUARD_SCHEMA_UNSET) {
            return NULL;
        }

        if (v->type == NGX_WS_GUARD_SCHEMA_OBJECT) {

            for (i = 0, n = v->n; i < n; i++) {
                if (v->klens[i] == tlen && memcmp(v->keys[i], buf, tlen) == 0)
                {
                    break;
                }
            }

            if (i == n) {
                return NULL;
            }

            v = v->items[i];

        } else if (v->type == NGX_WS_GUARD_SCHEMA_ARRAY) {

            if (ngx_ws_guard_schema_index(buf, tlen, &index)
                != NGX_WS_GUARD_OK
                || index >= v->n)
            {
                return NULL;
            }

            v = v->items[index];

        } else {
            return NULL;
        }
    }

    return v;
}


/* "~0" is "~", "~1" is "/"; NGX_WS_GUARD_SCHEMA_UNSET if invalid */

static size_t
ngx_ws_guard_schema_unescape(const unsigned char *p, size_t len,
    unsigned char *buf)
{
    size_t  i, n;

    for (i = 0, n = 0; i < len; i++) {

        if (p[i] != '~') {
            buf[n++] = p[i];
            continue;
        }

        if (i + 1 == len || (p[i + 1] != '0' && p[i + 1] != '1')) {
            return NGX_WS_GUARD_SCHEMA_UNSET;
        }

        buf[n++] = (p[i + 1] == '0') ? '~' : '/';
        i++;
    }

    return n;
}


/* an array index of RFC 6901: no sign, no leading zero */

static int
ngx_ws_guard_schema_index(const unsigned char *p, size_t len, size_t *index)
{
    size_t  i, v;

    if (len == 0 || (len > 1 && p[0] == '0') || len > 18) {
        return NGX_WS_GUARD_ERROR;
    }

    for (i = 0, v = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return NGX_WS_GUARD_ERROR;
        }

        v = v * 10 + (p[i] - '0');
    }

    *index = v;

    return NGX_WS_GUARD_OK;
}


/*
 * Whether a node can never fail (N_TRUE): no assertion, and applicators
 * whose subschemas can never fail; a cycle counts as "can fail".
 */

static int
ngx_ws_guard_schema_true(ngx_ws_guard_schema_node_t *node, size_t depth)
{
    size_t  i;
    int     t;

    if (node->mark & NGX_WS_GUARD_SCHEMA_M_TRUE_DONE) {
        return (node->flags & NGX_WS_GUARD_SCHEMA_N_TRUE) ? 1 : 0;
    }

    /* a cycle, or a chain too long to follow, can fail */

    if ((node->mark & NGX_WS_GUARD_SCHEMA_M_TRUE_BUSY)
        || depth > NGX_WS_GUARD_SCHEMA_CHAIN)
    {
        return 0;
    }

    if (node->flags & (NGX_WS_GUARD_SCHEMA_N_TRUE|NGX_WS_GUARD_SCHEMA_N_FALSE))
    {
        node->mark |= NGX_WS_GUARD_SCHEMA_M_TRUE_DONE;
        return (node->flags & NGX_WS_GUARD_SCHEMA_N_TRUE) ? 1 : 0;
    }

    node->mark |= NGX_WS_GUARD_SCHEMA_M_TRUE_BUSY;

    t = !(node->types
          || (node->flags & (NGX_WS_GUARD_SCHEMA_N_CONST
                             |NGX_WS_GUARD_SCHEMA_N_ENUM
                             |NGX_WS_GUARD_SCHEMA_N_UNIQUE
                             |NGX_WS_GUARD_SCHEMA_N_STRING
                             |NGX_WS_GUARD_SCHEMA_N_NUMBER))
          || node->min_items || node->max_items != NGX_WS_GUARD_SCHEMA_UNSET
          || node->min_props || node->max_props != NGX_WS_GUARD_SCHEMA_UNSET
          || node->nrequired || node->ndeps || node->noneof || node->not
          || node->if_ || node->contains);

    for (i = 0; t && i < node->nanyof; i++) {
        if (ngx_ws_guard_schema_true(node->anyof[i], depth + 1)) {
            break;
        }

        if (i == node->nanyof - 1) {
            t = 0;
        }
    }

    for (i = 0; t && i < node->nallof; i++) {
        t = ngx_ws_guard_schema_true(node->allof[i], depth + 1);
    }

    for (i = 0; t && i < node->nnames; i++) {
        t = node->names[i].schema == NULL
            || ngx_ws_guard_schema_true(node->names[i].schema, depth + 1);
    }

    for (i = 0; t && i < node->npatterns; i++) {
        t = ngx_ws_guard_schema_true(node->patterns[i].schema, depth + 1);
    }

    for (i = 0; t && i < node->nprefix; i++) {
        t = ngx_ws_guard_schema_true(node->prefix[i], depth + 1);
    }

    if (t && node->ref) {
        t = ngx_ws_guard_schema_true(node->ref, depth + 1);
    }

    if (t && node->additional) {
        t = ngx_ws_guard_schema_true(node->additional, depth + 1);
    }

    if (t && node->propnames) {
        t = ngx_ws_guard_schema_true(node->propnames, depth + 1);
    }

    if (t && node->items) {
        t = ngx_ws_guard_schema_true(node->items, depth + 1);
    }

    node->mark &= ~NGX_WS_GUARD_SCHEMA_M_TRUE_BUSY;
    node->mark |= NGX_WS_GUARD_SCHEMA_M_TRUE_DONE;

    if (t) {
        node->flags |= NGX_WS_GUARD_SCHEMA_N_TRUE;
    }

    return t;
}


/* in-place subschemas that need no evaluation: their success adds nothing */

static int
ngx_ws_guard_schema_skip(ngx_ws_guard_schema_node_t *node, unsigned slot)
{
    return slot == NGX_WS_GUARD_SCHEMA_IN_ALL
           && (node->flags & NGX_WS_GUARD_SCHEMA_N_TRUE);
}


/*
 * Counts the evaluations a node starts on one value (itself and its
 * in-place subschemas, recursively), refusing a cycle.
 */

static int
ngx_ws_guard_schema_expand(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node)
{
    size_t  i, total;

    if (node->mark & NGX_WS_GUARD_SCHEMA_M_EXP_DONE) {
        return NGX_WS_GUARD_OK;
    }

    if (node->mark & NGX_WS_GUARD_SCHEMA_M_EXP_BUSY) {
        ngx_ws_guard_schema_error(c, "\"$ref\" cycle at %s: the schema "
                                  "applies itself to the same value",
                                  node->location);
        return NGX_WS_GUARD_ERROR;
    }

    node->mark |= NGX_WS_GUARD_SCHEMA_M_EXP_BUSY;

    /* an "anyOf" that a subschema always satisfies needs no evaluation */

    for (i = 0; i < node->nanyof; i++) {
        if (node->anyof[i]->flags & NGX_WS_GUARD_SCHEMA_N_TRUE) {
            node->nanyof = 0;
            break;
        }
    }

    total = 1;

    for (i = 0; i < node->nallof; i++) {
        if (ngx_ws_guard_schema_expand_add(c, node, node->allof[i],
                                           NGX_WS_GUARD_SCHEMA_IN_ALL, &total)
            != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }
    }

    for (i = 0; i < node->nanyof; i++) {
        if (ngx_ws_guard_schema_expand_add(c, node, node->anyof[i],
                                           NGX_WS_GUARD_SCHEMA_IN_ANY, &total)
            != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }
    }

    for (i = 0; i < node->noneof; i++) {
        if (ngx_ws_guard_schema_expand_add(c, node, node->oneof[i],
                                           NGX_WS_GUARD_SCHEMA_IN_ANY, &total)
            != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }
    }

    if (ngx_ws_guard_schema_expand_add(c, node, node->not,
                                       NGX_WS_GUARD_SCHEMA_IN_ANY, &total)
        != NGX_WS_GUARD_OK
        || ngx_ws_guard_schema_expand_add(c, node, node->if_,
                                          NGX_WS_GUARD_SCHEMA_IN_ALL, &total)
           != NGX_WS_GUARD_OK
        || ngx_ws_guard_schema_expand_add(c, node, node->then_,
                                          NGX_WS_GUARD_SCHEMA_IN_ALL, &total)
           != NGX_WS_GUARD_OK
        || ngx_ws_guard_schema_expand_add(c, node, node->else_,
                                          NGX_WS_GUARD_SCHEMA_IN_ALL, &total)
           != NGX_WS_GUARD_OK
        || ngx_ws_guard_schema_expand_add(c, node, node->ref,
                                          NGX_WS_GUARD_SCHEMA_IN_ALL, &total)
           != NGX_WS_GUARD_OK)
    {
        return NGX_WS_GUARD_ERROR;
    }

    node->expansion = total;
    node->mark &= ~NGX_WS_GUARD_SCHEMA_M_EXP_BUSY;
    node->mark |= NGX_WS_GUARD_SCHEMA_M_EXP_DONE;

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_expand_add(ngx_ws_guard_schema_ctx_t *c,
    ngx_ws_guard_schema_node_t *node, ngx_ws_guard_schema_node_t *child,
    unsigned slot, size_t *total)
{
    if (child == NULL) {
        return NGX_WS_GUARD_OK;
    }

    if (++c->chain > NGX_WS_GUARD_SCHEMA_CHAIN) {
        ngx_ws_guard_schema_error(c, "schema at %s: references nested too "
                                  "deeply", node->location);
        return NGX_WS_GUARD_ERROR;
    }

    if (ngx_ws_guard_schema_expand(c, child) != NGX_WS_GUARD_OK) {
        return NGX_WS_GUARD_ERROR;
    }

    c->chain--;

    if (ngx_ws_guard_schema_skip(child, slot)) {
        return NGX_WS_GUARD_OK;
    }

    *total += child->expansion;

    if (*total > c->max_expansion) {
        ngx_ws_guard_schema_error(c, "schema at %s starts more than %zu "
                                  "evaluations of one value", node->location,
                                  c->max_expansion);
        return NGX_WS_GUARD_ERROR;
    }

    return NGX_WS_GUARD_OK;
}


/* rules */

ngx_ws_guard_schema_rules_t *
ngx_ws_guard_schema_rules_compile(const ngx_ws_guard_schema_rule_t *rules,
    size_t n, char *err, size_t errlen)
{
    size_t                          i, k, len, ntok;
    unsigned char                  *buf;
    const unsigned char            *p, *end, *tok;
    ngx_ws_guard_schema_json_t     *v;
    ngx_ws_guard_schema_rules_t    *rs;
    ngx_ws_guard_schema_prule_t    *r;
    const ngx_ws_guard_schema_rule_t  *in;

    ngx_ws_guard_schema_key_init();

    if (errlen) {
        err[0] = '\0';
    }

    rs = calloc(1, sizeof(ngx_ws_guard_schema_rules_t));
    if (rs == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    rs->n = n;

    if (n) {
        rs->rules = ngx_ws_guard_schema_palloc(&rs->pool,
                                    n * sizeof(ngx_ws_guard_schema_prule_t));
        if (rs->rules == NULL) {
            goto nomem;
        }
    }

    for (i = 0; i < n; i++) {
        in = &rules[i];
        r = &rs->rules[i];

        if (in->pointer_len && in->pointer[0] != '/') {
            snprintf(err, errlen, "invalid JSON pointer \"%.*s\": must be "
                     "empty or start with \"/\"", (int) in->pointer_len,
                     (const char *) in->pointer);
            goto failed;
        }

        ntok = 0;

        for (k = 0; k < in->pointer_len; k++) {
            if (in->pointer[k] == '/') {
                ntok++;
            }
        }

        r->ntokens = ntok;

        if (ntok > rs->max_tokens) {
            rs->max_tokens = ntok;
        }

        if (ntok) {
            r->tokens = ngx_ws_guard_schema_palloc(&rs->pool,
                                                   ntok * sizeof(void *));
            r->lens = ngx_ws_guard_schema_palloc(&rs->pool,
                                                 ntok * sizeof(size_t));
            r->indexes = ngx_ws_guard_schema_palloc(&rs->pool,
                                                    ntok * sizeof(size_t));

            if (r->tokens == NULL || r->lens == NULL || r->indexes == NULL) {
                goto nomem;
            }
        }

        p = in->pointer;
        end = p + in->pointer_len;

        for (k = 0; k < ntok; k++) {
            tok = ++p;

            while (p < end && *p != '/') {
                p++;
            }

            buf = ngx_ws_guard_schema_palloc(&rs->pool, (p - tok) + 1);
            if (buf == NULL) {
                goto nomem;
            }

            len = ngx_ws_guard_schema_unescape(tok, p - tok, buf);

            if (len == NGX_WS_GUARD_SCHEMA_UNSET) {
                snprintf(err, errlen, "invalid JSON pointer \"%.*s\": bad "
                         "\"~\" escape", (int) in->pointer_len,
                         (const char *) in->pointer);
                goto failed;
            }

            r->tokens[k] = buf;
            r->lens[k] = len;

            if (ngx_ws_guard_schema_index(buf, len, &r->indexes[k])
                != NGX_WS_GUARD_OK)
            {
                r->indexes[k] = NGX_WS_GUARD_SCHEMA_UNSET;
            }
        }

        if (!in->value_json) {
            buf = ngx_ws_guard_schema_palloc(&rs->pool, in->value_len + 1);
            if (buf == NULL) {
                goto nomem;
            }

            memcpy(buf, in->value, in->value_len);
            r->value.type = NGX_WS_GUARD_SCHEMA_STRING;
            r->value.str = buf;
            r->value.len = in->value_len;
            continue;
        }

        v = ngx_ws_guard_schema_json_parse(in->value, in->value_len,
                                           NGX_WS_GUARD_SCHEMA_DEPTH, err,
                                           errlen);
        if (v == NULL) {
            goto failed;
        }

        if (ngx_ws_guard_schema_const_set(&rs->pool, &r->value, v)
            != NGX_WS_GUARD_OK)
        {
            ngx_ws_guard_schema_json_free(v);
            goto nomem;
        }

        ngx_ws_guard_schema_json_free(v);
    }

    return rs;

nomem:

    snprintf(err, errlen, "out of memory");

failed:

    ngx_ws_guard_schema_rules_free(rs);

    return NULL;
}


void
ngx_ws_guard_schema_rules_free(ngx_ws_guard_schema_rules_t *rules)
{
    if (rules == NULL) {
        return;
    }

    ngx_ws_guard_schema_pool_free(&rules->pool);
    free(rules);
}
