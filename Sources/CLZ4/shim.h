#ifndef RETENTION_ROUTER_CLZ4_SHIM_H
#define RETENTION_ROUTER_CLZ4_SHIM_H

#include <lz4.h>

#endif
