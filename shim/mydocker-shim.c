/*
 * mydocker-shim: what stays behind a detached container (`mydocker run -d`), in the role of
 * podman's conmon. No Node process may stay per container; this one is a few hundred kilobytes.
 *
 *   mydocker-shim [--host-network] [--health INTERVAL_MS LIMIT_MS N ARGV...] LOG EXITFILE
 *                 [CLEANUP ARGV...] -- FIRST-PROCESS ARGV...
 *
 * --host-network keeps the host's network namespace (`--net host`).
 * --health runs the N-word ARGV (`mydocker healthcheck ID`: one health check, which records its
 *    own result) INTERVAL_MS after the container starts and then INTERVAL_MS after each one ended,
 *    one at a time, killing one still running after LIMIT_MS (its own timeout is enforced inside
 *    it; this is the backstop). It is our child, in our process group (`rm -f` kills it with us),
 *    dies with us (PR_SET_PDEATHSIG), and is killed when the container ends: no check outlives it.
 * 1. unshare(CLONE_NEWPID) and fork: the child is PID 1 of a new PID namespace, and this process,
 *    in the host's namespaces, is its parent, so it can collect its exit status.
 * 2. The child unshares its mount, UTS, IPC and network namespaces, starts a session, takes pipes
 *    as stdout and stderr, and execs the first process (mydocker-init, from the sealed copy the
 *    runtime passes as fd 5: it says "ready" on fd 4 and waits for its launch message on fd 3,
 *    while the runtime joins its namespaces and prepares them).
 * 3. The shim copies both pipes into LOG, one JSON object per line:
 *      {"time":"2026-01-02T03:04:05.123456789Z","stream":"stdout","log":"text\n"}
 * 4. When PID 1 has ended, it writes its status to EXITFILE (the exit code, or 128+N for signal N)
 *    atomically, and execs the cleanup command (`mydocker cleanup ID`, with a clean environment),
 *    which releases the container's resources. Standard input of the container is /dev/null.
 *
 * The shim is two processes, so that killing either one loses nothing. The process the runtime
 * spawns becomes the *watcher*: a child subreaper that forks the shim proper (steps 1-4) and waits.
 * Killed, the watcher only leaves the shim without a parent, which changes nothing. The shim killed,
 * its child (the container's PID 1) is reparented to the watcher, which kills it (its output has
 * nowhere to go any more), collects its status, writes EXITFILE and runs the cleanup in its stead.
 * Both are in one process group (the watcher's, a session of its own): `rm -f` kills the group
 * before the container, so that no cleanup runs for an end that `rm` itself releases.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINE 16384 /* longer lines are split, as Docker does */

struct stream {
  const char *name;
  int fd;
  char buf[MAX_LINE];
  size_t len;
};

static int log_fd = -1;

/* The health checks (--health): see the header. Times on CLOCK_MONOTONIC, in milliseconds. */
static char **health_argv = NULL;
static long long health_interval = 0, health_limit = 0, health_next = 0, health_started = 0;
static pid_t health_pid = -1;
static int sigchld_pipe[2] = {-1, -1};

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void on_sigchld(int sig) {
  (void)sig;
  int saved = errno;
  if (write(sigchld_pipe[1], "c", 1) < 0) { /* full: a wake-up is pending anyway */ }
  errno = saved;
}

static void start_health_check(void) {
  pid_t pid = fork();
  if (pid < 0) {
    health_next = now_ms() + health_interval; /* try again next time */
    return;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) _exit(125); /* the shim is gone already */
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
      if (null > 2) close(null);
    }
    char *clean_env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};
    execve(health_argv[0], health_argv, clean_env);
    _exit(125);
  }
  health_pid = pid;
  health_started = now_ms();
}

