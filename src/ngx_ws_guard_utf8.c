
/*
 * Copyright (C) ngx_ws_guard authors
 */


#include "ngx_ws_guard_utf8.h"


/*
 * A deterministic automaton over byte classes.  A state is the number of
 * its row in the transition table times the number of classes, so the next
 * state is one lookup; u8_acc (between code points) must stay 0.
 */

#define NGX_WS_GUARD_UTF8_CLASSES  12

#define NGX_WS_GUARD_UTF8_HIGH     0x8080808080808080ULL


enum {
    u8_acc = 0,         /* between code points */
    u8_rej = 12,        /* invalid, sticky */
    u8_c1 = 24,         /* one continuation byte 80..BF to go */
    u8_c2 = 36,         /* two to go */
    u8_c3 = 48,         /* three to go */
    u8_e0 = 60,         /* after E0: A0..BF, so no overlong 3-byte form */
    u8_ed = 72,         /* after ED: 80..9F, so no surrogate */
    u8_f0 = 84,         /* after F0: 90..BF, so no overlong 4-byte form */
    u8_f4 = 96          /* after F4: 80..8F, so nothing above U+10FFFF */
};


/*
 * byte classes: 0 ASCII, 1 80..8F, 2 90..9F, 3 A0..BF, 4 C2..DF, 5 E0,
 * 6 E1..EC and EE..EF, 7 ED, 8 F0, 9 F1..F3, 10 F4,
 * 11 never valid (C0, C1, F5..FF)
 */

static const unsigned char  ngx_ws_guard_utf8_class[256] = {
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,
     2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,
     3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,
     3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,
    11, 11,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,
     4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,
     5,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  7,  6,  6,
     8,  9,  9,  9, 10, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11
};


static const unsigned char  ngx_ws_guard_utf8_next[9 * 12] = {

    /* u8_acc */
    u8_acc, u8_rej, u8_rej, u8_rej, u8_c1,  u8_e0,
    u8_c2,  u8_ed,  u8_f0,  u8_c3,  u8_f4,  u8_rej,

    /* u8_rej */
    u8_rej, u8_rej, u8_rej, u8_rej, u8_rej, u8_rej,
    u8_rej, u8_rej, u8_rej, u8_rej, u8_rej, u8_rej,

    /* u8_c1 */
    u8_rej, u8_acc, u8_acc, u8_acc, u8_rej, u8_rej,
    u8_rej, u8_rej, u8_rej, u8_rej, u8_rej, u8_rej,

    /* u8_c2 */
    u8_rej, u8_c1,  u8_c1,  u8_c1,  u8_rej, u8_rej,
    u8_rej, u8_rej, u8_rej, u8_rej, u8_rej, u8_rej,

    /* u8_c3 */
    u8_rej, u8_c2,  u8_c2,  u8_c2,  u8_rej, u8_rej,
    u8_rej, u8_rej, u8_rej, u8_rej, u8_rej, u8_rej,

    /* u8_e0 */
    u8_rej, u8_rej, u8_rej, u8_c1,  u8_rej, u8_rej,
    u8_rej, u8_rej, u8_rej, u8_rej, u8_rej, u8_rej,

    /* u8_ed */
    u8_rej, u8_c1,  u8_c1,  u8_rej, u8_rej, u8_rej,
    u8_rej, u8_rej, u8_rej, u8_rej, u8_rej, u8_rej,

    /* u8_f0 */
    u8_rej, u8_rej, u8_c2,  u8_c2,  u8_rej, u8_rej,
    u8_rej, u8_rej, u8_rej, u8_rej, u8_rej, u8_rej,

    /* u8_f4 */
    u8_rej, u8_c2,  u8_rej, u8_rej, u8_rej, u8_rej,
    u8_rej, u8_rej, u8_rej, u8_rej, u8_rej, u8_rej
};


/*
 * The bounds of the second byte of a 3- or 4-byte sequence by the low 5
 * bits of its lead E0..F4 (Unicode 3.9, table 3-7): E0 A0..BF, ED 80..9F,
 * F0 90..BF, F4 80..8F, 80..BF after the others.  The first half holds the
 * lowest byte, the second half the width of the range: a byte b is in it
 * if b - low <= width, as unsigned.
 */

