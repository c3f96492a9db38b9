#define _GNU_SOURCE
#include "file_sync.h"

#include <errno.h>
#include <unistd.h>

int rr_syncfs(int descriptor) {
#if defined(__linux__)
    return syncfs(descriptor);
#else
    (void)descriptor;
    errno = ENOSYS;
    return -1;
#endif
}