/* A poll timeout in milliseconds: an interval of weeks is waited for in steps. */
static int clamp_ms(long long ms) {
  return ms < 0 ? 0 : ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/* Collects an ended check, kills one past its limit, starts the next when due; returns poll's timeout. */
static int tend_health(void) {
  if (health_argv == NULL) return -1;
  long long now = now_ms();
  if (health_pid > 0) {
    int status;
    if (waitpid(health_pid, &status, WNOHANG) == health_pid) {
      health_pid = -1;
      health_next = now + health_interval;
    } else if (now - health_started >= health_limit) {
      kill(health_pid, SIGKILL);
      return 50; /* collected on the SIGCHLD */
    } else {
      return clamp_ms(health_started + health_limit - now);
    }
  }
  if (now >= health_next) {
    start_health_check();
    return clamp_ms(health_pid > 0 ? health_limit : health_interval);
  }
  return clamp_ms(health_next - now);
}

static void stop_health_checks(void) {
  if (health_pid > 0) {
    kill(health_pid, SIGKILL);
    while (waitpid(health_pid, NULL, 0) < 0 && errno == EINTR) {
    }
    health_pid = -1;
  }
  health_argv = NULL;
}

static void die(const char *what) {
  fprintf(stderr, "mydocker-shim: %s: %s\n", what, strerror(errno));
  _exit(125);
}

static void write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return; /* a full disk must not kill the container's shim */
    }
    data += n;
    len -= (size_t)n;
  }
}

/* One log record for `len` bytes of `line` (a trailing '\n' included when there was one). */
static void emit(const struct stream *s, const char *line, size_t len) {
  static char out[MAX_LINE * 6 + 256];
  struct timespec now;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &tm);
  size_t o = (size_t)snprintf(out, sizeof out, "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ\",\"stream\":\"%s\",\"log\":\"",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec, s->name);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)line[i];
    if (c == '"' || c == '\\') {
      out[o++] = '\\';
      out[o++] = (char)c;
    } else if (c == '\n') {
      out[o++] = '\\';
      out[o++] = 'n';
    } else if (c == '\r') {
      out[o++] = '\\';
      out[o++] = 'r';
    } else if (c == '\t') {
      out[o++] = '\\';
      out[o++] = 't';
    } else if (c < 0x20 || c == 0x7f) {
      o += (size_t)snprintf(out + o, 7, "\\u%04x", c);
    } else {
      out[o++] = (char)c;
    }
  }
  memcpy(out + o, "\"}\n", 3);
  o += 3;
  write_all(log_fd, out, o);
}

/* Reads what is there; emits every complete line. Returns 0 at end of stream. */
static int pump(struct stream *s) {
  ssize_t n = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) {
    if (s->len > 0) emit(s, s->buf, s->len);
    s->len = 0;
    return 0;
  }
  s->len += (size_t)n;
  size_t start = 0;
  for (size_t i = 0; i < s->len; i++) {
    if (s->buf[i] == '\n') {
      emit(s, s->buf + start, i + 1 - start);
      start = i + 1;
    }
  }
  if (start == 0 && s->len == sizeof s->buf) { /* a line longer than the buffer */
    emit(s, s->buf, s->len);
    start = s->len;
  }
  memmove(s->buf, s->buf + start, s->len - start);
  s->len -= start;
  return 1;
}

/* The exit file is written into "EXITFILE.tmp", fsync'd and renamed over EXITFILE (then the
   directory fsync'd): a reader sees the whole code or no file, never an empty one, which would read
   as no code at all. Its block is taken when the container starts (prepare_exit_file), while the
   disk has room: a container that fills the disk still gets its exit code recorded, by overwriting
   that block in place. Without it (the disk was full already) a plain write is tried at the end. */
static int exit_tmp_fd = -1;
static char exit_tmp[4096];

static int write_all_checked(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) return -1;
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

static void prepare_exit_file(const char *path) {
  if (snprintf(exit_tmp, sizeof exit_tmp, "%s.tmp", path) >= (int)sizeof exit_tmp) return;
  exit_tmp_fd = open(exit_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (exit_tmp_fd < 0) return;
  /* As long as the longest code ("255\n"): the rewrite at the end needs no new block. */
  if (write_all_checked(exit_tmp_fd, "125\n", 4) < 0) {
    close(exit_tmp_fd);
    exit_tmp_fd = -1;
    unlink(exit_tmp);
  }
}

static void sync_parent_dir(const char *path) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash == NULL) return;
  *slash = '\0';
  int fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);
  close(fd);
}

