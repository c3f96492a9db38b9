#ifndef RETENTION_ROUTER_CZLIB_SHIM_H
#define RETENTION_ROUTER_CZLIB_SHIM_H

#include <zlib.h>

/// deflateInit2 is a macro over deflateInit2_, which Swift cannot import: this names it.
static inline int czlib_deflate_init(z_streamp stream, int level, int windowBits, int memLevel) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, memLevel, Z_DEFAULT_STRATEGY);
}

/// inflateInit is a macro over inflateInit_: this names it.
static inline int czlib_inflate_init(z_streamp stream) {
    return inflateInit(stream);
}

#endif
