#ifndef FILE_SYNC_H
#define FILE_SYNC_H

/// syncfs(2): commits every write of the filesystem that holds `descriptor` to stable storage
/// and reports a write error the filesystem recorded since the last call on `descriptor` (Linux
/// 5.8 and later). Glibc declares it only under _GNU_SOURCE, which Swift's Glibc module does not
/// set. Returns 0, or -1 with errno set (ENOSYS where the system has no syncfs).
int rr_syncfs(int descriptor);

#endif
