/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Unit tests of the streaming JSON parser.  Every case is fed whole (to a
 * fresh parser), then, to one parser reset between runs, one byte at a time
 * with empty feeds between, cut at every position into two chunks and, when
 * short, at every two positions into three: the events, the outcome, the
 * kind of error, its detail and its offset in the message must be the same
 * every time.  Each chunk lies in a buffer of its own size, freed after the
 * feed, so that reading past it or keeping a pointer into it shows.
 *
 * Events are written to a text trace, one space between two: "{" "}" "["
 * "]" "t" "f" "z" (null), "k:NAME", "s:STRING", "n:NUMBER"; in the bytes of
 * a token, '%' and all but printable ASCII are written %xx.  A string
 * value comes as sent: it is written decoded (by ngx_ws_guard_json_decode()
 * if it has escapes, and in the table's runs even if it has none, which
 * must give its bytes back), its escaped flag must say whether it has a
 * backslash, its bytes must be in the message, and the code points it
 * reports must be the decoded bytes that are not UTF-8 continuation bytes.
 */


#include "ngx_ws_guard_json.h"
#include "unit.h"


#define TRACE_MAX      (64 * 1024)
#define EVENTS_MAX     8192
#define DETAIL_MAX     128
#define INPUT_MAX      (16 * 1024)
#define SHOW_MAX       160

#define TOKEN_DEFAULT  4096
#define DEPTH_DEFAULT  64

/* the error offset is not checked, or is the end of the message */
#define OFF_NONE       ((size_t) -1)
#define OFF_END        ((size_t) -2)

/* the outcome is not checked (only that it does not depend on the cuts) */
#define RC_ANY         1000

/* ngx_ws_guard_json_init() failed */
#define RC_INIT        1001

#define SYNTAX         NGX_WS_GUARD_JSON_SYNTAX
#define STRING         NGX_WS_GUARD_JSON_STRING
#define NUMBER         NGX_WS_GUARD_JSON_NUMBER
#define DEPTH          NGX_WS_GUARD_JSON_DEPTH

#define JSON_OK        NGX_WS_GUARD_OK
#define JSON_ERROR     NGX_WS_GUARD_ERROR

#define U(s)           ((const unsigned char *) (s))


typedef struct {
    const char      *in;
    size_t           len;
    unsigned         utf8;
    size_t           max_token;       /* 0: TOKEN_DEFAULT */
    size_t           max_depth;       /* 0: DEPTH_DEFAULT */
    int              rc;              /* after finish(), or RC_ANY */
    int              error;
    size_t           offset;          /* or OFF_NONE, OFF_END */
    const char      *trace;           /* NULL: not checked */
} json_case_t;


typedef struct {
    char             trace[TRACE_MAX];
    size_t           len;
    size_t           ends[EVENTS_MAX];
    unsigned         events;
    unsigned         overflow;
    unsigned         stop_at;         /* this event returns 0; 0: none */
    unsigned         stopped;
    unsigned         late;            /* events after a stop */
    unsigned         bad_cps;         /* a string's code points wrong */
    unsigned         bad_string;      /* escaped flag, bytes, decoding */
    unsigned         no_memory;       /* decode() failed: the parse stops */
} rec_t;


typedef struct {
    int              rc;
    int              error;
    size_t           offset;          /* in the message */
    char             detail[DETAIL_MAX];
    unsigned         no_detail;       /* a syntax error without one */
    unsigned         not_sticky;
    rec_t            rec;
} result_t;


typedef struct {
    long             fail_after;      /* allocations granted; -1: all */
    unsigned         allocs;
    unsigned         frees;
    long             live;
} test_alloc_t;


#define CASE(s, utf8, tok, depth, rc, err, off, trace)                        \
    { s, sizeof(s) - 1, utf8, tok, depth, rc, err, off, trace }

#define OK(s, trace)                                                          \
    CASE(s, 1, 0, 0, JSON_OK, 0, OFF_NONE, trace)
#define BAD(s, err, off, trace)                                               \
    CASE(s, 1, 0, 0, JSON_ERROR, err, off, trace)
#define ANY(s)                                                                \
    CASE(s, 1, 0, 0, RC_ANY, 0, OFF_NONE, NULL)
#define OK_RAW(s, trace)                                                      \
    CASE(s, 0, 0, 0, JSON_OK, 0, OFF_NONE, trace)
#define BAD_RAW(s, err, off, trace)                                           \
    CASE(s, 0, 0, 0, JSON_ERROR, err, off, trace)
#define OK_LIM(s, tok, depth, trace)                                          \
    CASE(s, 1, tok, depth, JSON_OK, 0, OFF_NONE, trace)
#define BAD_LIM(s, tok, depth, err, off, trace)                               \
    CASE(s, 1, tok, depth, JSON_ERROR, err, off, trace)