static const unsigned char  ngx_ws_guard_utf8_second[64] = {

    /* E0 .. EF, F0 .. F4, unused */
    0xa0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x90, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,

    0x1f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f,
    0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x1f, 0x3f, 0x3f,
    0x2f, 0x3f, 0x3f, 0x3f, 0x0f, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};


/*
 * Advances p to the first byte with the top bit set among the 8 at p; w
 * holds them and has one.  With a count of trailing zeros on a
 * little-endian machine this is one instruction, otherwise a short loop.
 */

#if !defined NGX_WS_GUARD_UTF8_PORTABLE                                      \
    && (defined __GNUC__ || defined __clang__)                               \
    && defined __BYTE_ORDER__ && defined __ORDER_LITTLE_ENDIAN__
#if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
#define NGX_WS_GUARD_UTF8_CTZ  1
#endif
#endif

#if (NGX_WS_GUARD_UTF8_CTZ)

#define ngx_ws_guard_utf8_skip(p, w)                                         \
    (p) += (unsigned) __builtin_ctzll((w) & NGX_WS_GUARD_UTF8_HIGH) >> 3

#else

#define ngx_ws_guard_utf8_skip(p, w)                                         \
    while (*(p) < 0x80) { (p)++; }

#endif


/*
 * On x86-64 CPUs with SSSE3, long spans are checked 16 bytes at a time
 * with table lookups (the method of Keiser and Lemire, "Validating UTF-8
 * in less than one instruction per byte", 2021): every pair of adjacent
 * bytes is classified by three 16-entry tables, whose AND is non-zero
 * exactly where the pair cannot occur in valid UTF-8; the third and fourth
 * bytes of longer sequences are checked against the bytes two and three
 * back.  nginx's own build flags target plain x86-64, so the functions are
 * compiled for SSSE3, AVX2 (32 bytes at a time) and AVX-512 (64) alone,
 * and the best the CPU has is chosen at run time.
 */

#if !defined NGX_WS_GUARD_UTF8_PORTABLE && defined __x86_64__                \
    && (defined __GNUC__ || defined __clang__)

#define NGX_WS_GUARD_UTF8_SIMD  1

#include <immintrin.h>


/* the bits of the tables: each names a pair of bytes that is invalid */

#define U8_TOO_SHORT   0x01    /* a lead, then no continuation */
#define U8_TOO_LONG    0x02    /* ASCII, then a continuation */
#define U8_OVERLONG_3  0x04    /* E0 80..9F */
#define U8_TOO_LARGE   0x08    /* F4 90..BF, F5..FF 90..BF */
#define U8_SURROGATE   0x10    /* ED A0..BF */
#define U8_OVERLONG_2  0x20    /* C0 or C1, then a continuation */
#define U8_LARGE_1000  0x40    /* F5..FF 80..8F, and F0 80..8F (overlong) */
#define U8_TWO_CONTS   0x80    /* a continuation after a continuation */

#define U8_CARRY       (U8_TOO_SHORT|U8_TOO_LONG|U8_TWO_CONTS)


/* 0: portable code, 1: SSSE3, 2: AVX2, 3: AVX-512; -1: not chosen yet */
int  ngx_ws_guard_utf8_simd = -1;


/* by the high nibble of the first byte of a pair */
static const unsigned char  ngx_ws_guard_utf8_byte1_high[16]
    __attribute__((aligned(16))) =
{
    U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
    U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
    U8_TWO_CONTS, U8_TWO_CONTS, U8_TWO_CONTS, U8_TWO_CONTS,
    U8_TOO_SHORT|U8_OVERLONG_2,
    U8_TOO_SHORT,
    U8_TOO_SHORT|U8_OVERLONG_3|U8_SURROGATE,
    U8_TOO_SHORT|U8_TOO_LARGE|U8_LARGE_1000
};

