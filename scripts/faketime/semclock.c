/* sem_clockwait for libfaketime 0.9.10, which fakes CLOCK_MONOTONIC but does not intercept
   sem_clockwait (glibc >= 2.30): an absolute deadline read from the faked clock is moved onto the
   real clock before the kernel sees it. Python's Lock.acquire(timeout) uses sem_clockwait. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <semaphore.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int sem_clockwait(sem_t *sem, clockid_t clock, const struct timespec *abstime) {
  static int (*real)(sem_t *, clockid_t, const struct timespec *);
  if (!real) real = dlsym(RTLD_NEXT, "sem_clockwait");
  struct timespec faked, actual, deadline;
  clock_gettime(clock, &faked);                       /* through libfaketime */
  syscall(SYS_clock_gettime, clock, &actual);          /* the kernel's own clock */
  long long ns = (abstime->tv_sec - faked.tv_sec) * 1000000000LL + (abstime->tv_nsec - faked.tv_nsec);
  if (ns < 0) ns = 0;
  long long end = actual.tv_sec * 1000000000LL + actual.tv_nsec + ns;
  deadline.tv_sec = end / 1000000000LL;
  deadline.tv_nsec = end % 1000000000LL;
  return real(sem, clock, &deadline);
}
