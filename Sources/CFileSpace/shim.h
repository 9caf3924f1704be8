// Linux's fallocate(2), which Swift's Glibc module leaves out: glibc declares it in <fcntl.h> only
// under _GNU_SOURCE, and defining that here would make this module's view of the C headers differ
// from Glibc's. So the function is declared as glibc defines it, and the flags come from the
// kernel's own header. Nothing to link: the call is in libc.
#ifndef ROSTER_CFILESPACE_SHIM_H
#define ROSTER_CFILESPACE_SHIM_H

#include <linux/falloc.h>
#include <sys/types.h>

extern int fallocate(int fd, int mode, off_t offset, off_t len);

/// Frees the storage of `length` bytes at `offset` in the file open as `descriptor`, keeping its size
/// (`fallocate` with `FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE`); the range then reads as zeros.
/// Returns 0, or -1 with `errno` set (`EOPNOTSUPP` where the file system cannot).
static inline int roster_punch_hole(int descriptor, off_t offset, off_t length) {
  return fallocate(descriptor, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
}

#endif