/* by its low nibble */
static const unsigned char  ngx_ws_guard_utf8_byte1_low[16]
    __attribute__((aligned(16))) =
{
    U8_CARRY|U8_OVERLONG_3|U8_OVERLONG_2|U8_LARGE_1000,
    U8_CARRY|U8_OVERLONG_2,
    U8_CARRY,
    U8_CARRY,
    U8_CARRY|U8_TOO_LARGE,
    U8_CARRY|U8_TOO_LARGE|U8_LARGE_1000,
    U8_CARRY|U8_TOO_LARGE|U8_LARGE_1000,
    U8_CARRY|U8_TOO_LARGE|U8_LARGE_1000,
    U8_CARRY|U8_TOO_LARGE|U8_LARGE_1000,
    U8_CARRY|U8_TOO_LARGE|U8_LARGE_1000,
    U8_CARRY|U8_TOO_LARGE|U8_LARGE_1000,
    U8_CARRY|U8_TOO_LARGE|U8_LARGE_1000,
    U8_CARRY|U8_TOO_LARGE|U8_LARGE_1000,
    U8_CARRY|U8_TOO_LARGE|U8_LARGE_1000|U8_SURROGATE,
    U8_CARRY|U8_TOO_LARGE|U8_LARGE_1000,
    U8_CARRY|U8_TOO_LARGE|U8_LARGE_1000
};

/* by the high nibble of the second byte */
static const unsigned char  ngx_ws_guard_utf8_byte2_high[16]
    __attribute__((aligned(16))) =
{
    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
    U8_TOO_LONG|U8_OVERLONG_2|U8_TWO_CONTS|U8_OVERLONG_3|U8_LARGE_1000,
    U8_TOO_LONG|U8_OVERLONG_2|U8_TWO_CONTS|U8_OVERLONG_3|U8_TOO_LARGE,
    U8_TOO_LONG|U8_OVERLONG_2|U8_TWO_CONTS|U8_SURROGATE|U8_TOO_LARGE,
    U8_TOO_LONG|U8_OVERLONG_2|U8_TWO_CONTS|U8_SURROGATE|U8_TOO_LARGE,
    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT
};


static size_t ngx_ws_guard_utf8_open(unsigned c1, unsigned c2, unsigned c3);


__attribute__((target("ssse3")))
static size_t
ngx_ws_guard_utf8_blocks(const unsigned char *p, size_t len)
{
    size_t    i, n;
    __m128i   in, prev, prev1, prev2, prev3, err, incomplete, special, must,
              nib, lo, hi1, lo1, hi2, max, byte1_high, byte1_low, byte2_high;

    byte1_high = _mm_load_si128((const __m128i *) ngx_ws_guard_utf8_byte1_high);
    byte1_low = _mm_load_si128((const __m128i *) ngx_ws_guard_utf8_byte1_low);
    byte2_high = _mm_load_si128((const __m128i *) ngx_ws_guard_utf8_byte2_high);

    /* a lead in the last three bytes whose sequence goes on after them */
    max = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                        (char) (0xf0 - 1), (char) (0xe0 - 1),
                        (char) (0xc0 - 1));

    nib = _mm_set1_epi8(0x0f);

    /* the bytes before p end a code point: as if ASCII */
    prev = _mm_setzero_si128();
    err = _mm_setzero_si128();
    incomplete = _mm_setzero_si128();

    n = len & ~(size_t) 15;

    for (i = 0; i < n; i += 16) {
        in = _mm_loadu_si128((const __m128i *) (p + i));

        if (_mm_movemask_epi8(in) == 0) {
            /* ASCII: valid unless a sequence was left open before it */
            err = _mm_or_si128(err, incomplete);
            incomplete = _mm_setzero_si128();
            prev = in;
            continue;
        }

        prev1 = _mm_alignr_epi8(in, prev, 15);

        hi1 = _mm_shuffle_epi8(byte1_high,
                               _mm_and_si128(_mm_srli_epi16(prev1, 4), nib));
        lo1 = _mm_shuffle_epi8(byte1_low, _mm_and_si128(prev1, nib));
        hi2 = _mm_shuffle_epi8(byte2_high,
                               _mm_and_si128(_mm_srli_epi16(in, 4), nib));

        special = _mm_and_si128(_mm_and_si128(hi1, lo1), hi2);

        /* third and fourth bytes must be continuations, and only they */

        prev2 = _mm_alignr_epi8(in, prev, 14);
        prev3 = _mm_alignr_epi8(in, prev, 13);

        must = _mm_or_si128(
                   _mm_subs_epu8(prev2, _mm_set1_epi8((char) (0xe0 - 0x80))),
                   _mm_subs_epu8(prev3, _mm_set1_epi8((char) (0xf0 - 0x80))));
        must = _mm_and_si128(must, _mm_set1_epi8((char) 0x80));

        err = _mm_or_si128(err, _mm_xor_si128(must, special));

        incomplete = _mm_subs_epu8(in, max);
        prev = in;
    }

    lo = _mm_cmpeq_epi8(err, _mm_setzero_si128());

    if (_mm_movemask_epi8(lo) != 0xffff) {
        return (size_t) -1;
    }

    return n - ngx_ws_guard_utf8_open(p[n - 1], p[n - 2], p[n - 3]);
}


