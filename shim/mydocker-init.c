/*
 * mydocker-init: the first code of every container process — the container's PID 1 and each
 * `exec`'d process — before the user's program. The runtime spawns it from a sealed memfd copy
 * (`/proc/self/fd/5`: nothing inside the container can ever write to the binary behind its
 * /proc/<pid>/exe), in the container's namespaces; being static, it needs no file of the host once
 * it runs, so the runtime may pivot_root it into the container's root while it waits.
 *
 *   fd 3  the "go" pipe: the runtime writes one launch message (below) when cgroups and network are
 *         ready; EOF without it (the runtime gave up or died) ends this process with 125, before
 *         any user code.
 *   fd 4  with the argument --ready (the container's first process): "ready <host pid>\n" is
 *         written there first (read from /proc/self/stat while /proc is still the host's); then
 *         the runtime sends preludes on fd 3 ("MDP1" and steps, the same framing as the launch
 *         message), what must be done while the host's files are still in reach, before
 *         pivot_root: joining its cgroups (it writes "0" to each group's file: a v1 `tasks` write
 *         of one's own thread skips the process-wide lock a move from outside takes), the
 *         mounts only a process inside the new PID namespace can make (its /proc), (an OCI
 *         bundle's) a cgroup namespace rooted at the groups it joined, and (an OCI bundle's
 *         terminal) the pty to hold on 0, 1, 2; the init answers each "done\n", or the
 *         line of what failed. An OCI bundle sends one prelude per proc mount, between the mounts
 *         the runtime makes, so that they all appear in its config's order. fd 4 is closed when
 *         the launch message comes. An `exec`'d process has no such fd: its fd 4 may be anything
 *         the caller had.
 *   fd 6  with the argument --go-held (OCI `create`, after --ready): a write end of its own go pipe,
 *         held so that the pipe outlives the runtime process that made it (`create` exits; `start`,
 *         another process, opens /proc/<pid>/fd/3 for writing and sends the message). Closed as
 *         soon as the message is read.
 *   fd 7… with --preserve-fds=N (OCI `create --preserve-fds N`): the caller's fds 3…3+N-1, which
 *         the program gets back at 3…3+N-1 (moved down just before the exec); nothing else above 2.
 * The prelude of an OCI container with a user namespace ends with a join of it (F_JOIN_USER).
 * Started with --hold-namespaces=FLAGS instead, it is no container process: it makes an OCI
 * container's user namespace and the namespaces owned by it, says "ready <pid>" on fd 4 and holds
 * them until fd 3 reaches EOF (see hold_namespaces).
 *
 * The message: "MDI1", a u32 body length, then fields of (u8 tag, u32 length, bytes); integers are
 * little-endian. Tags are in enum field below; ARG and ENV repeat. What it does with it, in order
 * (runc's order: seccomp goes in before the capabilities are dropped unless no_new_privs is set,
 * because without no_new_privs installing a filter needs CAP_SYS_ADMIN):
 *   -. the resource limits (setrlimit), as the message is read
 *   0. the setup steps plugins asked for (unshare, mkdir, mount), in their order
 *   1. the terminal: opened as session leader, it becomes the controlling terminal; on 0, 1, 2
 *   2. chdir to the working directory (inside the container's root)
 *   3. a new session keyring, so no key of the caller's session is reachable
 *   4. every descriptor above 2 is marked close-on-exec (none of the caller's reaches the program),
 *      then the preserved ones (--preserve-fds=N) are moved down to 3… without the mark
 *   5. seccomp (without no_new_privs)
 *   6. the capability bounding set; groups, gid, uid; then effective/permitted/inheritable, ambient
 *   7. no_new_privs, and seccomp (with it)
 *   8. the umask, when the message has one
 *   9. execvp with the container's environment: 127 when not found, 126 when not executable.
 * Any failure before the exec prints one line on stderr and exits 125.
 *
 * With F_STAY_AS_INIT (`run --init`) step 8 happens in a child: this process stays as the
 * container's PID 1, as docker-init (tini) does: it reaps every process that ends (orphans are
 * reparented to it), forwards each signal it gets to the program (as PID 1 it has no default
 * actions: without a handler a SIGTERM from `stop` would be ignored), and exits with the program's
 * code (128+N when signal N killed it); the kernel then ends the rest of the PID namespace. With a
 * terminal the program gets a process group of its own, the terminal's foreground one (^C reaches
 * it directly).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* The few kernel ABI definitions needed, spelled out: musl's headers do not include the kernel's. */