static const json_case_t  cases[] = {

    /* every kind of value */
    OK("{\"a\":1,\"b\":\"x\",\"c\":true,\"d\":false,\"e\":null,\"f\":[],"
       "\"g\":{}}",
       "{ k:a n:1 k:b s:x k:c t k:d f k:e z k:f [ ] k:g { } }"),
    OK("[]", "[ ]"),
    OK("{}", "{ }"),
    OK("\"\"", "s:"),
    OK("\"abc\"", "s:abc"),
    OK("\"a b\"", "s:a%20b"),
    OK("\"%\"", "s:%25"),
    OK("true", "t"),
    OK("false", "f"),
    OK("null", "z"),
    OK("[true,false,null]", "[ t f z ]"),
    OK("{\"\":\"\"}", "{ k: s: }"),
    OK("[\"\",\"\"]", "[ s: s: ]"),
    OK("{\"a\":{},\"a\":[]}", "{ k:a { } k:a [ ] }"),

    /* nesting */
    OK("[[]]", "[ [ ] ]"),
    OK("[{}]", "[ { } ]"),
    OK("[[[]],{\"a\":{\"b\":[{}]}}]",
       "[ [ [ ] ] { k:a { k:b [ { } ] } } ]"),
    OK("{\"a\":{\"b\":{\"c\":[1,[2,[3]]]}},\"d\":[]}",
       "{ k:a { k:b { k:c [ n:1 [ n:2 [ n:3 ] ] ] } } k:d [ ] }"),
    OK("[1,\"a\",[true],{\"k\":null},-2]",
       "[ n:1 s:a [ t ] { k:k z } n:-2 ]"),

    /* white space: space, tab, line feed, carriage return, nothing else */
    OK(" \t\n\r[ \t\n\r1 \t\n\r, \t\n\r{ \"a\" : 2 } ] \r\n",
       "[ n:1 { k:a n:2 } ]"),
    OK("\n1\n", "n:1"),
    OK("{\"a\"\t:\ttrue\r}", "{ k:a t }"),
    BAD("[\f]", SYNTAX, 1, "["),
    BAD("[\v]", SYNTAX, 1, "["),
    BAD("\f1", SYNTAX, 0, ""),
    BAD("1\f", SYNTAX, 1, NULL),
    BAD("[1\v]", SYNTAX, 2, NULL),
    BAD("\xc2\xa0" "1", SYNTAX, 0, ""),
    BAD("[\xc2\xa0]", SYNTAX, 1, "["),
    BAD("{\"a\"\xc2\xa0:1}", SYNTAX, 4, "{ k:a"),
    BAD("\x00", SYNTAX, 0, ""),
    BAD("[1,\x00]", SYNTAX, 3, "[ n:1"),

    /* escapes */
    OK("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "s:\"\\/%08%0c%0a%0d%09"),
    OK("\"a\\nb\"", "s:a%0ab"),
    OK("\"\\u0041\\u00e9\\u00E9\\u20AC\\u20ac\\uffff\\uFFFF\\u0000\"",
       "s:A%c3%a9%c3%a9%e2%82%ac%e2%82%ac%ef%bf%bf%ef%bf%bf%00"),
    OK("\"\\u007f\\u0080\\u07FF\\u0800\\uFFFd\"",
       "s:%7f%c2%80%df%bf%e0%a0%80%ef%bf%bd"),
    OK("{\"\\u0061\\n\":\"\\/\"}", "{ k:a%0a s:/ }"),
    OK("[\"\\\\\",\"\\\"\"]", "[ s:\\ s:\" ]"),

    /* surrogates: pairs, and halves alone decoded as their own 3 bytes */
    OK("\"\\uD83D\\uDE00\"", "s:%f0%9f%98%80"),
    OK("\"\\ud83d\\ude00\"", "s:%f0%9f%98%80"),
    OK("\"\\uD800\\uDC00\"", "s:%f0%90%80%80"),
    OK("\"\\uDBFF\\uDFFF\"", "s:%f4%8f%bf%bf"),
    OK("\"x\\uD83D\\uDE00y\"", "s:x%f0%9f%98%80y"),
    OK("\"\\uD800\"", "s:%ed%a0%80"),
    OK("\"\\uDBFF\"", "s:%ed%af%bf"),
    OK("\"\\uDC00\"", "s:%ed%b0%80"),
    OK("\"\\uDFFF\"", "s:%ed%bf%bf"),
    OK("\"\\uD800x\"", "s:%ed%a0%80x"),
    OK("\"\\uD800\\u0041\"", "s:%ed%a0%80A"),
    OK("\"\\uD800\\n\"", "s:%ed%a0%80%0a"),
    OK("\"\\uD800\\uDBFF\"", "s:%ed%a0%80%ed%af%bf"),
    OK("\"\\uD800\\uD83D\\uDE00\"", "s:%ed%a0%80%f0%9f%98%80"),
    OK("\"\\uDC00\\uD800\"", "s:%ed%b0%80%ed%a0%80"),
    OK("\"\\uDE00\\uD83D\"", "s:%ed%b8%80%ed%a0%bd"),
    OK("{\"\\uD83D\\uDE00\":\"\\uD800\"}", "{ k:%f0%9f%98%80 s:%ed%a0%80 }"),
    OK("[\"\\uD800\",\"\\uDC00\"]", "[ s:%ed%a0%80 s:%ed%b0%80 ]"),

    /* invalid escapes */
    BAD("\"\\x\"", SYNTAX, 2, ""),
    BAD("\"\\U0041\"", SYNTAX, 2, ""),
    BAD("\"\\a\"", SYNTAX, 2, ""),
    BAD("\"\\'\"", SYNTAX, 2, ""),
    BAD("\"\\0\"", SYNTAX, 2, ""),
    BAD("\"\\u12G4\"", SYNTAX, 5, ""),
    BAD("\"\\ug000\"", SYNTAX, 3, ""),
    BAD("\"\\u-123\"", SYNTAX, 3, ""),
    BAD("\"\\u12\"", SYNTAX, 5, ""),
    BAD("\"\\u\"", SYNTAX, 3, ""),
    BAD("\"\\uD800\\u\"", SYNTAX, 9, ""),
    BAD("\"\\uD800\\uDC0\"", SYNTAX, 12, ""),
    BAD("\"\\uD800\\x\"", SYNTAX, 8, ""),
    BAD("\"\\u12", SYNTAX, OFF_END, ""),
    BAD("\"\\", SYNTAX, OFF_END, ""),
    BAD("\"\\uD800", SYNTAX, OFF_END, ""),
    BAD("\"\\uD800\\", SYNTAX, OFF_END, ""),
    BAD("{\"\\q\":1}", SYNTAX, 3, "{"),

    /* 0x7f is not a control character */
    OK("\"\x7f\"", "s:%7f"),
    OK("{\"\x7f\":\"\x7f\"}", "{ k:%7f s:%7f }"),

    /* UTF-8 in strings and names */
    OK("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\xef\xbb"
       "\xbf\"",
       "s:%c3%a9%e2%82%ac%f0%9f%98%80%f4%8f%bf%bf%ef%bb%bf"),
    OK("{\"\xc3\xa9\":\"\xed\x9f\xbf\"}", "{ k:%c3%a9 s:%ed%9f%bf }"),
    BAD("\"\xc0\x80\"", SYNTAX, 1, ""),
    BAD("\"\xc1\xbf\"", SYNTAX, 1, ""),
    BAD("\"\xe0\x80\xaf\"", SYNTAX, 2, ""),
    BAD("\"\xed\xa0\x80\"", SYNTAX, 2, ""),
    BAD("\"\xed\xbf\xbf\"", SYNTAX, 2, ""),
    BAD("\"\xf4\x90\x80\x80\"", SYNTAX, 2, ""),
    BAD("\"\xf5\x80\x80\x80\"", SYNTAX, 1, ""),
    BAD("\"\xff\"", SYNTAX, 1, ""),
    BAD("\"\x80\"", SYNTAX, 1, ""),
    BAD("\"\xe2\x82\"", SYNTAX, 3, ""),
    BAD("\"\xc3\"", SYNTAX, 2, ""),
    BAD("\"a\xf0\x9f\x98\"", SYNTAX, 5, ""),
    BAD("\"\xe2\x82" "a\"", SYNTAX, 3, ""),
    BAD("\"\xe2\x82\\n\"", SYNTAX, 3, ""),
    BAD("{\"\xc0\x80\":1}", SYNTAX, 2, "{"),
    BAD("{\"\xed\xa0\x80\":1}", SYNTAX, 3, "{"),
    BAD("{\"\xe2\x82\":1}", SYNTAX, 4, "{"),
    BAD("[\"ok\",\"\xff\"]", SYNTAX, 7, "[ s:ok"),
    BAD("\"\xe2\x82", SYNTAX, OFF_END, ""),
    OK_RAW("\"\xc0\x80\"", "s:%c0%80"),
    OK_RAW("\"\xed\xa0\x80\"", "s:%ed%a0%80"),
    OK_RAW("\"\xf5\x80\x80\x80\"", "s:%f5%80%80%80"),
    OK_RAW("\"\xff\x80\"", "s:%ff%80"),
    OK_RAW("\"\xe2\x82\"", "s:%e2%82"),
    OK_RAW("{\"\xc0\x80\":\"\xe2\x82\"}", "{ k:%c0%80 s:%e2%82 }"),
    OK_RAW("\"\xe2\x82\\n\\u00e9\"", "s:%e2%82%0a%c3%a9"),

    /* bytes above 0x7f outside strings, whatever utf8 says */
    BAD("\xc3\xa9", SYNTAX, 0, ""),
    BAD("[\xc3\xa9]", SYNTAX, 1, "["),
    BAD("\xef\xbb\xbf[]", SYNTAX, 0, ""),
    BAD("{\xc3\xa9:1}", SYNTAX, 1, "{"),
    BAD_RAW("\xc3\xa9", SYNTAX, 0, ""),
    BAD_RAW("[\xc3\xa9]", SYNTAX, 1, "["),
    BAD_RAW("{\"a\":1}\xff", SYNTAX, 7, "{ k:a n:1 }"),

    /* numbers */
    OK("0", "n:0"),
    OK("-0", "n:-0"),
    OK("12", "n:12"),
    OK("-1.5", "n:-1.5"),
    OK("1e5", "n:1e5"),
    OK("1E+5", "n:1E+5"),
    OK("1.0e-10", "n:1.0e-10"),
    OK("123.456e+78", "n:123.456e+78"),
    OK("-0.0", "n:-0.0"),
    OK("0e0", "n:0e0"),
    OK("0.5", "n:0.5"),
    OK("1E-0", "n:1E-0"),
    OK("10", "n:10"),
    OK("9007199254740993", "n:9007199254740993"),
    OK("-123456789012345678901234567890", "n:-123456789012345678901234567890"),
    OK("1e400", "n:1e400"),
    OK("12 ", "n:12"),
    OK("  12\n", "n:12"),
    OK("[0,-0,12,-1.5,1e5,1E+5,1.0e-10]",
       "[ n:0 n:-0 n:12 n:-1.5 n:1e5 n:1E+5 n:1.0e-10 ]"),
    OK("{\"a\":0,\"b\":-1e-2}", "{ k:a n:0 k:b n:-1e-2 }"),
    OK("[1 ,2\t]", "[ n:1 n:2 ]"),
    BAD("-", SYNTAX, OFF_END, ""),
    BAD("1.", SYNTAX, OFF_END, ""),
    BAD("1e", SYNTAX, OFF_END, ""),
    BAD("1e+", SYNTAX, OFF_END, ""),
    BAD("-0.", SYNTAX, OFF_END, ""),
    BAD("1E-", SYNTAX, OFF_END, ""),
    BAD(".5", SYNTAX, 0, ""),
    BAD("+1", SYNTAX, 0, ""),
    BAD("--1", SYNTAX, 1, ""),
    BAD("-a", SYNTAX, 1, ""),
    BAD("0x1", SYNTAX, 1, NULL),
    BAD("1.5.3", SYNTAX, 3, NULL),
    BAD("[-]", SYNTAX, 2, "["),
    BAD("[01]", SYNTAX, 2, NULL),
    BAD("[00]", SYNTAX, 2, NULL),
    BAD("[-01]", SYNTAX, 3, NULL),
    BAD("[1.]", SYNTAX, 3, "["),
    BAD("[.5]", SYNTAX, 1, "["),
    BAD("[1e]", SYNTAX, 3, "["),
    BAD("[1e+]", SYNTAX, 4, "["),
    BAD("[1e-]", SYNTAX, 4, "["),
    BAD("[1E]", SYNTAX, 3, "["),
    BAD("[1.5e]", SYNTAX, 5, "["),
    BAD("[+1]", SYNTAX, 1, "["),
    BAD("[--1]", SYNTAX, 2, "["),
    BAD("[-a]", SYNTAX, 2, "["),
    BAD("[0x1]", SYNTAX, 2, NULL),
    BAD("[1.e5]", SYNTAX, 3, "["),
    BAD("[2.a]", SYNTAX, 3, "["),
    BAD("[1e5.0]", SYNTAX, 4, NULL),
    BAD("[1e5e]", SYNTAX, 4, NULL),
    BAD("{\"a\":01}", SYNTAX, 6, NULL),
    BAD("{\"a\":1.}", SYNTAX, 7, "{ k:a"),
    BAD("[1,-]", SYNTAX, 4, "[ n:1"),
    BAD("[Infinity]", SYNTAX, 1, "["),
    BAD("[NaN]", SYNTAX, 1, "["),
    BAD("[-Infinity]", SYNTAX, 2, "["),

    /* literals */
    BAD("tru", SYNTAX, OFF_END, ""),
    BAD("fals", SYNTAX, OFF_END, ""),
    BAD("n", SYNTAX, OFF_END, ""),
    BAD("nul1", SYNTAX, 3, ""),
    BAD("trUe", SYNTAX, 2, ""),
    BAD("True", SYNTAX, 0, ""),
    BAD("NULL", SYNTAX, 0, ""),
    BAD("fx", SYNTAX, 1, ""),
    BAD("nulll", SYNTAX, 4, NULL),
    BAD("[tru]", SYNTAX, 4, "["),
    BAD("[nul]", SYNTAX, 4, "["),
    BAD("[t]", SYNTAX, 2, "["),
    BAD("{\"a\":fals}", SYNTAX, 9, "{ k:a"),
    BAD("[true false]", SYNTAX, 6, "[ t"),

    /* the grammar */
    BAD("[1,]", SYNTAX, 3, "[ n:1"),
    BAD("{,}", SYNTAX, 1, "{"),
    BAD("{\"a\"}", SYNTAX, 4, "{ k:a"),
    BAD("{\"a\":}", SYNTAX, 5, "{ k:a"),
    BAD("{\"a\" 1}", SYNTAX, 5, "{ k:a"),
    BAD("[1 2]", SYNTAX, 3, "[ n:1"),
    BAD("{1:2}", SYNTAX, 1, "{"),
    BAD("}", SYNTAX, 0, ""),
    BAD("]", SYNTAX, 0, ""),
    BAD(":", SYNTAX, 0, ""),
    BAD(",", SYNTAX, 0, ""),
    BAD("[,1]", SYNTAX, 1, "["),
    BAD("[1,,2]", SYNTAX, 3, "[ n:1"),
    BAD("{\"a\":1,}", SYNTAX, 7, "{ k:a n:1"),
    BAD("{\"a\":1 \"b\":2}", SYNTAX, 7, NULL),
    BAD("{\"a\"::1}", SYNTAX, 5, "{ k:a"),
    BAD("{\"a\",1}", SYNTAX, 4, "{ k:a"),
    BAD("[1:2]", SYNTAX, 2, NULL),
    BAD("[}", SYNTAX, 1, "["),
    BAD("{]", SYNTAX, 1, "{"),
    BAD("[1}", SYNTAX, 2, NULL),
    BAD("{\"a\":1]", SYNTAX, 6, NULL),
    BAD("[[]}", SYNTAX, 3, "[ [ ]"),
    BAD("{\"a\":[}", SYNTAX, 6, "{ k:a ["),
    BAD("{null:1}", SYNTAX, 1, "{"),
    BAD("{[]:1}", SYNTAX, 1, "{"),
    BAD("{'a':1}", SYNTAX, 1, "{"),
    BAD("['a']", SYNTAX, 1, "["),
    BAD("[1]]", SYNTAX, 3, "[ n:1 ]"),
    BAD("/**/1", SYNTAX, 0, ""),
    BAD("[1]//", SYNTAX, 3, "[ n:1 ]"),

    /* a message that ends early */
    BAD("", SYNTAX, OFF_END, ""),
    BAD(" \t\r\n", SYNTAX, OFF_END, ""),
    BAD("[", SYNTAX, OFF_END, "["),
    BAD("{", SYNTAX, OFF_END, "{"),
    BAD("[1", SYNTAX, OFF_END, NULL),
    BAD("[1,", SYNTAX, OFF_END, "[ n:1"),
    BAD("[[]", SYNTAX, OFF_END, "[ [ ]"),
    BAD("{\"a", SYNTAX, OFF_END, "{"),
    BAD("{\"a\"", SYNTAX, OFF_END, "{ k:a"),
    BAD("{\"a\":", SYNTAX, OFF_END, "{ k:a"),
    BAD("{\"a\":1", SYNTAX, OFF_END, NULL),
    BAD("{\"a\":1,", SYNTAX, OFF_END, "{ k:a n:1"),
    BAD("\"abc", SYNTAX, OFF_END, ""),
    BAD("[\"abc", SYNTAX, OFF_END, "["),

    /* a second value: its events come, the caller decides */
    OK("1 2", "n:1 n:2"),
    OK("{} []", "{ } [ ]"),
    OK("[]{}", "[ ] { }"),
    OK("\"a\"\"b\"", "s:a s:b"),
    OK("1 \"x\"", "n:1 s:x"),
    OK("true null", "t z"),
    OK("{\"a\":1}\n{\"a\":2}\n", "{ k:a n:1 } { k:a n:2 }"),
    BAD("[] ]", SYNTAX, 3, "[ ]"),
    BAD("1 }", SYNTAX, 2, "n:1"),
    BAD("{},", SYNTAX, 2, "{ }"),
    BAD("1,2", SYNTAX, 1, NULL),
    BAD("[] [", SYNTAX, OFF_END, "[ ] ["),
    BAD("1 tru", SYNTAX, OFF_END, "n:1"),

    /* two values without white space: not decided by RFC 8259 */
    ANY("01"),
    ANY("-01"),
    ANY("00"),
    ANY("truefalse"),
    ANY("true1"),
    ANY("1true"),
    ANY("0-1"),
    ANY("\"a\"1"),
    ANY("1\"a\""),
    ANY("[]1"),
    ANY("1[]"),

    /* max_token: the raw bytes between the quotes, or of the number */
    OK_LIM("\"abcdefgh\"", 8, 0, "s:abcdefgh"),
    BAD_LIM("\"abcdefghi\"", 8, 0, STRING, 9, ""),
    BAD_LIM("\"abcdefghijklmnop\"", 8, 0, STRING, 9, ""),
    OK_LIM("{\"abcdefgh\":\"abcdefgh\"}", 8, 0,
           "{ k:abcdefgh s:abcdefgh }"),
    BAD_LIM("{\"abcdefghi\":1}", 8, 0, STRING, 10, "{"),
    BAD_LIM("{\"a\":\"abcdefghi\"}", 8, 0, STRING, 14, "{ k:a"),
    BAD_LIM("\"abcdefghi", 8, 0, STRING, 9, ""),
    OK_LIM("\"\\n\"", 2, 0, "s:%0a"),
    BAD_LIM("\"\\n1\"", 2, 0, STRING, 3, ""),
    BAD_LIM("\"abcdefg\\n\"", 8, 0, STRING, 9, ""),
    OK_LIM("\"abcdef\\n\"", 8, 0, "s:abcdef%0a"),
    OK_LIM("\"\\u00e9\"", 6, 0, "s:%c3%a9"),
    BAD_LIM("\"\\u00e9\"", 5, 0, STRING, 6, ""),
    BAD_LIM("\"\\u00e9x\"", 6, 0, STRING, 7, ""),
    BAD_LIM("\"abc\\u00e9\"", 8, 0, STRING, 9, ""),
    OK_LIM("\"\\uD83D\\uDE00\"", 12, 0, "s:%f0%9f%98%80"),
    BAD_LIM("\"\\uD83D\\uDE00\"", 11, 0, STRING, 12, ""),
    OK_LIM("\"\xf0\x9f\x98\x80\xc3\xa9\"", 6, 0, "s:%f0%9f%98%80%c3%a9"),
    BAD_LIM("\"\xf0\x9f\x98\x80\xc3\xa9\"", 5, 0, STRING, 6, ""),
    OK_LIM("12345678", 8, 0, "n:12345678"),
    BAD_LIM("123456789", 8, 0, NUMBER, 8, ""),

    /* short strings near the end of a chunk of 16 bytes or more */
    OK("{\"key\":\"\xc3\xa9t\xc3\xa9\",\"v\":\"\xe2\x82\xac\xc3\xa9\"}",
       "{ k:key s:%c3%a9t%c3%a9 k:v s:%e2%82%ac%c3%a9 }"),
    OK("[\"\xf0\x9f\x9a\x80\",\"0123456789\",\"\xc3\xa9\"]",
       "[ s:%f0%9f%9a%80 s:0123456789 s:%c3%a9 ]"),

    /* the same with 16 bytes after the quote: the short-string path */
    OK_LIM("\"abcdefgh\"                ", 8, 0, "s:abcdefgh"),
    BAD_LIM("\"abcdefghi\"               ", 8, 0, STRING, 9, ""),
    OK_LIM("{\"abcdefgh\":1}              ", 8, 0, "{ k:abcdefgh n:1 }"),
    BAD_LIM("{\"abcdefghi\":1}             ", 8, 0, STRING, 10, "{"),
    OK_LIM("[\"\",\"a\"]                  ", 1, 0, "[ s: s:a ]"),
    BAD_LIM("[\"\",\"ab\"]                 ", 1, 0, STRING, 6, "[ s:"),
    BAD_LIM("1234567890123", 8, 0, NUMBER, 8, ""),
    OK_LIM("[-1234567]", 8, 0, "[ n:-1234567 ]"),
    BAD_LIM("[-12345678]", 8, 0, NUMBER, 9, "["),
    OK_LIM("[1.5e+100]", 8, 0, "[ n:1.5e+100 ]"),
    BAD_LIM("[1.5e+1000]", 8, 0, NUMBER, 9, "["),
    OK_LIM("{\"n\":1.234567}", 8, 0, "{ k:n n:1.234567 }"),
    BAD_LIM("{\"n\":1.2345678}", 8, 0, NUMBER, 13, "{ k:n"),
    OK_LIM("\"a\"", 1, 0, "s:a"),
    BAD_LIM("\"ab\"", 1, 0, STRING, 2, ""),
    OK_LIM("7", 1, 0, "n:7"),
    BAD_LIM("77", 1, 0, NUMBER, 1, ""),
    BAD_LIM("-1", 1, 0, NUMBER, 1, ""),
    OK_LIM("[\"\",1,\"x\",{\"k\":2}]", 1, 0, "[ s: n:1 s:x { k:k n:2 } ]"),

    /* no limit at all: a long token cut anywhere still fits the buffer */
    OK_LIM("[\"abcdefghijklmnopq\",12345678901234567890]", (size_t) -1, 0,
           "[ s:abcdefghijklmnopq n:12345678901234567890 ]"),
    OK_LIM("[\"abcdefghijklmnopq\"]", (size_t) -1 - 7, 0,
           "[ s:abcdefghijklmnopq ]"),

    /* max_depth: containers only */
    OK_LIM("[[1]]", 0, 2, "[ [ n:1 ] ]"),
    OK_LIM("{\"a\":[1]}", 0, 2, "{ k:a [ n:1 ] }"),
    OK_LIM("[[],{},[[]]]", 0, 3, "[ [ ] { } [ [ ] ] ]"),
    BAD_LIM("[[[1]]]", 0, 2, DEPTH, 2, "[ ["),
    BAD_LIM("[[[]]]", 0, 2, DEPTH, 2, "[ ["),
    BAD_LIM("{\"a\":{\"b\":{}}}", 0, 2, DEPTH, 10, "{ k:a { k:b"),
    BAD_LIM("[{\"a\":[]}]", 0, 2, DEPTH, 6, "[ { k:a"),
    BAD_LIM("[[],[[]]]", 0, 2, DEPTH, 5, "[ [ ] ["),
    OK_LIM("[1,2]", 0, 1, "[ n:1 n:2 ]"),
    OK_LIM("{\"a\":\"b\"}", 0, 1, "{ k:a s:b }"),
    BAD_LIM("[[]]", 0, 1, DEPTH, 1, "["),
    BAD_LIM("{\"a\":{}}", 0, 1, DEPTH, 5, "{ k:a"),
    OK_LIM("[] {} []", 0, 1, "[ ] { } [ ]"),
    OK_LIM("1", 0, 1, "n:1")
};