/*
 * The same 32 bytes at a time.  AVX2 shuffles and shifts within each
 * 16-byte lane, so the bytes before a block come from a vector made of the
 * previous block's high lane and this block's low lane.
 * ngx_ws_guard_utf8_block_avx2() returns the bits of the wrong pairs of
 * the block in, given the block before it.
 */

static inline __attribute__((always_inline, target("avx2"))) __m256i
ngx_ws_guard_utf8_block_avx2(__m256i in, __m256i prev, __m256i byte1_high,
    __m256i byte1_low, __m256i byte2_high)
{
    __m256i  before, prev1, prev2, prev3, nib, hi1, lo1, hi2, special, must;

    nib = _mm256_set1_epi8(0x0f);

    /* [prev's high lane, in's low lane] */
    before = _mm256_permute2x128_si256(prev, in, 0x21);

    prev1 = _mm256_alignr_epi8(in, before, 15);

    hi1 = _mm256_shuffle_epi8(byte1_high,
                          _mm256_and_si256(_mm256_srli_epi16(prev1, 4), nib));
    lo1 = _mm256_shuffle_epi8(byte1_low, _mm256_and_si256(prev1, nib));
    hi2 = _mm256_shuffle_epi8(byte2_high,
                          _mm256_and_si256(_mm256_srli_epi16(in, 4), nib));

    special = _mm256_and_si256(_mm256_and_si256(hi1, lo1), hi2);

    /* third and fourth bytes must be continuations, and only they */

    prev2 = _mm256_alignr_epi8(in, before, 14);
    prev3 = _mm256_alignr_epi8(in, before, 13);

    must = _mm256_or_si256(
             _mm256_subs_epu8(prev2, _mm256_set1_epi8((char) 0x60)),
             _mm256_subs_epu8(prev3, _mm256_set1_epi8((char) 0x70)));
    must = _mm256_and_si256(must, _mm256_set1_epi8((char) 0x80));

    return _mm256_xor_si256(must, special);
}


/*
 * All len bytes: whole blocks, then, if len is not a multiple of 32 (and
 * then at least 64), the 32 bytes that end at len after the 32 before
 * them: the bytes checked twice come out the same.  A lead open at the end
 * is not wrong: it goes on in the bytes of the next call.  With masked,
 * each block is first XORed with key (a WebSocket client's masking key
 * repeated, its byte for p[0] first) and, with dst, stored there unmasked:
 * one pass over the payload instead of an unmasking pass and a checking
 * pass.  The callers pass constants for dst (NULL or not) and masked, so
 * each gets its own loop.
 */

