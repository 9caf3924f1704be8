// libxlsxwriter 1.1.4 from Debian's libxlsxwriter-dev (headers in /usr/include).
// Only RosterXLSX imports this module, and it does so with `internal import`: no C type is public.
#ifndef ROSTER_CXLSXWRITER_SHIM_H
#define ROSTER_CXLSXWRITER_SHIM_H

#include <xlsxwriter.h>

#endif