struct sock_filter {
  uint16_t code;
  uint8_t jt, jf;
  uint32_t k;
};
struct sock_fprog {
  unsigned short len;
  struct sock_filter *filter;
};
#define SECCOMP_MODE_FILTER 2
struct cap_header {
  uint32_t version;
  int pid;
};
struct cap_data {
  uint32_t effective, permitted, inheritable;
};
#define CAPABILITY_VERSION_3 0x20080522
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#define KEYCTL_JOIN_SESSION_KEYRING 1
#define MAX_MESSAGE (16u << 20)

enum field {
  F_ARG = 1,      /* one argv element (the first is the program) */
  F_ENV = 2,      /* one NAME=VALUE */
  F_CWD = 3,      /* working directory */
  F_TTY = 4,      /* terminal path, inside the container (in a prelude: its host path, held on 0, 1, 2) */
  F_USER = 5,     /* u32 uid, u32 gid, u32 count, count x u32 supplementary gids */
  F_CAPS = 6,     /* 5 x u64: bounding, effective, permitted, inheritable, ambient */
  F_NNP = 7,      /* no bytes: set no_new_privs */
  F_SECCOMP = 8,  /* a classic BPF program: struct sock_filter[] */
  F_KEYRING = 9,  /* no bytes: join a new anonymous session keyring */
  /* Setup steps, done in the order given, before everything else (every capability is still held):
     what plugins ask of the process itself, e.g. a cgroup namespace rooted at its own group. */
  F_UNSHARE = 10, /* u32 flags */
  F_MKDIR = 11,   /* u32 mode, then the path */
  F_MOUNT = 12,   /* u64 flags, then source, target, fstype, data: four NUL-terminated strings */
  F_RLIMIT = 13,  /* u32 resource, u64 soft, u64 hard: setrlimit before the user's program */
  /* Prelude only (a host path: meaningless after pivot_root). */
  F_JOIN_CGROUP = 14, /* a cgroup file (v1 tasks, v2 cgroup.procs): write "0" to it, joining that group */
  F_UMASK = 15,   /* u32: the program's umask (else it keeps the runtime's) */
  F_JOIN_USER = 16,   /* a user namespace (/proc/<pid>/ns/user): setns into it and become its root
                         (the prelude's last step; or a launch message's first, for an OCI exec) */
  F_STAY_AS_INIT = 17, /* no bytes: fork the program, stay as its init (see above) */
};

/* Where a failure is told: stderr, or during the prelude the runtime itself (fd 4). */
static int report_fd = 2;

static void say4(const char *a, const char *b, const char *c, const char *d) {
  const char *parts[] = {"mydocker: ", a, b, c, d, "\n"};
  for (unsigned i = 0; i < sizeof parts / sizeof parts[0]; i++)
    if (parts[i] && write(report_fd, parts[i], strlen(parts[i]))) { /* best effort */ }
}

static void say(const char *a, const char *b, const char *c) { say4(a, b, c, NULL); }

/* A failure of ours before the exec: one line, and Docker's code for the runtime's own failure. */
static void fail(const char *what, const char *detail) {
  say(what, ": ", detail);
  _exit(125);
}

static void die(const char *what) {
  say(what, ": ", strerror(errno));
  _exit(125);
}