static inline __attribute__((always_inline, target("avx2"))) int
ngx_ws_guard_utf8_blocks_avx2_body(unsigned char *dst, const unsigned char *p,
    size_t len, int masked, uint32_t key)
{
    size_t    i, n, o;
    __m256i   in, prev, err, incomplete, max, k, byte1_high, byte1_low,
              byte2_high;

    byte1_high = _mm256_broadcastsi128_si256(
               _mm_load_si128((const __m128i *) ngx_ws_guard_utf8_byte1_high));
    byte1_low = _mm256_broadcastsi128_si256(
               _mm_load_si128((const __m128i *) ngx_ws_guard_utf8_byte1_low));
    byte2_high = _mm256_broadcastsi128_si256(
               _mm_load_si128((const __m128i *) ngx_ws_guard_utf8_byte2_high));

    /* a lead in the last three bytes whose sequence goes on after them */
    max = _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                           -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                           -1, -1, -1, -1, -1,
                           (char) (0xf0 - 1), (char) (0xe0 - 1),
                           (char) (0xc0 - 1));

    k = _mm256_set1_epi32((int) key);

    /* the bytes before p end a code point: as if ASCII */
    prev = _mm256_setzero_si256();
    err = _mm256_setzero_si256();
    incomplete = _mm256_setzero_si256();

    n = len & ~(size_t) 31;

    for (i = 0; i < n; i += 32) {
        in = _mm256_loadu_si256((const __m256i *) (p + i));

        if (masked) {
            in = _mm256_xor_si256(in, k);

            if (dst) {
                _mm256_storeu_si256((__m256i *) (dst + i), in);
            }
        }

        if (_mm256_movemask_epi8(in) == 0) {
            /* ASCII: valid unless a sequence was left open before it */
            err = _mm256_or_si256(err, incomplete);
            incomplete = _mm256_setzero_si256();
            prev = in;
            continue;
        }

        err = _mm256_or_si256(err,
                              ngx_ws_guard_utf8_block_avx2(in, prev,
                                                           byte1_high,
                                                           byte1_low,
                                                           byte2_high));

        incomplete = _mm256_subs_epu8(in, max);
        prev = in;
    }

    if (n < len) {
        in = _mm256_loadu_si256((const __m256i *) (p + len - 32));
        prev = _mm256_loadu_si256((const __m256i *) (p + len - 64));

        if (masked) {
            /* the key at the phase of p[len - 32]: len & 3 bytes on */
            o = (len & 3) * 8;
            k = _mm256_set1_epi32((int) (o ? (key >> o) | (key << (32 - o))
                                           : key));

            in = _mm256_xor_si256(in, k);
            prev = _mm256_xor_si256(prev, k);

            if (dst) {
                _mm256_storeu_si256((__m256i *) (dst + len - 32), in);
            }
        }

        err = _mm256_or_si256(err,
                              ngx_ws_guard_utf8_block_avx2(in, prev,
                                                           byte1_high,
                                                           byte1_low,
                                                           byte2_high));
    }

    i = _mm256_testz_si256(err, err);

    /*
     * Clean upper halves for the SSE code that runs next (nginx's, ours):
     * gcc leaves out its own vzeroupper before a tail call.
     */

    _mm256_zeroupper();

    return (int) i;
}


/* from p[0], at least 64 bytes */

__attribute__((target("avx2")))
static size_t
ngx_ws_guard_utf8_blocks_avx2(const unsigned char *p, size_t len)
{
    if (!ngx_ws_guard_utf8_blocks_avx2_body(NULL, p, len, 0, 0)) {
        return (size_t) -1;
    }

    return len - ngx_ws_guard_utf8_open(p[len - 1], p[len - 2], p[len - 3]);
}


__attribute__((target("avx2")))
static int
ngx_ws_guard_utf8_blocks_avx2_masked(const unsigned char *p, size_t len,
    uint32_t key)
{
    return ngx_ws_guard_utf8_blocks_avx2_body(NULL, p, len, 1, key);
}


__attribute__((target("avx2")))
static int
ngx_ws_guard_utf8_blocks_avx2_unmask(unsigned char *dst,
    const unsigned char *p, size_t len, uint32_t key)
{
    return ngx_ws_guard_utf8_blocks_avx2_body(dst, p, len, 1, key);
}


/*
 * The same 64 bytes at a time with AVX-512 (BW): the lookups work within
 * each 16-byte lane as with AVX2, and the 16 bytes before each lane come
 * from the 64 bytes that end 16 bytes into the block.  The last bytes of
 * fewer than 64 are loaded under a mask (nothing is read past the end),
 * padded with zeros, and only their own wrong pairs count.
 */

static inline __attribute__((always_inline, target("avx512bw"))) __m512i
ngx_ws_guard_utf8_block_avx512(__m512i in, __m512i prev, __m512i byte1_high,
    __m512i byte1_low, __m512i byte2_high)
{
    __m512i  before, prev1, prev2, prev3, nib, hi1, lo1, hi2, special, must;

    nib = _mm512_set1_epi8(0x0f);

    /* [the last 16 bytes of prev, the first 48 of in] */
    before = _mm512_alignr_epi64(in, prev, 6);

    prev1 = _mm512_alignr_epi8(in, before, 15);

    hi1 = _mm512_shuffle_epi8(byte1_high,
                              _mm512_and_si512(_mm512_srli_epi16(prev1, 4),
                                               nib));
    lo1 = _mm512_shuffle_epi8(byte1_low, _mm512_and_si512(prev1, nib));
    hi2 = _mm512_shuffle_epi8(byte2_high,
                              _mm512_and_si512(_mm512_srli_epi16(in, 4), nib));

    special = _mm512_and_si512(_mm512_and_si512(hi1, lo1), hi2);

    prev2 = _mm512_alignr_epi8(in, before, 14);
    prev3 = _mm512_alignr_epi8(in, before, 13);

    must = _mm512_or_si512(
             _mm512_subs_epu8(prev2, _mm512_set1_epi8((char) 0x60)),
             _mm512_subs_epu8(prev3, _mm512_set1_epi8((char) 0x70)));
    must = _mm512_and_si512(must, _mm512_set1_epi8((char) 0x80));

    return _mm512_xor_si512(must, special);
}


