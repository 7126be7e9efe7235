#ifndef VPNDOCTOR_CZLIB_SHIM_H
#define VPNDOCTOR_CZLIB_SHIM_H
#include <zlib.h>
#endif