static int read_full(int fd, void *buf, size_t len) {
  char *p = buf;
  while (len > 0) {
    ssize_t n = read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static uint32_t u32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t u64(const unsigned char *p) { return (uint64_t)u32(p) | (uint64_t)u32(p + 4) << 32; }

/* The next NUL-terminated string of a field, or NULL past its end. */
static const char *next_string(const unsigned char **at, const unsigned char *end) {
  const unsigned char *nul = memchr(*at, '\0', (size_t)(end - *at));
  if (!nul) return NULL;
  const char *s = (const char *)*at;
  *at = nul + 1;
  return s;
}

static void setup_step(unsigned char tag, const unsigned char *value, uint32_t len) {
  const unsigned char *end = value + len;
  if (tag == F_UNSHARE) {
    if (len != 4) fail("bad launch message", "unshare field");
    if (unshare((int)u32(value)) < 0) die("cannot unshare a namespace");
  } else if (tag == F_MKDIR) {
    const unsigned char *at = value + 4;
    const char *path = len > 4 ? next_string(&at, end) : NULL;
    if (!path) fail("bad launch message", "mkdir field");
    if (mkdir(path, (mode_t)u32(value)) < 0 && errno != EEXIST) {
      say4("cannot create ", path, ": ", strerror(errno));
      _exit(125);
    }
  } else {
    const unsigned char *at = value + 8;
    const char *source = len > 8 ? next_string(&at, end) : NULL;
    const char *target = source ? next_string(&at, end) : NULL;
    const char *fstype = target ? next_string(&at, end) : NULL;
    const char *data = fstype ? next_string(&at, end) : NULL;
    if (!data) fail("bad launch message", "mount field");
    if (mount(*source ? source : NULL, target, *fstype ? fstype : NULL, (unsigned long)u64(value), *data ? data : NULL) < 0) {
      say4("cannot mount ", target, ": ", strerror(errno));
      _exit(125);
    }
  }
}

/* Joins a cgroup: "0" written to a group's tasks (or cgroup.procs) moves the writer itself. */
static void join_cgroup(const unsigned char *value, uint32_t len) {
  const unsigned char *at = value;
  const char *file = len > 0 ? next_string(&at, value + len) : NULL;
  if (!file) fail("bad launch message", "cgroup field");
  int fd = open(file, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, "0", 1) != 1) {
    say4("cannot join the cgroup of ", file, ": ", strerror(errno));
    _exit(125);
  }
  close(fd);
}

static void say_ready(void);

/*
 * Enters the container's user namespace (an OCI config's linux.namespaces "user"), last in the
 * prelude: its other namespaces were made inside it already (see hold_namespaces), and the host's
 * root has done the rest. Then it becomes that namespace's root, so that what it makes from here
 * (the cgroup view's tmpfs and directories) belongs to the container's root, as the kernel needs
 * the maker's ids mapped in there. A namespace that maps no uid or gid 0 leaves the ids unmapped:
 * the launch message's user switch comes later anyway.
 */
static void join_user(const unsigned char *value, uint32_t len) {
  const unsigned char *at = value;
  const char *file = len > 0 ? next_string(&at, value + len) : NULL;
  if (!file) fail("bad launch message", "user namespace field");
  /* For an exec the path resolves in the container's mount namespace, which its root may have
     changed: O_NONBLOCK so that a FIFO put there cannot hold us; setns() refuses what is no user
     namespace, and any user namespace reachable there is the container's or one below it. */
  int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0 || setns(fd, CLONE_NEWUSER) < 0) {
    say4("cannot join the user namespace ", file, ": ", strerror(errno));
    _exit(125);
  }
  close(fd);
  if (syscall(SYS_setgroups, (size_t)0, (gid_t *)NULL) < 0 && errno != EINVAL && errno != EPERM) die("cannot clear supplementary groups");
  if (syscall(SYS_setresgid, 0, 0, 0) < 0 && errno != EINVAL) die("cannot become the user namespace's root group");
  if (syscall(SYS_setresuid, 0, 0, 0) < 0 && errno != EINVAL) die("cannot become the user namespace's root");
}

