// SHA-1 compression with the x86 SHA extensions: four rounds per SHA1RNDS4, the message schedule
// by SHA1MSG1/SHA1MSG2, the next E by SHA1NEXTE (Intel's "New Instructions Supporting the Secure
// Hash Algorithm on Intel Architecture Processors", 2013). Elsewhere it compiles to a stub that
// `roster_sha1_hardware_available` keeps from being called.
#include "sha1_hardware.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

int roster_sha1_hardware_available(void) {
  unsigned int eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
  const int ssse3 = (ecx >> 9) & 1, sse41 = (ecx >> 19) & 1;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
  const int sha = (ebx >> 29) & 1;
  return ssse3 && sse41 && sha;
}

// Four rounds with round function `F` (0 to 3): the schedule word group `g` (`g` >= 4) is made from
// the four before it, kept in a ring of four; `previous` is ABCD before the last four rounds.
#define ROSTER_SHA1_FOUR_ROUNDS(F)                                                              \
  do {                                                                                          \
    __m128i word = schedule[g & 3];                                                             \
    if (g >= 4) {                                                                               \
      word = _mm_sha1msg1_epu32(schedule[g & 3], schedule[(g + 1) & 3]);                        \
      word = _mm_xor_si128(word, schedule[(g + 2) & 3]);                                        \
      word = _mm_sha1msg2_epu32(word, schedule[(g + 3) & 3]);                                   \
      schedule[g & 3] = word;                                                                   \
    }                                                                                           \
    const __m128i nextE = _mm_sha1nexte_epu32(previous, word);                                  \
    previous = abcd;                                                                            \
    abcd = _mm_sha1rnds4_epu32(abcd, nextE, F);                                                 \
  } while (0)

__attribute__((target("sha,ssse3,sse4.1")))
void roster_sha1_compress_hardware(uint32_t state[5], const uint8_t *data, size_t blocks) {
  // Reverses the 16 bytes: big-endian words, the first one in the highest lane.
  const __m128i reverse = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
  __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)state), 0x1B);
  __m128i e = _mm_set_epi32((int)state[4], 0, 0, 0);
  for (; blocks > 0; blocks--, data += 64) {
    const __m128i abcdSaved = abcd, eSaved = e;
    __m128i schedule[4];
    for (int i = 0; i < 4; i++) {
      schedule[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * i)), reverse);
    }
    // Rounds 0-3 add E to the first words; every later group gets it from SHA1NEXTE.
    __m128i previous = abcd;
    abcd = _mm_sha1rnds4_epu32(abcd, _mm_add_epi32(e, schedule[0]), 0);
    int g = 1;
    for (; g < 5; g++) ROSTER_SHA1_FOUR_ROUNDS(0);
    for (; g < 10; g++) ROSTER_SHA1_FOUR_ROUNDS(1);
    for (; g < 15; g++) ROSTER_SHA1_FOUR_ROUNDS(2);
    for (; g < 20; g++) ROSTER_SHA1_FOUR_ROUNDS(3);
    e = _mm_sha1nexte_epu32(previous, eSaved);
    abcd = _mm_add_epi32(abcd, abcdSaved);
  }
  _mm_storeu_si128((__m128i *)state, _mm_shuffle_epi32(abcd, 0x1B));
  state[4] = (uint32_t)_mm_extract_epi32(e, 3);
}

#else

int roster_sha1_hardware_available(void) { return 0; }

void roster_sha1_compress_hardware(uint32_t state[5], const uint8_t *data, size_t blocks) {
  (void)state;
  (void)data;
  (void)blocks;
}

#endif