static void write_exit_status(const char *path, int status) {
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 125;
  char text[16];
  int len = snprintf(text, sizeof text, "%d\n", code);
  int fd = exit_tmp_fd;
  int ok;
  if (fd >= 0) {
    ok = pwrite(fd, text, (size_t)len, 0) == len && ftruncate(fd, len) == 0;
  } else {
    if (exit_tmp[0] == '\0') snprintf(exit_tmp, sizeof exit_tmp, "%s.tmp", path);
    fd = open(exit_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    ok = write_all_checked(fd, text, (size_t)len) == 0;
  }
  ok = ok && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  exit_tmp_fd = -1;
  /* A file without the whole code is worse than none: none reads as "code not known". */
  if (!ok || rename(exit_tmp, path) < 0) {
    unlink(exit_tmp);
    return;
  }
  sync_parent_dir(path);
}

static void run_cleanup(char **cleanup) {
  if (cleanup == NULL) _exit(0);
  /* A clean environment of our own: whatever this process was started with must not steer a
     host-side program (the container's environment travels in mydocker-init's launch message). */
  char *clean_env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};
  execve(cleanup[0], cleanup, clean_env);
  fprintf(stderr, "mydocker-shim: cannot run %s: %s\n", cleanup[0], strerror(errno));
  _exit(125);
}

/* Whether `pid` is PID 1 of a PID namespace below ours (the container's first process, not a
   health check): the last field of its NSpid line is 1. Zombies still have the line. */
static int is_container_init(int pid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen(path, "re");
  if (f == NULL) return 0;
  int found = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, "NSpid:", 6) != 0) continue;
    char *last = strrchr(line, '\t');
    found = last != NULL && last != strchr(line, '\t') && atoi(last + 1) == 1;
    break;
  }
  fclose(f);
  return found;
}

/* SIGKILLs our children other than `except` (after the shim's death: the container's PID 1, and a
   health check in flight); returns the container's PID 1 among them, or -1. */
static pid_t kill_children(pid_t except) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
  FILE *f = fopen(path, "re");
  if (f == NULL) return -1;
  int pid;
  pid_t init = -1;
  while (fscanf(f, "%d", &pid) == 1) {
    if (pid == except) continue;
    if (init < 0 && is_container_init(pid)) init = pid;
    kill(pid, SIGKILL);
  }
  fclose(f);
  return init;
}

/* The watcher: waits for the shim and whatever is reparented to us; see the header. */
static int watch(pid_t shim, const char *exit_path, char **cleanup) {
  /* The handshake fds and the init's binary are the shim's and its child's alone. */
  close(3);
  close(4);
  close(5);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  int shim_killed = 0, orphan_reaped = 0, orphan_status = 0, status;
  pid_t container = -1;
  for (;;) {
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break; /* ECHILD: nobody left */
    }
    if (pid == shim) {
      /* Ended by a signal: killed (or its cleanup was). The container, if it still runs, is ours now. */
      if (WIFSIGNALED(status)) {
        shim_killed = 1;
        container = kill_children(shim);
      }
    } else if (container < 0 || pid == container) {
      /* A health check reparented to us is not the container: its status is not the exit code. */
      orphan_reaped = 1;
      orphan_status = status;
    }
  }
  if (!shim_killed) return 0;
  if (orphan_reaped) write_exit_status(exit_path, orphan_status);
  run_cleanup(cleanup);
  return 0;
}

