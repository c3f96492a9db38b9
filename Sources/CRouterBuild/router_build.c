#include "router_build.h"

#ifndef ROUTER_BUILD_COMMIT
#define ROUTER_BUILD_COMMIT "unknown"
#endif

const char *router_build_commit(void) { return ROUTER_BUILD_COMMIT; }
