/*
 * The C contestant of bench workload 8: the durable small replace as bare system calls, served on
 * request so that no process start is timed. Reads lines "N" on stdin; for each, replaces DIR/c-target
 * N times (open O_CREAT|O_EXCL, write, fdatasync, close, rename, then fsync of the directory, kept
 * open as a real program would) and answers with the elapsed nanoseconds on stdout.
 *   replace DIR SIZE
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
  perror(what);
  exit(1);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: replace DIR SIZE\n");
    return 2;
  }
  const char *dir = argv[1];
  size_t size = (size_t) atol(argv[2]);
  char *content = malloc(size ? size : 1);
  memset(content, 'c', size);
  char temp[4096], target[4096];
  snprintf(target, sizeof target, "%s/c-target", dir);
  int dfd = open(dir, O_RDONLY | O_DIRECTORY);
  if (dfd < 0) die("open dir");
  long seq = 0, n;
  while (scanf("%ld", &n) == 1) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) {
      snprintf(temp, sizeof temp, "%s/.c-%ld.tmp", dir, seq++);
      int fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd < 0) die("open temp");
      for (size_t done = 0; done < size;) {
        ssize_t w = write(fd, content + done, size - done);
        if (w < 0) die("write");
        done += (size_t) w;
      }
      if (fdatasync(fd) != 0) die("fdatasync");
      if (close(fd) != 0) die("close");
      if (rename(temp, target) != 0) die("rename");
      if (fsync(dfd) != 0) die("fsync dir");
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%lld\n", (long long) (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
    fflush(stdout);
  }
  return 0;
}