static void rec_init(rec_t *r, unsigned stop_at);
static int rec_event(void *ctx, const char *tag, const unsigned char *p,
    size_t len);
static int contains(const unsigned char *hay, size_t n,
    const unsigned char *p, size_t len);
static int cb_null(void *ctx);
static int cb_boolean(void *ctx, int value);
static int cb_number(void *ctx, const unsigned char *p, size_t len);
static int cb_string(void *ctx, const unsigned char *p, size_t len,
    size_t cps, unsigned escaped);
static int cb_start_object(void *ctx);
static int cb_key(void *ctx, const unsigned char *p, size_t len);
static int cb_end_object(void *ctx);
static int cb_start_array(void *ctx);
static int cb_end_array(void *ctx);
static void *fill_alloc(void *data, size_t size);
static void fill_free(void *data, void *p);
static void *ta_alloc(void *data, size_t size);
static void ta_free(void *data, void *p);
static void show(const char *what, const unsigned char *p, size_t len);
static int parser_init(ngx_ws_guard_json_t *j, const json_case_t *c,
    const ngx_ws_guard_json_allocator_t *a);
static void run(ngx_ws_guard_json_t *shared, const json_case_t *c,
    const size_t *cuts, size_t ncuts, unsigned stop_at, result_t *res);
static int same(const json_case_t *c, const char *how, const result_t *a,
    const result_t *b, int verbose);
static void expect(const json_case_t *c, const result_t *res);
static void check_case(const json_case_t *c);
static void check_stops(const json_case_t *c, ngx_ws_guard_json_t *j);
static void test_table(void);
static void test_control_chars(void);
static void test_high_bytes(void);
static void test_white_space(void);
static void test_escapes_all(void);
static void test_nesting(void);
static void test_token_limits(void);
static void test_long_tokens(void);
static void test_long_spans(void);
static void test_stop(void);
static void test_reset(void);
static void test_allocator(void);
static void test_free(void);
static size_t utf8_put(unsigned char *out, uint32_t cp);
static uint32_t next_low(uint32_t lo);
static size_t trace_put(char *out, const char *tag, const unsigned char *p,
    size_t len);


static const ngx_ws_guard_json_callbacks_t  rec_callbacks = {
    cb_null,
    cb_boolean,
    cb_number,
    cb_string,
    cb_start_object,
    cb_key,
    cb_end_object,
    cb_start_array,
    cb_end_array
};


/*
 * The allocator of the table's parsers: each block comes filled with the
 * next of four patterns, so that a bit read before it is written does not
 * pass by the luck of what malloc() left there.
 */
static unsigned  fill_next;

static const ngx_ws_guard_json_allocator_t  fill_allocator = {
    fill_alloc,
    fill_free,
    &fill_next
};


/* the callbacks' context: the recorder of the current run */
static rec_t  *current;

/* the parser and the message of the current run, for string events */
static ngx_ws_guard_json_t  *current_parser;
static const unsigned char  *current_msg;
static size_t                current_len;

/* string values without escapes are decoded too (but by test_allocator) */
static unsigned  decode_plain = 1;

/* what the string callback returns after decode() failed */
static unsigned  decode_failed_ret;

static result_t  whole, other;

static size_t  cuts_buf[3 * INPUT_MAX + 3];

static unsigned char  input_buf[INPUT_MAX];
static char           trace_buf[TRACE_MAX];
static char           show_buf[3 * SHOW_MAX + 1];


