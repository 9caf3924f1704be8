// SHA-1 block compression on the CPU's SHA extensions (x86-64 SHA-NI), for RosterCore's SHA1.
// RosterCore keeps a portable Swift compression and uses this one only when the CPU has the
// instructions; both give the same state for every block.
#ifndef ROSTER_SHA1_HARDWARE_H
#define ROSTER_SHA1_HARDWARE_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU runs `roster_sha1_compress_hardware` (x86-64 with SHA, SSSE3 and SSE4.1), else 0.
int roster_sha1_hardware_available(void);

/// Compresses `blocks` 64-byte blocks at `data` into `state` (the five SHA-1 words, in order).
/// Call only when `roster_sha1_hardware_available()` returns 1.
void roster_sha1_compress_hardware(uint32_t state[5], const uint8_t *data, size_t blocks);

#endif