static inline __attribute__((always_inline, target("avx512bw"))) int
ngx_ws_guard_utf8_blocks_avx512_body(unsigned char *dst,
    const unsigned char *p, size_t len, int masked, uint32_t key)
{
    size_t     i, n, r;
    __mmask64  tail;
    __m512i    in, prev, err, incomplete, max, k, byte1_high, byte1_low,
               byte2_high;

    byte1_high = _mm512_broadcast_i32x4(
               _mm_load_si128((const __m128i *) ngx_ws_guard_utf8_byte1_high));
    byte1_low = _mm512_broadcast_i32x4(
               _mm_load_si128((const __m128i *) ngx_ws_guard_utf8_byte1_low));
    byte2_high = _mm512_broadcast_i32x4(
               _mm_load_si128((const __m128i *) ngx_ws_guard_utf8_byte2_high));

    /* a lead in the last three bytes whose sequence goes on after them */
    max = _mm512_set_epi64((long long) 0xbfdfefffffffffffULL, -1, -1, -1,
                           -1, -1, -1, -1);

    k = _mm512_set1_epi32((int) key);

    prev = _mm512_setzero_si512();
    err = _mm512_setzero_si512();
    incomplete = _mm512_setzero_si512();

    n = len & ~(size_t) 63;

    for (i = 0; i < n; i += 64) {
        in = _mm512_loadu_si512((const void *) (p + i));

        if (masked) {
            in = _mm512_xor_si512(in, k);

            if (dst) {
                _mm512_storeu_si512((void *) (dst + i), in);
            }
        }

        if (_mm512_movepi8_mask(in) == 0) {
            /* ASCII: valid unless a sequence was left open before it */
            err = _mm512_or_si512(err, incomplete);
            incomplete = _mm512_setzero_si512();
            prev = in;
            continue;
        }

        err = _mm512_or_si512(err,
                              ngx_ws_guard_utf8_block_avx512(in, prev,
                                                             byte1_high,
                                                             byte1_low,
                                                             byte2_high));

        incomplete = _mm512_subs_epu8(in, max);
        prev = in;
    }

    r = len - n;

    if (r) {
        /* a lead open before the tail is wrong at its first byte */

        tail = ((__mmask64) 1 << r) - 1;

        in = _mm512_maskz_loadu_epi8(tail, (const void *) (p + n));

        if (masked) {
            /* n is a multiple of 64: the key's phase is p[0]'s */
            in = _mm512_maskz_mov_epi8(tail, _mm512_xor_si512(in, k));

            if (dst) {
                _mm512_mask_storeu_epi8((void *) (dst + n), tail, in);
            }
        }

        err = _mm512_or_si512(err,
                  _mm512_maskz_mov_epi8(tail,
                      ngx_ws_guard_utf8_block_avx512(in, prev, byte1_high,
                                                     byte1_low, byte2_high)));
    }

    i = (_mm512_test_epi64_mask(err, err) == 0);

    /* clean upper halves for the SSE code that runs next */

    _mm256_zeroupper();

    return (int) i;
}


__attribute__((target("avx512bw")))
static size_t
ngx_ws_guard_utf8_blocks_avx512(const unsigned char *p, size_t len)
{
    if (!ngx_ws_guard_utf8_blocks_avx512_body(NULL, p, len, 0, 0)) {
        return (size_t) -1;
    }

    return len - ngx_ws_guard_utf8_open(p[len - 1], p[len - 2], p[len - 3]);
}


__attribute__((target("avx512bw")))
static int
ngx_ws_guard_utf8_blocks_avx512_masked(const unsigned char *p, size_t len,
    uint32_t key)
{
    return ngx_ws_guard_utf8_blocks_avx512_body(NULL, p, len, 1, key);
}


