// zlib from Debian's `zlib1g-dev` (/usr/include/zlib.h, /usr/lib/*/libz.so).
// Only RosterXLSXInput imports this module, and only with `internal import`.
#include <zlib.h>