/*
 * --hold-namespaces=FLAGS [--user-ns=PATH]: not a container process but the maker of an OCI
 * container's namespaces when it has a user namespace. The runtime (many threads) can neither
 * create nor enter one; this single-threaded process makes it (or joins PATH) and, in the same
 * unshare(), the other namespaces of FLAGS, which the kernel then makes owned by it. It says
 * "ready <pid>" on fd 4, and holds them until fd 3 reaches EOF: meanwhile the runtime writes its
 * uid_map and gid_map, joins the others and starts the first process in them.
 */
static void hold_namespaces(const char *flags_text, const char *user_ns) {
  report_fd = 4;
  int flags = (int)strtoul(flags_text, NULL, 10);
  if (user_ns) {
    int fd = open(user_ns, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWUSER) < 0) {
      say4("cannot join the user namespace ", user_ns, ": ", strerror(errno));
      _exit(125);
    }
    close(fd);
  }
  if (unshare(flags) < 0) die("cannot create the container's namespaces");
  say_ready();
  char byte;
  for (;;) {
    ssize_t n = read(3, &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(0);
  }
}

/* Tells the runtime our pid as the host sees it. */
static void say_ready(void) {
  char stat[64], msg[80];
  int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, stat, sizeof stat - 1);
  if (fd >= 0) close(fd);
  if (n <= 0) return;
  stat[n] = '\0';
  size_t digits = strspn(stat, "0123456789");
  memcpy(msg, "ready ", 6);
  memcpy(msg + 6, stat, digits);
  msg[6 + digits] = '\n';
  if (write(4, msg, 7 + digits) < 0) { /* the runtime sees EOF instead */ }
}

/* One message on fd 3: a magic ("MDP1" a prelude, "MDI1" the launch), a u32 body length, the body.
   NULL at EOF (the runtime gave up). */
static unsigned char *read_message(int *is_prelude, uint32_t *size) {
  unsigned char header[8];
  if (read_full(3, header, sizeof header) < 0) return NULL;
  *is_prelude = memcmp(header, "MDP1", 4) == 0;
  if (!*is_prelude && memcmp(header, "MDI1", 4) != 0) fail("bad launch message", "wrong magic");
  *size = u32(header + 4);
  if (*size > MAX_MESSAGE) fail("bad launch message", "too large");
  unsigned char *body = malloc(*size ? *size : 1);
  if (!body) die("out of memory");
  if (read_full(3, body, *size) < 0) return NULL;
  return body;
}

/* The terminal, a host path (its devpts under the rootfs), on 0, 1, 2 until the launch opens it again
   as the controlling terminal: O_NOCTTY, so that the session gets it only then, as before. */
static void take_terminal(const unsigned char *value, uint32_t len) {
  if (len == 0 || value[len - 1] != '\0') fail("bad launch message", "unterminated string");
  int fd = open((const char *)value, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) die("cannot open the terminal");
  if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) die("cannot use the terminal");
  close(fd);
}

/* One round of the prelude: cgroup joins, mkdir, mount and terminal steps, done before pivot_root;
   the answer goes to fd 4. An OCI bundle sends one round per proc mount, in its config's order, and
   unshares its cgroup namespace in one (once in its groups, and in its user namespace if it has
   one), so that the namespace exists when `create` returns, as runc's does. */
static void prelude(const unsigned char *body, uint32_t size) {
  report_fd = 4;
  for (uint32_t at = 0; at + 5 <= size;) {
    uint32_t len = u32(body + at + 1);
    if (len > size - at - 5) fail("bad launch message", "truncated field");
    if (body[at] == F_JOIN_CGROUP) join_cgroup(body + at + 5, len);
    else if (body[at] == F_JOIN_USER) join_user(body + at + 5, len);
    else if (body[at] == F_UNSHARE || body[at] == F_MKDIR || body[at] == F_MOUNT) setup_step(body[at], body + at + 5, len);
    else if (body[at] == F_TTY) take_terminal(body + at + 5, len);
    else fail("bad launch message", "not a prelude step");
    at += 5 + len;
  }
  if (write(4, "done\n", 5) < 0) { /* the runtime sees EOF instead */ }
  report_fd = 2;
}