static void
rec_init(rec_t *r, unsigned stop_at)
{
    r->len = 0;
    r->events = 0;
    r->overflow = 0;
    r->stop_at = stop_at;
    r->stopped = 0;
    r->late = 0;
    r->bad_cps = 0;
    r->bad_string = 0;
    r->no_memory = 0;
    r->trace[0] = '\0';
}


static size_t
trace_put(char *out, const char *tag, const unsigned char *p, size_t len)
{
    size_t               n, i;
    static const char    hex[] = "0123456789abcdef";

    n = strlen(tag);
    memcpy(out, tag, n);

    for (i = 0; i < len; i++) {
        if (p[i] > 0x20 && p[i] < 0x7f && p[i] != '%') {
            out[n++] = (char) p[i];

        } else {
            out[n++] = '%';
            out[n++] = hex[p[i] >> 4];
            out[n++] = hex[p[i] & 0xf];
        }
    }

    return n;
}


static int
rec_event(void *ctx, const char *tag, const unsigned char *p, size_t len)
{
    rec_t  *r;

    if (ctx != &current) {
        r = current;
        r->late++;
        return 0;
    }

    r = current;

    if (r->stopped) {
        r->late++;
        return 0;
    }

    if (len != 0 && p == NULL) {
        r->late++;
        return 0;
    }

    if (r->len + 4 + 3 * len + 1 > TRACE_MAX) {
        r->overflow = 1;

    } else {
        if (r->events > 0) {
            r->trace[r->len++] = ' ';
        }

        r->len += trace_put(r->trace + r->len, tag, p, len);
        r->trace[r->len] = '\0';
    }

    if (r->events < EVENTS_MAX) {
        r->ends[r->events] = r->len;
    }

    r->events++;

    if (r->stop_at != 0 && r->events == r->stop_at) {
        r->stopped = 1;
        return 0;
    }

    return 1;
}


static int
contains(const unsigned char *hay, size_t n, const unsigned char *p,
    size_t len)
{
    size_t  i;

    for (i = 0; i + len <= n; i++) {
        if (hay[i] == p[0] && memcmp(hay + i, p, len) == 0) {
            return 1;
        }
    }

    return 0;
}


static int
cb_null(void *ctx)
{
    return rec_event(ctx, "z", NULL, 0);
}


static int
cb_boolean(void *ctx, int value)
{
    return rec_event(ctx, value ? "t" : "f", NULL, 0);
}


static int
cb_number(void *ctx, const unsigned char *p, size_t len)
{
    return rec_event(ctx, "n:", p, len);
}


static int
cb_string(void *ctx, const unsigned char *p, size_t len, size_t cps,
    unsigned escaped)
{
    size_t                i, n, dlen;
    const unsigned char  *d;

    if (len > 0) {
        if (p == NULL
            || (memchr(p, '\\', len) != NULL) != (escaped != 0)
            || (current_msg != NULL
                && !contains(current_msg, current_len, p, len)))
        {
            current->bad_string++;
            return rec_event(ctx, "s:", NULL, 0);
        }
    }

    d = p;
    dlen = len;

    if (escaped || decode_plain) {
        d = ngx_ws_guard_json_decode(current_parser, p, len, &dlen);

        if (d == NULL) {
            current->no_memory = 1;
            rec_event(ctx, "s!", NULL, 0);
            return (int) decode_failed_ret;
        }

        if (!escaped && (dlen != len || (len && memcmp(d, p, len) != 0))) {
            current->bad_string++;
        }
    }

    for (n = 0, i = 0; i < dlen; i++) {
        n += ((d[i] & 0xc0) != 0x80);
    }

    if (n != cps) {
        current->bad_cps++;
    }

    return rec_event(ctx, "s:", d, dlen);
}


static int
cb_start_object(void *ctx)
{
    return rec_event(ctx, "{", NULL, 0);
}


static int
cb_key(void *ctx, const unsigned char *p, size_t len)
{
    return rec_event(ctx, "k:", p, len);
}


static int
cb_end_object(void *ctx)
{
    return rec_event(ctx, "}", NULL, 0);
}


static int
cb_start_array(void *ctx)
{
    return rec_event(ctx, "[", NULL, 0);
}


static int
cb_end_array(void *ctx)
{
    return rec_event(ctx, "]", NULL, 0);
}


static void *
fill_alloc(void *data, size_t size)
{
    unsigned       *next;
    unsigned char  *p;

    static const unsigned char  fill[4] = { 0x00, 0xff, 0x55, 0xaa };

    next = data;

    p = malloc(size ? size : 1);
    if (p != NULL) {
        memset(p, fill[(*next)++ & 3], size);
    }

    return p;
}


static void
fill_free(void *data, void *p)
{
    free(p);
}


/* an allocator that counts its blocks and fails when told */

static void *
ta_alloc(void *data, size_t size)
{
    test_alloc_t  *ta;

    ta = data;

    if (ta->fail_after >= 0 && (long) ta->allocs >= ta->fail_after) {
        return NULL;
    }

    ta->allocs++;
    ta->live++;

    return malloc(size ? size : 1);
}


static void
ta_free(void *data, void *p)
{
    test_alloc_t  *ta;

    ta = data;

    if (p == NULL) {
        return;
    }

    ta->frees++;
    ta->live--;

    free(p);
}


static void
show(const char *what, const unsigned char *p, size_t len)
{
    size_t  n;

    n = len < SHOW_MAX ? len : SHOW_MAX;
    n = trace_put(show_buf, "", p, n);
    show_buf[n] = '\0';

    fprintf(stderr, "%s \"%s\"%s (%zu bytes)\n", what, show_buf,
            len > SHOW_MAX ? "..." : "", len);
}


static int
parser_init(ngx_ws_guard_json_t *j, const json_case_t *c,
    const ngx_ws_guard_json_allocator_t *a)
{
    if (a == NULL) {
        a = &fill_allocator;
    }

    return ngx_ws_guard_json_init(j, &rec_callbacks, &current, a,
                                  c->max_token ? c->max_token
                                               : TOKEN_DEFAULT,
                                  c->max_depth ? c->max_depth
                                               : DEPTH_DEFAULT,
                                  c->utf8);
}


/*
 * Feeds the message in chunks that end at the cuts (ascending; two equal
 * cuts make an empty feed), then finishes it, to a fresh parser if shared
 * is NULL or else to shared after a reset.  After an error or a stop, a
 * feed and a finish more must give the same and no event.
 */

static void
run(ngx_ws_guard_json_t *shared, const json_case_t *c, const size_t *cuts,
    size_t ncuts, unsigned stop_at, result_t *res)
{
    int                   rc;
    size_t                i, from, to;
    unsigned              events;
    unsigned char        *chunk;
    ngx_ws_guard_json_t   fresh, *j;

    rec_init(&res->rec, stop_at);
    current = &res->rec;
    current_msg = (const unsigned char *) c->in;
    current_len = c->len;

    res->rc = 0;
    res->error = 0;
    res->offset = 0;
    res->detail[0] = '\0';
    res->no_detail = 0;
    res->not_sticky = 0;

    if (shared == NULL) {
        if (parser_init(&fresh, c, NULL) != NGX_WS_GUARD_OK) {
            res->rc = RC_INIT;
            return;
        }

        j = &fresh;

    } else {
        j = shared;
        ngx_ws_guard_json_reset(j);
    }

    current_parser = j;

    rc = NGX_WS_GUARD_OK;
    from = 0;

    for (i = 0; i <= ncuts; i++) {
        to = (i < ncuts) ? cuts[i] : c->len;

        chunk = malloc(to - from ? to - from : 1);
        if (chunk == NULL) {
            abort();
        }

        memcpy(chunk, c->in + from, to - from);
        rc = ngx_ws_guard_json_feed(j, chunk, to - from);
        free(chunk);

        if (rc != NGX_WS_GUARD_OK) {
            break;
        }

        from = to;
    }

    if (rc == NGX_WS_GUARD_OK) {
        rc = ngx_ws_guard_json_finish(j);
        from = c->len;
    }

    res->rc = rc;

    if (rc == NGX_WS_GUARD_ERROR) {
        res->error = j->error;
        res->offset = from + j->offset;

        if (j->detail != NULL) {
            snprintf(res->detail, DETAIL_MAX, "%s", j->detail);
        }

        if (j->error == NGX_WS_GUARD_JSON_SYNTAX && res->detail[0] == '\0') {
            res->no_detail = 1;
        }
    }

    if (rc != NGX_WS_GUARD_OK) {
        events = res->rec.events;

        if (ngx_ws_guard_json_feed(j, U("1"), 1) != rc
            || ngx_ws_guard_json_finish(j) != rc
            || res->rec.events != events)
        {
            res->not_sticky = 1;
        }
    }

    if (shared == NULL) {
        ngx_ws_guard_json_free(j);
    }
}


static int
same(const json_case_t *c, const char *how, const result_t *a,
    const result_t *b, int verbose)
{
    if (a->rc == b->rc
        && a->error == b->error
        && a->offset == b->offset
        && strcmp(a->detail, b->detail) == 0
        && a->not_sticky == b->not_sticky
        && a->rec.late == b->rec.late
        && a->rec.bad_cps == b->rec.bad_cps
        && a->rec.bad_string == b->rec.bad_string
        && a->rec.no_memory == b->rec.no_memory
        && a->rec.overflow == b->rec.overflow
        && a->rec.len == b->rec.len
        && memcmp(a->rec.trace, b->rec.trace, a->rec.len) == 0)
    {
        return 1;
    }

    if (verbose) {
        show("case", U(c->in), c->len);
        fprintf(stderr, "  %s: rc %d error %d offset %zu detail \"%s\" "
                "sticky %d trace \"%.300s\"\n  whole: rc %d error %d offset "
                "%zu detail \"%s\" sticky %d trace \"%.300s\"\n", how, b->rc,
                b->error, b->offset, b->detail, !b->not_sticky,
                b->rec.trace, a->rc, a->error, a->offset, a->detail,
                !a->not_sticky, a->rec.trace);
    }

    return 0;
}


static void
expect(const json_case_t *c, const result_t *res)
{
    int     ok;
    size_t  off;

    ok = 1;

    if (c->rc != RC_ANY) {
        ok &= (res->rc == c->rc);

        if (c->rc == NGX_WS_GUARD_ERROR) {
            ok &= (res->error == c->error);

            if (c->offset != OFF_NONE) {
                off = (c->offset == OFF_END) ? c->len : c->offset;
                ok &= (res->offset == off);
            }
        }

    } else {
        ok &= (res->rc == NGX_WS_GUARD_OK || res->rc == NGX_WS_GUARD_ERROR);
    }

    if (c->trace != NULL) {
        ok &= (strcmp(res->rec.trace, c->trace) == 0);
    }

    ok &= !res->no_detail && !res->not_sticky && res->rec.late == 0
          && res->rec.bad_cps == 0 && res->rec.bad_string == 0
          && !res->rec.no_memory && !res->rec.overflow;

    CHECK(ok);

    if (!ok) {
        show("case", U(c->in), c->len);
        fprintf(stderr, "  got: rc %d error %d offset %zu detail \"%s\" "
                "sticky %d late %u wrong cps %u wrong strings %u trace "
                "\"%.300s\"\n", res->rc, res->error, res->offset,
                res->detail, !res->not_sticky, res->rec.late,
                res->rec.bad_cps, res->rec.bad_string, res->rec.trace);
        fprintf(stderr, "  expected: rc %d error %d offset %lld trace "
                "\"%s\"\n", c->rc, c->error,
                c->offset == OFF_END ? (long long) c->len
                : c->offset == OFF_NONE ? -1LL : (long long) c->offset,
                c->trace ? c->trace : "(any)");
    }
}


