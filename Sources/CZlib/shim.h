#ifndef VPNDOCTOR_CZLIB_SHIM_H
#define VPNDOCTOR_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 is a macro: this is it for gzip streams (window 15, gzip header expected).
static inline int vpndoctor_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 16 + MAX_WBITS);
}
#endif