__attribute__((target("avx512bw")))
static int
ngx_ws_guard_utf8_blocks_avx512_unmask(unsigned char *dst,
    const unsigned char *p, size_t len, uint32_t key)
{
    return ngx_ws_guard_utf8_blocks_avx512_body(dst, p, len, 1, key);
}


size_t
ngx_ws_guard_utf8_blocks_masked(unsigned char *dst, const unsigned char *p,
    size_t len, const unsigned char key[4])
{
    int       ok;
    uint32_t  k;

    if (len < 64) {
        return 0;
    }

    if (ngx_ws_guard_utf8_simd < 0) {
        (void) ngx_ws_guard_utf8_simd_level(-1);
    }

    if (ngx_ws_guard_utf8_simd < 2) {
        return 0;
    }

    memcpy(&k, key, 4);

    if (ngx_ws_guard_utf8_simd == 3) {
        ok = dst ? ngx_ws_guard_utf8_blocks_avx512_unmask(dst, p, len, k)
                 : ngx_ws_guard_utf8_blocks_avx512_masked(p, len, k);

    } else {
        ok = dst ? ngx_ws_guard_utf8_blocks_avx2_unmask(dst, p, len, k)
                 : ngx_ws_guard_utf8_blocks_avx2_masked(p, len, k);
    }

    if (!ok) {
        return (size_t) -1;
    }

    return len - ngx_ws_guard_utf8_open(p[len - 1] ^ key[(len - 1) & 3],
                                        p[len - 2] ^ key[(len - 2) & 3],
                                        p[len - 3] ^ key[(len - 3) & 3]);
}


/*
 * The bytes at the end of checked ones (c1 the last, c2 and c3 before it)
 * of a sequence that goes on after them, left to the caller: 0 to 3.
 */

static size_t
ngx_ws_guard_utf8_open(unsigned c1, unsigned c2, unsigned c3)
{
    if (c1 >= 0xc0) {
        return 1;
    }

    if (c2 >= 0xe0) {
        return 2;
    }

    if (c3 >= 0xf0) {
        return 3;
    }

    return 0;
}


int
ngx_ws_guard_utf8_simd_level(int level)
{
    if (ngx_ws_guard_utf8_simd < 0) {
        __builtin_cpu_init();

        /*
         * AVX-512 only where VBMI2 comes with it (Ice Lake, Zen 4 and
         * later): not on the first AVX-512 CPUs, whose clock drops for
         * the whole worker while 512-bit code runs
         */

        ngx_ws_guard_utf8_simd =
            (__builtin_cpu_supports("avx512bw")
             && __builtin_cpu_supports("avx512vbmi2")) ? 3
            : __builtin_cpu_supports("avx2") ? 2
            : __builtin_cpu_supports("ssse3") ? 1 : 0;
    }

    if (level >= 0 && level < ngx_ws_guard_utf8_simd) {
        ngx_ws_guard_utf8_simd = level;
    }

    return ngx_ws_guard_utf8_simd;
}

#else

int  ngx_ws_guard_utf8_simd = 0;


int
ngx_ws_guard_utf8_simd_level(int level)
{
    return 0;
}


size_t
ngx_ws_guard_utf8_blocks_masked(unsigned char *dst, const unsigned char *p,
    size_t len, const unsigned char key[4])
{
    return 0;
}

#endif