/* a case whole, byte by byte, cut once everywhere and cut twice */

static void
check_case(const json_case_t *c)
{
    size_t               i, a, b, n;
    unsigned             bad;
    json_case_t          pc;
    ngx_ws_guard_json_t  j;

    run(NULL, c, NULL, 0, 0, &whole);
    expect(c, &whole);

    if (whole.rc == RC_INIT) {
        return;
    }

    if (parser_init(&j, c, NULL) != NGX_WS_GUARD_OK) {
        CHECK(0);
        return;
    }

    /* the same parser, reset between runs, from here on */

    run(&j, c, NULL, 0, 0, &other);
    CHECK(same(c, "whole, reused parser", &whole, &other, 1));

    /* one byte per feed, with empty feeds between */

    n = 0;

    for (i = 0; i <= c->len; i++) {
        cuts_buf[n++] = i;

        if (i % 3 == 0) {
            cuts_buf[n++] = i;
        }
    }

    run(&j, c, cuts_buf, n, 0, &other);
    CHECK(same(c, "one byte per feed", &whole, &other, 1));

    bad = 0;

    for (a = 0; a <= c->len; a++) {
        cuts_buf[0] = a;
        run(&j, c, cuts_buf, 1, 0, &other);

        if (!same(c, "two chunks", &whole, &other, bad == 0)) {
            if (bad++ == 0) {
                fprintf(stderr, "  cut at %zu\n", a);
            }
        }
    }

    CHECK(bad == 0);

    if (c->len <= 48) {
        bad = 0;

        for (a = 1; a < c->len; a++) {
            for (b = a + 1; b < c->len; b++) {
                cuts_buf[0] = a;
                cuts_buf[1] = b;
                run(&j, c, cuts_buf, 2, 0, &other);

                if (!same(c, "three chunks", &whole, &other, bad == 0)) {
                    if (bad++ == 0) {
                        fprintf(stderr, "  cut at %zu, %zu\n", a, b);
                    }
                }
            }
        }

        CHECK(bad == 0);
    }

    if (whole.rc == NGX_WS_GUARD_OK && whole.rec.events <= 64) {
        check_stops(c, &j);
    }

    ngx_ws_guard_json_free(&j);

    /*
     * valid UTF-8 as the guard passes it on (checked by the frame layer):
     * without the parser's own check, where escapes of one character are
     * taken inside the scan, the same outcome whole and in two chunks
     */

    if (c->utf8
        && ngx_ws_guard_utf8_check((const unsigned char *) c->in, c->len)
           == NGX_WS_GUARD_OK)
    {
        pc = *c;
        pc.utf8 = 0;

        run(NULL, &pc, NULL, 0, 0, &other);
        CHECK(same(&pc, "checked UTF-8, whole", &whole, &other, 1));

        bad = 0;

        for (a = 0; a <= c->len; a++) {
            cuts_buf[0] = a;
            run(NULL, &pc, cuts_buf, 1, 0, &other);

            if (!same(&pc, "checked UTF-8, two chunks", &whole, &other,
                      bad == 0))
            {
                if (bad++ == 0) {
                    fprintf(stderr, "  cut at %zu\n", a);
                }
            }
        }

        CHECK(bad == 0);
    }
}


/*
 * Each event in turn returns 0: the parse stops there with DECLINED, and
 * no event comes after it, whatever the cuts.
 */

static void
check_stops(const json_case_t *c, ngx_ws_guard_json_t *j)
{
    int        ok;
    size_t     a, prefix;
    unsigned   s, events, bad;
    char       expected[TRACE_MAX];

    events = whole.rec.events;

    for (s = 1; s <= events; s++) {
        prefix = whole.rec.ends[s - 1];
        memcpy(expected, whole.rec.trace, prefix);
        expected[prefix] = '\0';

        run(NULL, c, NULL, 0, s, &other);

        ok = (other.rc == NGX_WS_GUARD_DECLINED
              && strcmp(other.rec.trace, expected) == 0
              && other.rec.late == 0
              && !other.not_sticky);

        CHECK(ok);

        if (!ok) {
            show("stop case", U(c->in), c->len);
            fprintf(stderr, "  stop at event %u: rc %d trace \"%s\" late "
                    "%u sticky %d, expected DECLINED \"%s\"\n", s, other.rc,
                    other.rec.trace, other.rec.late, !other.not_sticky,
                    expected);
            continue;
        }

        bad = 0;

        for (a = 0; a <= c->len; a++) {
            cuts_buf[0] = a;
            run(j, c, cuts_buf, 1, s, &other);

            if (other.rc != NGX_WS_GUARD_DECLINED
                || strcmp(other.rec.trace, expected) != 0
                || other.rec.late != 0 || other.not_sticky)
            {
                if (bad++ == 0) {
                    show("stop case", U(c->in), c->len);
                    fprintf(stderr, "  stop at event %u, cut at %zu: rc %d "
                            "trace \"%s\"\n", s, a, other.rc,
                            other.rec.trace);
                }
            }
        }

        CHECK(bad == 0);
    }

    /* the parser is good for the next message after a stop */

    run(j, c, NULL, 0, 0, &other);
    CHECK(other.rc == whole.rc
          && strcmp(other.rec.trace, whole.rec.trace) == 0);
}


static void
test_table(void)
{
    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_case(&cases[i]);
    }
}


/* 0x00-0x1f raw in a string or name are errors; 0x7f is not */

static void
test_control_chars(void)
{
    size_t       pos;
    unsigned     b;
    json_case_t  c;

    memset(&c, 0, sizeof(json_case_t));
    c.in = (const char *) input_buf;
    c.utf8 = 1;
    c.rc = NGX_WS_GUARD_ERROR;
    c.error = SYNTAX;

    for (b = 0; b < 0x20; b++) {
        memcpy(input_buf, "[\"a?b\"]", 7);
        input_buf[3] = (unsigned char) b;
        c.len = 7;
        c.offset = 3;
        c.trace = "[";
        check_case(&c);

        memcpy(input_buf, "{\"k?\":1}", 8);
        input_buf[3] = (unsigned char) b;
        c.len = 8;
        c.offset = 3;
        c.trace = "{";
        check_case(&c);

        /* the same without the UTF-8 check */

        c.utf8 = 0;
        memcpy(input_buf, "\"?\"", 3);
        input_buf[1] = (unsigned char) b;
        c.len = 3;
        c.offset = 1;
        c.trace = "";
        check_case(&c);

        /* in a long string, where the scan takes 64-byte blocks */

        for (pos = 41; pos < 150; pos += 60) {
            input_buf[0] = '"';
            memset(input_buf + 1, 'x', 150);
            input_buf[151] = '"';
            input_buf[pos] = (unsigned char) b;
            c.len = 152;
            c.offset = pos;
            check_case(&c);
        }

        c.utf8 = 1;
    }
}


/*
 * A byte above 0x7f alone: in a string, valid without the UTF-8 check and
 * invalid with it (a lead byte of a valid sequence is refused at the
 * closing quote); outside strings, invalid either way.
 */

static void
test_high_bytes(void)
{
    unsigned     b;
    char         expected[16];
    json_case_t  c;

    memset(&c, 0, sizeof(json_case_t));
    c.in = (const char *) input_buf;

    for (b = 0x80; b < 0x100; b++) {
        input_buf[0] = '"';
        input_buf[1] = (unsigned char) b;
        input_buf[2] = '"';
        c.len = 3;

        c.utf8 = 1;
        c.rc = NGX_WS_GUARD_ERROR;
        c.error = SYNTAX;
        c.offset = (b >= 0xc2 && b <= 0xf4) ? 2 : 1;
        c.trace = "";
        check_case(&c);

        c.utf8 = 0;
        c.rc = NGX_WS_GUARD_OK;
        c.error = 0;
        c.offset = OFF_NONE;
        snprintf(expected, sizeof(expected), "s:%%%02x", b);
        c.trace = expected;
        check_case(&c);

        input_buf[0] = '[';
        input_buf[1] = (unsigned char) b;
        input_buf[2] = ']';
        c.rc = NGX_WS_GUARD_ERROR;
        c.error = SYNTAX;
        c.offset = 1;
        c.trace = "[";
        check_case(&c);
    }
}


/* every byte between tokens: only the four white space bytes pass */

static void
test_white_space(void)
{
    int          ws;
    unsigned     b;
    json_case_t  c;

    memset(&c, 0, sizeof(json_case_t));
    c.in = (const char *) input_buf;
    c.utf8 = 1;

    for (b = 0; b < 0x100; b++) {
        if (strchr("\"-0123456789[]{}tfn,:", (int) b) != NULL && b != 0) {
            continue;
        }

        ws = (b == ' ' || b == '\t' || b == '\n' || b == '\r');

        /* {"a"?:[?1?,?2]?}? */

        memcpy(input_buf, "{\"a\"?:[?1?,?2]?}?", 17);
        input_buf[4] = (unsigned char) b;
        c.len = 17;
        c.rc = ws ? NGX_WS_GUARD_OK : NGX_WS_GUARD_ERROR;
        c.error = ws ? 0 : SYNTAX;
        c.offset = ws ? OFF_NONE : 4;
        c.trace = ws ? "{ k:a [ n:1 n:2 ] }" : "{ k:a";

        if (ws) {
            input_buf[7] = (unsigned char) b;
            input_buf[9] = (unsigned char) b;
            input_buf[11] = (unsigned char) b;
            input_buf[14] = (unsigned char) b;
            input_buf[16] = (unsigned char) b;
        }

        check_case(&c);

        /* ?[] and []? */

        input_buf[0] = (unsigned char) b;
        input_buf[1] = '[';
        input_buf[2] = ']';
        c.len = 3;
        c.offset = ws ? OFF_NONE : 0;
        c.trace = ws ? "[ ]" : "";
        check_case(&c);

        input_buf[0] = '[';
        input_buf[1] = ']';
        input_buf[2] = (unsigned char) b;
        c.offset = ws ? OFF_NONE : 2;
        c.trace = "[ ]";
        check_case(&c);
    }
}


static size_t
utf8_put(unsigned char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (unsigned char) cp;
        return 1;
    }

    if (cp < 0x800) {
        out[0] = (unsigned char) (0xc0 | cp >> 6);
        out[1] = (unsigned char) (0x80 | (cp & 0x3f));
        return 2;
    }

    if (cp < 0x10000) {
        out[0] = (unsigned char) (0xe0 | cp >> 12);
        out[1] = (unsigned char) (0x80 | (cp >> 6 & 0x3f));
        out[2] = (unsigned char) (0x80 | (cp & 0x3f));
        return 3;
    }

    out[0] = (unsigned char) (0xf0 | cp >> 18);
    out[1] = (unsigned char) (0x80 | (cp >> 12 & 0x3f));
    out[2] = (unsigned char) (0x80 | (cp >> 6 & 0x3f));
    out[3] = (unsigned char) (0x80 | (cp & 0x3f));
    return 4;
}