/* The launch message; with --ready, after any number of prelude rounds (fd 4 is closed once it came). */
static unsigned char *read_launch(int ready, uint32_t *size) {
  for (;;) {
    int is_prelude = 0;
    unsigned char *body = read_message(&is_prelude, size);
    if (!body) return NULL;
    if (!is_prelude) {
      if (ready) close(4);
      return body;
    }
    if (!ready) fail("bad launch message", "a prelude for a process that has none");
    prelude(body, *size);
    free(body);
  }
}

static void mark_fds_cloexec(void) {
  if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  /* Kernels before 5.11: walk our descriptors. */
  DIR *dir = opendir("/proc/self/fd");
  if (!dir) die("cannot list open descriptors");
  int own = dirfd(dir);
  struct dirent *e;
  while ((e = readdir(dir)) != NULL) {
    int fd = atoi(e->d_name);
    if (fd > 2 && fd != own && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 && errno != EBADF) die("cannot close a descriptor");
  }
  closedir(dir);
}

static void install_seccomp(const unsigned char *prog, uint32_t len) {
  struct sock_fprog fprog = {.len = (unsigned short)(len / sizeof(struct sock_filter)), .filter = (struct sock_filter *)prog};
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) < 0) die("cannot install the seccomp filter");
}

/* Needs CAP_SETPCAP: before the switch to another user. */
static void drop_bounding(const unsigned char *caps) {
  uint64_t bounding = u64(caps);
  for (int cap = 0; cap < 64; cap++) {
    if (bounding & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      if (errno == EINVAL) break; /* past the kernel's last capability */
      die("cannot drop a capability from the bounding set");
    }
  }
}

/* After the switch to the user: what it keeps of the permitted set it kept across the switch. */
static void set_capabilities(const unsigned char *caps) {
  uint64_t effective = u64(caps + 8), permitted = u64(caps + 16);
  uint64_t inheritable = u64(caps + 24), ambient = u64(caps + 32);
  struct cap_header header = {.version = CAPABILITY_VERSION_3, .pid = 0};
  struct cap_data data[2] = {
      {.effective = (uint32_t)effective, .permitted = (uint32_t)permitted, .inheritable = (uint32_t)inheritable},
      {.effective = (uint32_t)(effective >> 32), .permitted = (uint32_t)(permitted >> 32), .inheritable = (uint32_t)(inheritable >> 32)},
  };
  if (syscall(SYS_capset, &header, data) < 0) die("cannot set capabilities");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) die("cannot clear ambient capabilities");
  /* Best effort, as runc: a capability outside the inheritable set cannot be ambient (EPERM), and
     OCI configs commonly ask for some anyway (runc's own `spec` does). */
  for (int cap = 0; cap < 64; cap++)
    if ((ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EPERM) die("cannot raise an ambient capability");
}

static void set_user(const unsigned char *user, uint32_t len) {
  uint32_t count = u32(user + 8);
  if (len < 12 || (len - 12) / 4 < count) fail("bad launch message", "user field");
  gid_t groups[count ? count : 1];
  for (uint32_t i = 0; i < count; i++) groups[i] = u32(user + 12 + 4 * i);
  /* Keep the permitted set across the uid change; set_capabilities() then says what remains. */
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) die("cannot keep capabilities");
  if (syscall(SYS_setgroups, (size_t)count, groups) < 0) die("cannot set supplementary groups");
  if (syscall(SYS_setresgid, u32(user + 4), u32(user + 4), u32(user + 4)) < 0) die("cannot set the group");
  if (syscall(SYS_setresuid, u32(user), u32(user), u32(user)) < 0) die("cannot set the user");
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) die("cannot reset keepcaps");
}

