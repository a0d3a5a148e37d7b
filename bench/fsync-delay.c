/* SD card mode of the benchmark: an LD_PRELOAD shim that delays every fsync, fdatasync and sync_file_range by
 * FSYNC_DELAY_MS (the flush of a Raspberry Pi's card) and counts them, split into regular files and folders.
 * libuv calls these from its thread pool through libc, so interposing libc's symbols catches Node's syncs.
 * Each process rewrites its counts in FSYNC_COUNT_DIR/<pid> on every call: "<file syncs> <folder syncs>\n",
 * at a fixed width, so one pwrite replaces the whole line and a reader never sees half of it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static atomic_long file_syncs;
static atomic_long folder_syncs;

static void delay(void) {
  const char *ms = getenv("FSYNC_DELAY_MS");
  long delay_ms = ms ? atol(ms) : 0;
  if (delay_ms <= 0) return;
  struct timespec wait = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
  while (nanosleep(&wait, &wait) != 0) {
  }
}

static void count(int fd) {
  struct stat status;
  if (fstat(fd, &status) == 0 && S_ISDIR(status.st_mode))
    atomic_fetch_add(&folder_syncs, 1);
  else
    atomic_fetch_add(&file_syncs, 1);
  const char *dir = getenv("FSYNC_COUNT_DIR");
  if (!dir) return;
  char path[4096];
  snprintf(path, sizeof path, "%s/%ld", dir, (long)getpid());
  int out = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (out < 0) return;
  char line[64];
  int length = snprintf(line, sizeof line, "%20ld %20ld\n", atomic_load(&file_syncs), atomic_load(&folder_syncs));
  if (pwrite(out, line, (size_t)length, 0) < 0) {
    /* a count lost is a figure off by one, not a reason to fail the program's own sync */
  }
  close(out);
}

/* Counts the sync of `fd` that gave `result`, and hands the result on. */
static int counted(int fd, int result) {
  count(fd);
  return result;
}

int fsync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  delay();
  return counted(fd, real(fd));
}

int fdatasync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  delay();
  return counted(fd, real(fd));
}

int sync_file_range(int fd, off64_t offset, off64_t nbytes, unsigned int flags) {
  static int (*real)(int, off64_t, off64_t, unsigned int);
  if (!real) real = (int (*)(int, off64_t, off64_t, unsigned int))dlsym(RTLD_NEXT, "sync_file_range");
  delay();
  return counted(fd, real(fd, offset, nbytes, flags));
}