/* low surrogates to pair with: both ends and a spread between */

static uint32_t
next_low(uint32_t lo)
{
    if (lo < 0xdc02) {
        return lo + 1;
    }

    if (lo < 0xdfff) {
        return (lo + 97 < 0xdfff) ? lo + 97 : 0xdfff;
    }

    return 0xe000;
}


/*
 * Every \uXXXX of the BMP (a surrogate as its own 3 bytes), upper and
 * lower case hex, and a spread of pairs; whole and cut inside the escape.
 */

static void
test_escapes_all(void)
{
    int                   bad;
    char                  esc[32];
    size_t                n, cut;
    uint32_t              cp, hi, lo;
    unsigned char         dec[8];
    json_case_t           c;
    ngx_ws_guard_json_t   j;

    memset(&c, 0, sizeof(json_case_t));
    c.in = esc;
    c.utf8 = 1;
    c.rc = NGX_WS_GUARD_OK;
    c.offset = OFF_NONE;
    c.trace = trace_buf;

    if (parser_init(&j, &c, NULL) != NGX_WS_GUARD_OK) {
        CHECK(0);
        return;
    }

    bad = 0;

    for (cp = 0; cp < 0x10000; cp++) {
        snprintf(esc, sizeof(esc), (cp & 1) ? "\"\\u%04X\"" : "\"\\u%04x\"",
                 (unsigned) cp);
        c.len = 8;

        n = utf8_put(dec, cp);
        n = trace_put(trace_buf, "s:", dec, n);
        trace_buf[n] = '\0';

        for (cut = 0; cut < 8; cut += 3) {
            cuts_buf[0] = cut;
            run(&j, &c, cuts_buf, cut ? 1 : 0, 0, &other);

            if (other.rc != NGX_WS_GUARD_OK || other.rec.bad_cps
                || strcmp(other.rec.trace, trace_buf) != 0)
            {
                if (bad++ < 5) {
                    fprintf(stderr, "%s cut at %zu: rc %d \"%s\", expected "
                            "\"%s\"\n", esc, cut, other.rc, other.rec.trace,
                            trace_buf);
                }
            }
        }
    }

    CHECK(bad == 0);

    bad = 0;

    for (hi = 0xd800; hi < 0xdc00; hi++) {
        for (lo = 0xdc00; lo < 0xe000; lo = next_low(lo)) {
            snprintf(esc, sizeof(esc), "\"\\u%04x\\u%04X\"", (unsigned) hi,
                     (unsigned) lo);
            c.len = 14;

            cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
            n = utf8_put(dec, cp);
            n = trace_put(trace_buf, "s:", dec, n);
            trace_buf[n] = '\0';

            cuts_buf[0] = 7 + (hi & 3);
            run(&j, &c, cuts_buf, 1, 0, &other);

            if (other.rc != NGX_WS_GUARD_OK || other.rec.bad_cps
                || strcmp(other.rec.trace, trace_buf) != 0)
            {
                if (bad++ < 5) {
                    fprintf(stderr, "%s: rc %d \"%s\", expected \"%s\"\n",
                            esc, other.rc, other.rec.trace, trace_buf);
                }
            }
        }
    }

    CHECK(bad == 0);

    ngx_ws_guard_json_free(&j);
}


/*
 * Containers of kinds drawn from a seed, depth levels deep: they close
 * well, the next level is refused with DEPTH, and a closer of the wrong
 * kind at any level is refused where it stands.  Depths around multiples
 * of 8 exercise the bit stack.
 */

static void
test_nesting(void)
{
    size_t        depth, i, k, n, t, wrong;
    size_t        opens[128], closes[128];
    uint32_t      seed;
    unsigned      kinds[128];
    json_case_t   c;

    static const size_t  depths[] = {
        1, 2, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 63, 64, 65, 100
    };

    memset(&c, 0, sizeof(json_case_t));
    c.in = (const char *) input_buf;
    c.utf8 = 1;

    seed = 0x9e3779b9;

    for (i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
        depth = depths[i];
        n = 0;
        t = 0;

        for (k = 0; k < depth; k++) {
            seed = seed * 1103515245 + 12345;
            kinds[k] = (seed >> 16) & 1;
            opens[k] = n;

            if (kinds[k]) {
                memcpy(input_buf + n, "{\"k\":", 5);
                n += 5;
                memcpy(trace_buf + t, "{ k:k ", 6);
                t += 6;

            } else {
                input_buf[n++] = '[';
                memcpy(trace_buf + t, "[ ", 2);
                t += 2;
            }
        }

        input_buf[n++] = '1';
        memcpy(trace_buf + t, "n:1", 3);
        t += 3;

        for (k = depth; k-- > 0; /* void */ ) {
            closes[k] = n;
            input_buf[n++] = kinds[k] ? '}' : ']';
            memcpy(trace_buf + t, kinds[k] ? " }" : " ]", 2);
            t += 2;
        }

        trace_buf[t] = '\0';
        c.len = n;

        c.max_depth = depth;
        c.rc = NGX_WS_GUARD_OK;
        c.error = 0;
        c.offset = OFF_NONE;
        c.trace = trace_buf;
        check_case(&c);

        if (depth > 1) {
            c.max_depth = depth - 1;
            c.rc = NGX_WS_GUARD_ERROR;
            c.error = DEPTH;
            c.offset = opens[depth - 1];
            c.trace = NULL;
            check_case(&c);
        }

        c.max_depth = depth;
        c.rc = NGX_WS_GUARD_ERROR;
        c.error = SYNTAX;
        c.trace = NULL;

        for (wrong = 0; wrong < depth; wrong++) {
            input_buf[closes[wrong]] = kinds[wrong] ? ']' : '}';
            c.offset = closes[wrong];
            check_case(&c);
            input_buf[closes[wrong]] = kinds[wrong] ? '}' : ']';
        }
    }
}


/*
 * Strings and numbers of max_token - 1, max_token and max_token + 1 raw
 * bytes for a range of limits, in a value, a name and an array; escapes
 * and UTF-8 sequences count their raw bytes.
 */

static void
test_token_limits(void)
{
    size_t        limit, len, n, i;
    json_case_t   c;

    static const size_t  limits[] = { 1, 2, 3, 5, 6, 7, 8, 9, 15, 16, 17,
                                      63, 64, 65, 255, 256, 1000 };

    memset(&c, 0, sizeof(json_case_t));
    c.in = (const char *) input_buf;
    c.utf8 = 1;

    for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        limit = limits[i];
        c.max_token = limit;

        for (len = limit - 1; len <= limit + 1; len++) {

            /* ["xxxx"]: plain bytes, with \n escapes every 5th pair */

            n = 0;
            input_buf[n++] = '[';
            input_buf[n++] = '"';

            while (n - 2 < len) {
                if ((n % 5) == 0 && len - (n - 2) >= 2) {
                    input_buf[n++] = '\\';
                    input_buf[n++] = 'n';

                } else {
                    input_buf[n++] = 'x';
                }
            }

            input_buf[n++] = '"';
            input_buf[n++] = ']';
            c.len = n;

            c.trace = NULL;

            if (len <= limit) {
                c.rc = NGX_WS_GUARD_OK;
                c.error = 0;
                c.offset = OFF_NONE;

            } else {
                c.rc = NGX_WS_GUARD_ERROR;
                c.error = STRING;
                c.offset = 2 + limit;
            }

            check_case(&c);

            /* {"xxxx":1} */

            input_buf[0] = '{';
            input_buf[n - 1] = ':';
            input_buf[n++] = '1';
            input_buf[n++] = '}';
            c.len = n;
            check_case(&c);

            /* [123...] */

            n = 0;
            input_buf[n++] = '[';

            while (n - 1 < len) {
                input_buf[n] = (unsigned char) ('1' + n % 9);
                n++;
            }

            input_buf[n++] = ']';
            c.len = n;

            if (len <= limit) {
                c.rc = NGX_WS_GUARD_OK;
                c.error = 0;
                c.offset = OFF_NONE;

            } else {
                c.rc = NGX_WS_GUARD_ERROR;
                c.error = NUMBER;
                c.offset = 1 + limit;
            }

            check_case(&c);

            /* the number at the top: it ends at finish() */

            if (len > 0) {
                c.in = (const char *) input_buf + 1;
                c.len = len;
                c.offset = (len <= limit) ? OFF_NONE : limit;
                check_case(&c);
                c.in = (const char *) input_buf;
            }

            /* -1.5e-...: a number with every part */

            if (len >= 7) {
                n = 0;
                input_buf[n++] = '[';
                memcpy(input_buf + n, "-1.5e-", 6);
                n += 6;

                while (n - 1 < len) {
                    input_buf[n++] = '7';
                }

                input_buf[n++] = ']';
                c.len = n;
                c.offset = (len <= limit) ? OFF_NONE : 1 + limit;
                check_case(&c);
            }

            /* "é€…": a limit inside a UTF-8 sequence */

            n = 0;
            input_buf[n++] = '"';

            while (n - 1 < len) {
                if (len - (n - 1) >= 3) {
                    memcpy(input_buf + n, "\xe2\x82\xac", 3);
                    n += 3;

                } else {
                    input_buf[n++] = 'e';
                }
            }

            input_buf[n++] = '"';
            c.len = n;
            c.rc = (len <= limit) ? NGX_WS_GUARD_OK : NGX_WS_GUARD_ERROR;
            c.error = (len <= limit) ? 0 : STRING;
            c.offset = (len <= limit) ? OFF_NONE : 1 + limit;
            check_case(&c);
        }
    }
}


/*
 * Long strings and numbers, with escapes and UTF-8, cut at every position:
 * the copied path must give the bytes of the in-place path.
 */