int main(int argc, char **argv) {
  int namespaces = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;
  if (argc > 1 && strcmp(argv[1], "--host-network") == 0) {
    namespaces &= ~CLONE_NEWNET;
    argv++;
    argc--;
  }
  if (argc > 5 && strcmp(argv[1], "--health") == 0) {
    health_interval = atoll(argv[2]);
    health_limit = atoll(argv[3]);
    int words = atoi(argv[4]);
    if (health_interval <= 0 || health_limit <= 0 || words <= 0 || words > argc - 5) {
      fprintf(stderr, "mydocker-shim: bad --health arguments\n");
      return 125;
    }
    /* The argv needs a NULL after it: the words are copied out. */
    health_argv = calloc((size_t)words + 1, sizeof *health_argv);
    if (health_argv == NULL) die("calloc");
    for (int i = 0; i < words; i++) health_argv[i] = argv[5 + i];
    argv += 4 + words;
    argc -= 4 + words;
  }
  if (argc < 5) {
    fprintf(stderr, "usage: mydocker-shim [--host-network] [--health INTERVAL_MS LIMIT_MS N ARGV...] LOG EXITFILE [CLEANUP...] -- COMMAND...\n");
    return 125;
  }
  const char *log_path = argv[1];
  const char *exit_path = argv[2];
  int sep = 3;
  while (sep < argc && strcmp(argv[sep], "--") != 0) sep++;
  if (sep >= argc - 1) {
    fprintf(stderr, "mydocker-shim: no command after --\n");
    return 125;
  }
  char **cleanup = sep > 3 ? &argv[3] : NULL;
  argv[sep] = NULL; /* ends the cleanup argv */
  char **command = &argv[sep + 1];

  /* The watcher first (see the header): we fork, and the parent becomes it. */
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) die("prctl(PR_SET_CHILD_SUBREAPER)");
  pid_t shim = fork();
  if (shim < 0) die("fork");
  if (shim > 0) return watch(shim, exit_path, cleanup);

  log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log_fd < 0) die("open log");
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) die("pipe");
  /* unshare(CLONE_NEWPID) only changes where our children are born; we switch that back right
     after the fork, or nothing we exec later (the cleanup) could start a thread: the kernel refuses
     CLONE_THREAD while the namespace for children differs from our own. */
  int own_pid_ns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
  if (own_pid_ns < 0) die("open /proc/self/ns/pid");
  if (unshare(CLONE_NEWPID) < 0) die("unshare(CLONE_NEWPID)");

  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    if (unshare(namespaces) < 0) die("unshare");
    if (setsid() < 0) die("setsid");
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) die("dup2");
    if (null > 2) close(null);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(command[0], command);
    die("exec"); /* fd 4 is closed by then: the runtime sees EOF instead of "ready" */
  }

  if (setns(own_pid_ns, CLONE_NEWPID) < 0) die("setns back to our PID namespace");
  close(own_pid_ns);
  prepare_exit_file(exit_path);

  /* The handshake fds and the init's binary belong to the first process: without our copies, its
     death is visible, and nothing of them reaches the cleanup we exec at the end. */
  close(3);
  close(4);
  close(5);
  close(out[1]);
  close(err[1]);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);

  if (health_argv != NULL) {
    if (pipe2(sigchld_pipe, O_CLOEXEC | O_NONBLOCK) < 0) die("pipe");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigchld;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
    health_next = now_ms() + health_interval;
  }

  static struct stream streams[2];
  streams[0].name = "stdout";
  streams[0].fd = out[0];
  streams[1].name = "stderr";
  streams[1].fd = err[0];
  int open_streams = 2;
  while (open_streams > 0) {
    struct pollfd fds[3];
    nfds_t n = 0;
    int which[3];
    for (int i = 0; i < 2; i++) {
      if (streams[i].fd < 0) continue;
      fds[n].fd = streams[i].fd;
      fds[n].events = POLLIN;
      which[n++] = i;
    }
    int timeout = tend_health();
    nfds_t wake = n;
    if (sigchld_pipe[0] >= 0) {
      fds[n].fd = sigchld_pipe[0];
      fds[n].events = POLLIN;
      which[n++] = -1;
    }
    if (poll(fds, n, timeout) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (wake < n && (fds[wake].revents & POLLIN)) {
      char drain[64];
      while (read(sigchld_pipe[0], drain, sizeof drain) > 0) {
      }
    }
    for (nfds_t i = 0; i < wake; i++) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      struct stream *s = &streams[which[i]];
      if (!pump(s)) {
        close(s->fd);
        s->fd = -1;
        open_streams--;
      }
    }
  }

  /* The container has ended (its output with it): no more checks, and none left behind. */
  stop_health_checks();
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) {
      status = 125 << 8;
      break;
    }
  }
  write_exit_status(exit_path, status);
  close(log_fd);
  run_cleanup(cleanup);
  return 0;
}
