#ifndef ROUTER_BUILD_H
#define ROUTER_BUILD_H

/// The commit this binary was built from: `ROUTER_BUILD_COMMIT=abc1234 swift build` (as
/// scripts/package.sh does; Package.swift turns it into a define of this target), or "unknown".
const char *router_build_commit(void);

#endif