static void
test_long_tokens(void)
{
    size_t         n, t, i, k;
    json_case_t    c;
    unsigned char  dec[TRACE_MAX / 4];

    memset(&c, 0, sizeof(json_case_t));
    c.in = (const char *) input_buf;
    c.utf8 = 1;

    /* {"<name>":"<value>"} with a mix of everything */

    for (k = 0; k < 2; k++) {
        n = 0;
        t = 0;
        input_buf[n++] = '{';
        input_buf[n++] = '"';

        for (i = 0; i < 300; i++) {
            switch ((i * 7 + k) % 6) {
            case 0:
                memcpy(input_buf + n, "\\n", 2);
                n += 2;
                dec[t++] = '\n';
                break;
            case 1:
                memcpy(input_buf + n, "\\u00e9", 6);
                n += 6;
                memcpy(dec + t, "\xc3\xa9", 2);
                t += 2;
                break;
            case 2:
                memcpy(input_buf + n, "\\uD83D\\uDE00", 12);
                n += 12;
                memcpy(dec + t, "\xf0\x9f\x98\x80", 4);
                t += 4;
                break;
            case 3:
                memcpy(input_buf + n, "\xe2\x82\xac", 3);
                n += 3;
                memcpy(dec + t, "\xe2\x82\xac", 3);
                t += 3;
                break;
            case 4:
                memcpy(input_buf + n, "\\\"\\\\", 4);
                n += 4;
                memcpy(dec + t, "\"\\", 2);
                t += 2;
                break;
            default:
                memcpy(input_buf + n, "abc", 3);
                n += 3;
                memcpy(dec + t, "abc", 3);
                t += 3;
                break;
            }
        }

        /* the value: the same bytes again, without escapes */

        input_buf[n++] = '"';
        input_buf[n++] = ':';
        input_buf[n++] = '"';
        memcpy(input_buf + n, "plain ", 6);
        n += 6;

        for (i = 0; i < 500; i++) {
            memcpy(input_buf + n, "\xf0\x9f\x98\x80x", 5);
            n += 5;
        }

        input_buf[n++] = '"';
        input_buf[n++] = '}';
        c.len = n;

        i = trace_put(trace_buf, "{ k:", dec, t);
        i += trace_put(trace_buf + i, " s:", input_buf + n - 2 - 2506, 2506);
        memcpy(trace_buf + i, " }", 3);

        c.rc = NGX_WS_GUARD_OK;
        c.trace = trace_buf;
        c.offset = OFF_NONE;
        check_case(&c);
    }

    /* a 3000-digit number, in an array and at the top */

    n = 0;
    input_buf[n++] = '[';
    memcpy(input_buf + n, "-1", 2);
    n += 2;

    for (i = 0; i < 2990; i++) {
        input_buf[n++] = (unsigned char) ('0' + i % 10);
    }

    memcpy(input_buf + n, ".5E+12", 6);
    n += 6;
    input_buf[n++] = ']';
    c.len = n;

    i = trace_put(trace_buf, "[ n:", input_buf + 1, n - 2);
    memcpy(trace_buf + i, " ]", 3);
    check_case(&c);

    c.in = (const char *) input_buf + 1;
    c.len = n - 2;
    i = trace_put(trace_buf, "n:", input_buf + 1, n - 2);
    trace_buf[i] = '\0';
    check_case(&c);

    /* over the limit by one, cut anywhere */

    c.max_token = n - 3;
    c.rc = NGX_WS_GUARD_ERROR;
    c.error = NUMBER;
    c.offset = n - 3;
    c.trace = "";
    check_case(&c);
}


/* a stop in the middle of a bigger message, and more than one */

static void
test_stop(void)
{
    int                   rc;
    ngx_ws_guard_json_t   j;

    static const json_case_t  c = OK("[1]", "[ n:1 ]");

    /* every event of the table's valid cases is tried in check_case() */

    if (parser_init(&j, &c, NULL) != NGX_WS_GUARD_OK) {
        CHECK(0);
        return;
    }

    rec_init(&other.rec, 2);
    current = &other.rec;
    current_parser = &j;
    current_msg = NULL;

    CHECK_EQ_INT(ngx_ws_guard_json_feed(&j, U("[\"a\","), 5),
                 NGX_WS_GUARD_DECLINED);
    CHECK_EQ_INT(ngx_ws_guard_json_feed(&j, U("1]"), 2),
                 NGX_WS_GUARD_DECLINED);
    CHECK_EQ_INT(ngx_ws_guard_json_finish(&j), NGX_WS_GUARD_DECLINED);
    CHECK(strcmp(other.rec.trace, "[ s:a") == 0);
    CHECK_EQ_INT(other.rec.late, 0);

    /* the next message after a reset */

    ngx_ws_guard_json_reset(&j);
    rec_init(&other.rec, 0);

    rc = ngx_ws_guard_json_feed(&j, U("{\"b\":2}"), 7);
    CHECK_EQ_INT(rc, NGX_WS_GUARD_OK);
    CHECK_EQ_INT(ngx_ws_guard_json_finish(&j), NGX_WS_GUARD_OK);
    CHECK(strcmp(other.rec.trace, "{ k:b n:2 }") == 0);

    ngx_ws_guard_json_free(&j);
}


/*
 * reset() after every kind of state: the next message is parsed as by a
 * fresh parser.  Each first part leaves the parser somewhere particular.
 */

static void
test_reset(void)
{
    int                   rc;
    size_t                i, k, b;
    ngx_ws_guard_json_t   j;

    static const struct {
        const char  *first;
        const char  *next;
        int          rc;
        const char  *trace;
    } steps[] = {
        /* mid-value */
        { "{\"abc", "[\"x\"]", NGX_WS_GUARD_OK, "[ s:x ]" },
        { "[\"ab\\n", "\"c\"", NGX_WS_GUARD_OK, "s:c" },
        { "[12", "3", NGX_WS_GUARD_OK, "n:3" },
        { "[-1.5e", "7", NGX_WS_GUARD_OK, "n:7" },
        { "tr", "null", NGX_WS_GUARD_OK, "z" },
        { "[\"\\u12", "\"\\u0041\"", NGX_WS_GUARD_OK, "s:A" },
        { "[\"\\", "\"n\"", NGX_WS_GUARD_OK, "s:n" },

        /* a pending high surrogate must not pair with the next message */
        { "\"\\uD83D", "\"\\uDE00\"", NGX_WS_GUARD_OK, "s:%ed%b8%80" },
        { "\"\\uD83D\\", "\"\\uDE00\"", NGX_WS_GUARD_OK, "s:%ed%b8%80" },

        /* nor an open UTF-8 sequence continue into it */
        { "\"\xe2\x82", "\"\xac\"", NGX_WS_GUARD_ERROR, "" },
        { "\"\xe2", "\"ok\"", NGX_WS_GUARD_OK, "s:ok" },

        /* the depth starts again from 0 */
        { "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
          "[[]]", NGX_WS_GUARD_OK, "[ [ ] ]" },
        { "{\"a\":[{\"b\":[", "{}", NGX_WS_GUARD_OK, "{ }" },
        { "[{", "]", NGX_WS_GUARD_ERROR, "" },

        /* after a complete value, and after an error */
        { "1 ", "2", NGX_WS_GUARD_OK, "n:2" },
        { "{}", "", NGX_WS_GUARD_ERROR, "" },
        { "[1,]", "[2]", NGX_WS_GUARD_OK, "[ n:2 ]" },
        { "\"\xc0\x80\"", "\"\xc3\xa9\"", NGX_WS_GUARD_OK, "s:%c3%a9" },
        { "\"\\x\"", "\"\\t\"", NGX_WS_GUARD_OK, "s:%09" },
        { "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
          "[[[[[[[[", "[]", NGX_WS_GUARD_OK, "[ ]" },
        { "\"0123456789012345678901234567890123456789012345678901234567890"
          "1234567890123456789012345678901234567890\"", "\"x\"",
          NGX_WS_GUARD_OK, "s:x" },
        { "12345678901234567890123456789012345678901234567890123456789012345"
          "678901234567890123456789012345678901234567890", "1",
          NGX_WS_GUARD_OK, "n:1" }
    };

    /* max_token 64, max_depth 64: the last three first parts go over */

    if (ngx_ws_guard_json_init(&j, &rec_callbacks, &current, NULL, 64,
                               DEPTH_DEFAULT, 1)
        != NGX_WS_GUARD_OK)
    {
        CHECK(0);
        return;
    }

    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {

        /* the first part whole and one byte at a time, then finished */

        for (k = 0; k < 3; k++) {
            ngx_ws_guard_json_reset(&j);
            rec_init(&other.rec, 0);
            current = &other.rec;
            current_parser = &j;
            current_msg = NULL;

            if (k == 1) {
                for (b = 0; b < strlen(steps[i].first); b++) {
                    (void) ngx_ws_guard_json_feed(&j,
                                          U(steps[i].first) + b, 1);
                }

            } else {
                (void) ngx_ws_guard_json_feed(&j, U(steps[i].first),
                                              strlen(steps[i].first));
            }

            if (k == 2) {
                (void) ngx_ws_guard_json_finish(&j);
            }

            ngx_ws_guard_json_reset(&j);
            rec_init(&other.rec, 0);

            rc = ngx_ws_guard_json_feed(&j, U(steps[i].next),
                                        strlen(steps[i].next));

            if (rc == NGX_WS_GUARD_OK) {
                rc = ngx_ws_guard_json_finish(&j);
            }

            CHECK(rc == steps[i].rc
                  && strcmp(other.rec.trace, steps[i].trace) == 0);

            if (rc != steps[i].rc
                || strcmp(other.rec.trace, steps[i].trace) != 0)
            {
                fprintf(stderr, "reset after \"%s\" (%zu): \"%s\" gives rc "
                        "%d \"%s\", expected %d \"%s\"\n", steps[i].first, k,
                        steps[i].next, rc, other.rec.trace, steps[i].rc,
                        steps[i].trace);
            }
        }
    }

    ngx_ws_guard_json_free(&j);
}


/*
 * An allocator that fails: init fails if the stack cannot be had, a token
 * that must be copied or a string that must be decoded fails with MEMORY,
 * one in place passes, and nothing is left allocated after free().
 */