static void set_rlimit(const unsigned char *value, uint32_t len) {
  if (len != 20) fail("bad launch message", "rlimit field");
  struct rlimit limit = {.rlim_cur = (rlim_t)u64(value + 4), .rlim_max = (rlim_t)u64(value + 12)};
  if (setrlimit((int)u32(value), &limit) < 0) die("cannot set a resource limit");
}

/* The program, exec'd: 127 when not found, 126 when it cannot be executed. */
static void exec_program(char **argv, char **envp) {
  environ = envp;
  execvp(argv[0], argv);
  int error = errno;
  say("exec: \"", argv[0], error == ENOENT ? "\": no such file or directory" : error == EACCES ? "\": permission denied" : error == E2BIG ? "\": argument list too long" : "\": cannot execute");
  _exit(error == ENOENT ? 127 : 126);
}

/* --init: the program in a child; this process reaps and forwards signals until the program ends. */
static void stay_as_init(char **argv, char **envp, int tty) {
  sigset_t all, old;
  sigfillset(&all);
  /* Blocked, signals wait for sigwaitinfo: even those PID 1 would drop for want of a handler. */
  if (sigprocmask(SIG_SETMASK, &all, &old) < 0) die("cannot block signals");
  pid_t child = fork();
  if (child < 0) die("cannot start the program");
  if (child == 0) {
    if (tty && setpgid(0, 0) == 0) {
      /* SIGTTOU is still blocked: a background group may take the terminal. */
      if (tcsetpgrp(0, getpid()) < 0) { /* the terminal stays the init's group's */ }
    }
    if (sigprocmask(SIG_SETMASK, &old, NULL) < 0) die("cannot unblock signals");
    exec_program(argv, envp);
  }
  /* Nothing of the caller's (preserved descriptors) is held open by the init past the program. */
  if (syscall(SYS_close_range, 3, ~0U, 0) < 0) { /* before 5.9: they stay, close-on-exec */ }
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0) {
      if (errno == EINTR) continue;
      die("cannot wait for signals");
    }
    if (sig != SIGCHLD) {
      if (kill(child, sig) < 0 && errno != ESRCH) { /* nothing better to do */ }
      continue;
    }
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid != child) continue; /* an orphan, reaped */
      _exit(WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 125);
    }
  }
}

#define PRESERVED_BASE 7

/* The preserved descriptors, from PRESERVED_BASE down to 3 in ascending order (a target is always
   below its source, and a source overwritten later was moved already); dup2 clears close-on-exec. */
static void move_preserved(int count) {
  for (int i = 0; i < count; i++)
    if (dup2(PRESERVED_BASE + i, 3 + i) < 0) die("cannot pass a preserved descriptor");
}