int
ngx_ws_guard_utf8_validate(ngx_ws_guard_utf8_t *u, const unsigned char *p,
    size_t len)
{
    unsigned              s, c;
    uint64_t              w0, w1;
    const unsigned char  *end;

    s = u->state;

    if (s == u8_rej) {
        return NGX_WS_GUARD_ERROR;
    }

    if (len == 0) {
        return NGX_WS_GUARD_OK;
    }

    end = p + len;

    /* a sequence left open by the previous call: the automaton */

    while (s != u8_acc) {
        s = ngx_ws_guard_utf8_next[s + ngx_ws_guard_utf8_class[*p++]];

        if (s == u8_rej) {
            goto invalid;
        }

        if (p == end) {
            u->state = s;
            return NGX_WS_GUARD_OK;
        }
    }

#if (NGX_WS_GUARD_UTF8_SIMD)

    if ((size_t) (end - p) >= 64) {

        if (ngx_ws_guard_utf8_simd < 0) {
            (void) ngx_ws_guard_utf8_simd_level(-1);
        }

        if (ngx_ws_guard_utf8_simd) {
            len = (ngx_ws_guard_utf8_simd == 3)
                  ? ngx_ws_guard_utf8_blocks_avx512(p, end - p)
                  : (ngx_ws_guard_utf8_simd == 2)
                  ? ngx_ws_guard_utf8_blocks_avx2(p, end - p)
                  : ngx_ws_guard_utf8_blocks(p, end - p);

            if (len == (size_t) -1) {
                goto invalid;
            }

            p += len;

            if (p == end) {
                u->state = u8_acc;
                return NGX_WS_GUARD_OK;
            }
        }
    }

#endif

    for ( ;; ) {

        /* ASCII runs, 16 and then 8 bytes at a time */

        while ((size_t) (end - p) >= 16) {
            memcpy(&w0, p, 8);
            memcpy(&w1, p + 8, 8);

            if ((w0 | w1) & NGX_WS_GUARD_UTF8_HIGH) {

                if ((w0 & NGX_WS_GUARD_UTF8_HIGH) == 0) {
                    p += 8;
                    w0 = w1;
                }

                ngx_ws_guard_utf8_skip(p, w0);
                goto multibyte;
            }

            p += 16;
        }

        if ((size_t) (end - p) >= 8) {
            memcpy(&w0, p, 8);

            if (w0 & NGX_WS_GUARD_UTF8_HIGH) {
                ngx_ws_guard_utf8_skip(p, w0);
                goto multibyte;
            }

            p += 8;
        }

        while (p < end && *p < 0x80) {
            p++;
        }

        if (p == end) {
            break;
        }

    multibyte:

        /*
         * *p >= 0x80: whole sequences are checked here, one after another,
         * until an ASCII byte or the end; from a lead in the last 3 bytes
         * the automaton takes over, and may be left inside a sequence
         */

        for ( ;; ) {

            if (end - p < 4) {
                goto tail;
            }

            c = p[0];

            if (c < 0xe0) {

                if (c < 0xc2) {
                    goto invalid;
                }

                if ((p[1] & 0xc0) != 0x80) {
                    goto invalid;
                }

                p += 2;

            } else if (c < 0xf0) {

                if ((unsigned) (p[1] - ngx_ws_guard_utf8_second[c & 0x1f])
                    > ngx_ws_guard_utf8_second[32 + (c & 0x1f)]
                    || (p[2] & 0xc0) != 0x80)
                {
                    goto invalid;
                }

                p += 3;

            } else {

                if (c > 0xf4) {
                    goto invalid;
                }

                if ((unsigned) (p[1] - ngx_ws_guard_utf8_second[c & 0x1f])
                    > ngx_ws_guard_utf8_second[32 + (c & 0x1f)]
                    || (p[2] & 0xc0) != 0x80
                    || (p[3] & 0xc0) != 0x80)
                {
                    goto invalid;
                }

                p += 4;
            }

            if (p == end) {
                u->state = u8_acc;
                return NGX_WS_GUARD_OK;
            }

            if (*p < 0x80) {
                break;
            }
        }
    }

    u->state = u8_acc;

    return NGX_WS_GUARD_OK;

tail:

    /*
     * 1 to 3 bytes are left from the lead at p: the automaton checks
     * them, and keeps the state of a sequence they leave open
     */

    s = u8_acc;

    while (p < end) {
        s = ngx_ws_guard_utf8_next[s + ngx_ws_guard_utf8_class[*p++]];

        if (s == u8_rej) {
            goto invalid;
        }
    }

    u->state = s;

    return NGX_WS_GUARD_OK;

invalid:

    u->state = u8_rej;

    return NGX_WS_GUARD_ERROR;
}


int
ngx_ws_guard_utf8_finish(ngx_ws_guard_utf8_t *u)
{
    unsigned  s;

    s = u->state;
    u->state = u8_acc;

    return (s == u8_acc) ? NGX_WS_GUARD_OK : NGX_WS_GUARD_ERROR;
}


int
ngx_ws_guard_utf8_check(const unsigned char *p, size_t len)
{
    ngx_ws_guard_utf8_t  u;

    u.state = u8_acc;

    if (ngx_ws_guard_utf8_validate(&u, p, len) != NGX_WS_GUARD_OK) {
        return NGX_WS_GUARD_ERROR;
    }

    return ngx_ws_guard_utf8_finish(&u);
}