static void
test_allocator(void)
{
    int                             rc;
    long                            grant;
    size_t                          i, from, to;
    unsigned                        memory, ok;
    test_alloc_t                    ta;
    ngx_ws_guard_json_t             j;
    ngx_ws_guard_json_allocator_t   a;

    static const struct {
        const char  *chunks[3];
        int          rc;
        const char  *trace;
        unsigned     plain;      /* decode() of plain strings too, and
                                    the callback goes on after it fails */
    } steps[] = {
        /* in place: no copy needed */
        { { "[\"abc\",12,true,{\"k\":null}]", NULL, NULL },
          NGX_WS_GUARD_OK, "[ s:abc n:12 t { k:k z } ]", 0 },
        { { "[\"abc\",", "12]", NULL },
          NGX_WS_GUARD_OK, "[ s:abc n:12 ]", 0 },

        /*
         * a string with escapes comes as sent: decode() fails, and the
         * parse with MEMORY, whatever the callback returns
         */
        { { "[\"a\\nb\"]", NULL, NULL }, NGX_WS_GUARD_ERROR, "[ s!", 0 },

        /* copies: a name with escapes, a string, a name, a number cut */
        { { "{\"a\\nb\":1}", NULL, NULL }, NGX_WS_GUARD_ERROR, "{", 0 },
        { { "[\"ab", "c\"]", NULL }, NGX_WS_GUARD_ERROR, "[", 0 },
        { { "{\"ab", "c\":1}", NULL }, NGX_WS_GUARD_ERROR, "{", 0 },
        { { "[12", "3]", NULL }, NGX_WS_GUARD_ERROR, "[", 0 },

        /*
         * decode() failing in the callback of a short string or after an
         * integer (the one-block paths): the parse stops there as well
         */
        { { "[\"abcdefgh\",12 x]            ", NULL, NULL },
          NGX_WS_GUARD_ERROR, "[ s!", 1 },
        { { "{\"a\":\"abcdefgh\",\"b\":\"c\"}", NULL, NULL },
          NGX_WS_GUARD_ERROR, "{ k:a s!", 1 }
    };

    a.alloc = ta_alloc;
    a.free = ta_free;
    a.data = &ta;

    /* string values without escapes need no decode() here */

    decode_plain = 0;

    /* no memory at all: init fails and holds nothing */

    memset(&ta, 0, sizeof(test_alloc_t));
    ta.fail_after = 0;
    rc = ngx_ws_guard_json_init(&j, &rec_callbacks, &current, &a, 64, 16, 1);
    CHECK_EQ_INT(rc, NGX_WS_GUARD_ERROR);
    CHECK_EQ_INT(ta.live, 0);

    /* the stack only */

    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        memset(&ta, 0, sizeof(test_alloc_t));
        ta.fail_after = 1;

        rc = ngx_ws_guard_json_init(&j, &rec_callbacks, &current, &a, 64, 16,
                                    1);
        CHECK_EQ_INT(rc, NGX_WS_GUARD_OK);

        if (rc != NGX_WS_GUARD_OK) {
            continue;
        }

        rec_init(&other.rec, 0);
        current = &other.rec;
        current_parser = &j;
        current_msg = NULL;
        decode_plain = steps[i].plain;
        decode_failed_ret = steps[i].plain;

        rc = NGX_WS_GUARD_OK;

        for (from = 0; from < 3 && steps[i].chunks[from] != NULL; from++) {
            rc = ngx_ws_guard_json_feed(&j, U(steps[i].chunks[from]),
                                        strlen(steps[i].chunks[from]));
            if (rc != NGX_WS_GUARD_OK) {
                break;
            }
        }

        if (rc == NGX_WS_GUARD_OK) {
            rc = ngx_ws_guard_json_finish(&j);
        }

        ok = (rc == steps[i].rc
              && strcmp(other.rec.trace, steps[i].trace) == 0
              && (rc != NGX_WS_GUARD_ERROR
                  || j.error == NGX_WS_GUARD_JSON_MEMORY));
        CHECK(ok);

        if (!ok) {
            fprintf(stderr, "allocator step %zu (\"%s\"): rc %d error %d "
                    "trace \"%s\", expected rc %d \"%s\"\n", i,
                    steps[i].chunks[0], rc, (int) j.error, other.rec.trace,
                    steps[i].rc, steps[i].trace);
        }

        ngx_ws_guard_json_free(&j);
        CHECK_EQ_INT(ta.live, 0);
    }

    decode_plain = 0;
    decode_failed_ret = 0;

    /*
     * A message of copied tokens in 7-byte pieces, with 1, 2, ... blocks
     * granted: either it passes with the right events or it fails with
     * MEMORY, and free() gives every block back.
     */

    {
        static const char  msg[] =
            "{\"name\\n\":\"value\\u00e9 and more\",\"n\":-12345.678e+9,"
            "\"list\":[\"a long string that is cut\",123456789,"
            "\"\\uD83D\\uDE00\\uD83D\\uDE00\\uD83D\\uDE00\"],"
            "\"x\":\"" "0123456789012345678901234567890123456789" "\"}";
        static const char  expected[] =
            "{ k:name%0a s:value%c3%a9%20and%20more k:n n:-12345.678e+9 "
            "k:list [ s:a%20long%20string%20that%20is%20cut n:123456789 "
            "s:%f0%9f%98%80%f0%9f%98%80%f0%9f%98%80 ] k:x "
            "s:0123456789012345678901234567890123456789 }";

        for (grant = 1; grant < 40; grant++) {
            memset(&ta, 0, sizeof(test_alloc_t));
            ta.fail_after = grant;

            rc = ngx_ws_guard_json_init(&j, &rec_callbacks, &current, &a,
                                        256, 16, 1);
            CHECK_EQ_INT(rc, NGX_WS_GUARD_OK);

            if (rc != NGX_WS_GUARD_OK) {
                continue;
            }

            rec_init(&other.rec, 0);
            current = &other.rec;
            current_parser = &j;
            current_msg = NULL;
            memory = 0;

            for (from = 0; from < sizeof(msg) - 1; from = to) {
                to = from + 7;

                if (to > sizeof(msg) - 1) {
                    to = sizeof(msg) - 1;
                }

                rc = ngx_ws_guard_json_feed(&j, U(msg) + from, to - from);
                if (rc != NGX_WS_GUARD_OK) {
                    break;
                }
            }

            if (rc == NGX_WS_GUARD_OK) {
                rc = ngx_ws_guard_json_finish(&j);
            }

            if (rc == NGX_WS_GUARD_ERROR
                && j.error == NGX_WS_GUARD_JSON_MEMORY)
            {
                memory = 1;
            }

            ok = memory
                 || (rc == NGX_WS_GUARD_OK
                     && strcmp(other.rec.trace, expected) == 0);
            CHECK(ok);

            if (!ok) {
                fprintf(stderr, "allocator, %ld blocks: rc %d error %d "
                        "trace \"%s\"\n", grant, rc, (int) j.error,
                        other.rec.trace);
            }

            /* after a memory error, reset and the same again, unlimited */

            if (memory) {
                ta.fail_after = -1;
                ngx_ws_guard_json_reset(&j);
                rec_init(&other.rec, 0);

                rc = ngx_ws_guard_json_feed(&j, U(msg), sizeof(msg) - 1);
                if (rc == NGX_WS_GUARD_OK) {
                    rc = ngx_ws_guard_json_finish(&j);
                }

                CHECK(rc == NGX_WS_GUARD_OK
                      && strcmp(other.rec.trace, expected) == 0);
            }

            ngx_ws_guard_json_free(&j);
            CHECK_EQ_INT(ta.live, 0);

            if (!memory) {
                break;
            }
        }
    }

    decode_plain = 1;
}


/* free() at every point of a message, of an error and of a stop */

static void
test_free(void)
{
    int                             rc, k;
    size_t                          cut, len, m;
    unsigned                        bad;
    test_alloc_t                    ta;
    ngx_ws_guard_json_t             j;
    ngx_ws_guard_json_allocator_t   a;

    static const char  *msgs[] = {
        ("{\"a\\n\":[1.5e3,\"x\\u00e9y\",{\"b\":[true,null]}],\"c\":"
         "\"\\uD83D\\uDE00\"}"),
        "[\"abc\",\"\\x\"]",
        "[[[[[[[[[[]]]]]]]]]]",
        "12345678901234567890"
    };

    a.alloc = ta_alloc;
    a.free = ta_free;
    a.data = &ta;

    bad = 0;

    for (m = 0; m < sizeof(msgs) / sizeof(msgs[0]); m++) {
        len = strlen(msgs[m]);

        for (cut = 0; cut <= len; cut++) {

            /*
             * 0: fed up to the cut; 1: fed whole in two, finished, reset
             * and fed up to the cut again; 2: the same with a stop at the
             * third event
             */

            for (k = 0; k < 3; k++) {
                memset(&ta, 0, sizeof(test_alloc_t));
                ta.fail_after = -1;

                rc = ngx_ws_guard_json_init(&j, &rec_callbacks, &current, &a,
                                            16, 8, 1);
                if (rc != NGX_WS_GUARD_OK) {
                    bad++;
                    continue;
                }

                rec_init(&other.rec, k == 2 ? 3 : 0);
                current = &other.rec;
                current_parser = &j;
                current_msg = NULL;

                (void) ngx_ws_guard_json_feed(&j, U(msgs[m]), cut);

                if (k > 0) {
                    (void) ngx_ws_guard_json_feed(&j, U(msgs[m]) + cut,
                                                  len - cut);
                    (void) ngx_ws_guard_json_finish(&j);
                }

                if (k == 1) {
                    ngx_ws_guard_json_reset(&j);
                    (void) ngx_ws_guard_json_feed(&j, U(msgs[m]), cut);
                }

                ngx_ws_guard_json_free(&j);

                if (ta.live != 0) {
                    if (bad++ == 0) {
                        fprintf(stderr, "free after \"%.*s\" (%d): %ld "
                                "blocks left\n", (int) cut, msgs[m], k,
                                ta.live);
                    }
                }
            }
        }
    }

    CHECK(bad == 0);
}


int
main(void)
{
    test_table();
    test_control_chars();
    test_high_bytes();
    test_white_space();
    test_escapes_all();
    test_nesting();
    test_token_limits();
    test_long_tokens();
    test_long_spans();
    test_stop();
    test_reset();
    test_allocator();
    test_free();

    /* the long strings again where the scan takes 16 bytes at a time */

    if (ngx_ws_guard_utf8_simd_level(-1) > 1) {
        (void) ngx_ws_guard_utf8_simd_level(1);
        test_long_spans();
    }

    return unit_done("json");
}


/*
 * Strings of 100 to 400 bytes, so that the scan's 64-byte blocks (with
 * AVX2) see escapes at every place of a block: a backslash as a block's
 * last byte, an escape cut by a block's end, runs of escaped backslashes,
 * escaped quotes; multibyte characters between; and in some a fault at a
 * random place: an escape the scan does not take (\u, or one that is
 * invalid), a control character, or a quote that ends the string early.
 * Each message: a valid one parses, and the events, outcome and error are
 * the same however it is cut, and with the parser's own UTF-8 check (a
 * backslash then ends every scan) as without it (check_case()).
 */

static void
test_long_spans(void)
{
    size_t         n, target, fault_at, i, k;
    uint32_t       seed;
    unsigned       m, fault;
    json_case_t    c;

    static const char  *pieces[] = {
        "\\\"", "\\\\", "\\\\\\\\\\\\", "\\n", "\\/", "\\t",
        "\\b\\f\\r", "\xc3\xa9", "\xf0\x9f\x98\x80", "\xe2\x82\xac"
    };

    static const char  *faults[] = {
        "\\u00e9", "\\x", "\x01", "\"", "\\\x1f", "\\u12"
    };

    memset(&c, 0, sizeof(json_case_t));
    c.in = (const char *) input_buf;
    c.utf8 = 1;
    c.error = 0;
    c.offset = OFF_NONE;
    c.trace = NULL;

    seed = 2463534242u;

#define NEXT()  (seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5)

    for (m = 0; m < 96; m++) {
        n = 0;
        input_buf[n++] = '[';
        input_buf[n++] = '"';

        target = 100 + NEXT() % 300;
        fault = (m % 3 == 2);
        fault_at = fault ? 2 + NEXT() % (target - 2) : (size_t) -1;

        while (n < target) {

            if (n >= fault_at) {
                k = NEXT() % (sizeof(faults) / sizeof(faults[0]));
                memcpy(input_buf + n, faults[k], strlen(faults[k]));
                n += strlen(faults[k]);
                fault_at = (size_t) -1;
                continue;
            }

            k = NEXT() % 16;

            if (k < sizeof(pieces) / sizeof(pieces[0])) {
                memcpy(input_buf + n, pieces[k], strlen(pieces[k]));
                n += strlen(pieces[k]);
                continue;
            }

            /* ASCII letters, 1 to 24 */

            for (i = 1 + NEXT() % 24; i > 0; i--) {
                input_buf[n++] = (unsigned char) ('a' + NEXT() % 26);
            }
        }

        input_buf[n++] = '"';
        input_buf[n++] = ']';

        c.len = n;
        c.rc = fault ? RC_ANY : JSON_OK;
        check_case(&c);
    }

#undef NEXT
}