int main(int argc, char **argv_in) {
  /* Until the exec nobody in the container may open /proc/<this pid>/... (runc does the same). */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  int go_held = argc > 2 && strcmp(argv_in[2], "--go-held") == 0;
  int preserved = 0;
  for (int i = 1; i < argc; i++)
    if (strncmp(argv_in[i], "--preserve-fds=", 15) == 0) preserved = atoi(argv_in[i] + 15);
  if (argc > 1 && strncmp(argv_in[1], "--hold-namespaces=", 18) == 0)
    hold_namespaces(argv_in[1] + 18, argc > 2 && strncmp(argv_in[2], "--user-ns=", 10) == 0 ? argv_in[2] + 10 : NULL);
  int ready = argc > 1 && strcmp(argv_in[1], "--ready") == 0;
  if (ready) say_ready();

  uint32_t size;
  unsigned char *body = read_launch(ready, &size);
  if (!body) _exit(125); /* the runtime gave up: no go */
  close(3);
  if (go_held) close(6);

  size_t nargs = 0, nenv = 0;
  for (uint32_t at = 0; at + 5 <= size;) {
    uint32_t len = u32(body + at + 1);
    if (len > size - at - 5) fail("bad launch message", "truncated field");
    nargs += body[at] == F_ARG;
    nenv += body[at] == F_ENV;
    at += 5 + len;
  }
  char **argv = calloc(nargs + 1, sizeof *argv), **envp = calloc(nenv + 1, sizeof *envp);
  if (!argv || !envp) die("out of memory");
  const char *cwd = NULL, *tty = NULL;
  const unsigned char *user = NULL, *caps = NULL, *seccomp = NULL;
  uint32_t user_len = 0, seccomp_len = 0;
  int nnp = 0, keyring = 0, has_umask = 0, stay = 0;
  mode_t new_umask = 0;
  nargs = nenv = 0;
  for (uint32_t at = 0; at + 5 <= size;) {
    unsigned char tag = body[at];
    uint32_t len = u32(body + at + 1);
    unsigned char *value = body + at + 5;
    /* Strings are sent NUL-terminated: the last byte must be it. */
    int is_string = tag == F_ARG || tag == F_ENV || tag == F_CWD || tag == F_TTY;
    if (is_string && (len == 0 || value[len - 1] != '\0')) fail("bad launch message", "unterminated string");
    switch (tag) {
      case F_ARG: argv[nargs++] = (char *)value; break;
      case F_ENV: envp[nenv++] = (char *)value; break;
      case F_CWD: cwd = (const char *)value; break;
      case F_TTY: tty = (const char *)value; break;
      case F_USER: user = value; user_len = len; break;
      case F_CAPS:
        if (len != 40) fail("bad launch message", "capabilities field");
        caps = value;
        break;
      case F_NNP: nnp = 1; break;
      case F_SECCOMP:
        if (len == 0 || len % sizeof(struct sock_filter) != 0 || len / sizeof(struct sock_filter) > 0xffff) fail("bad launch message", "seccomp field");
        seccomp = value;
        seccomp_len = len;
        break;
      case F_KEYRING: keyring = 1; break;
      case F_JOIN_USER:
      case F_UNSHARE:
      case F_MKDIR:
      case F_MOUNT: break; /* done in order, below */
      case F_RLIMIT: set_rlimit(value, len); break;
      case F_UMASK:
        if (len != 4 || u32(value) > 0777) fail("bad launch message", "umask field");
        has_umask = 1;
        new_umask = (mode_t)u32(value);
        break;
      case F_STAY_AS_INIT: stay = 1; break;
      default: fail("bad launch message", "unknown field");
    }
    at += 5 + len;
  }
  if (nargs == 0) fail("bad launch message", "no command");
  for (uint32_t at = 0; at + 5 <= size; at += 5 + u32(body + at + 1)) {
    unsigned char tag = body[at];
    if (tag == F_UNSHARE || tag == F_MKDIR || tag == F_MOUNT) setup_step(tag, body + at + 5, u32(body + at + 1));
    else if (tag == F_JOIN_USER) join_user(body + at + 5, u32(body + at + 1)); /* sent first: an OCI exec */
  }

  if (tty) {
    /* As the leader of a session without a terminal, opening it makes it ours (job control). */
    int fd = open(tty, O_RDWR);
    if (fd < 0) die("cannot open the terminal");
    if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) die("cannot use the terminal");
    if (fd > 2) close(fd);
  }
  if (cwd && chdir(cwd) < 0) {
    say4("cannot enter the working directory ", cwd, ": ", strerror(errno));
    _exit(125);
  }
  if (keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, (char *)NULL) < 0 && errno != ENOSYS) die("cannot create a session keyring");
  mark_fds_cloexec();
  if (preserved > 0) move_preserved(preserved);
  if (seccomp && !nnp) install_seccomp(seccomp, seccomp_len);
  if (caps) drop_bounding(caps);
  if (user) {
    if (user_len < 12) fail("bad launch message", "user field");
    set_user(user, user_len);
  }
  if (caps) set_capabilities(caps);
  if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die("cannot set no_new_privs");
  if (seccomp && nnp) install_seccomp(seccomp, seccomp_len);

  if (has_umask) umask(new_umask);
  if (stay) stay_as_init(argv, envp, tty != NULL);
  exec_program(argv, envp);
}
