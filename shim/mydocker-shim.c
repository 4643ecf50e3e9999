/*
 * mydocker-shim: what stays behind a detached container (`mydocker run -d`), in the role of
 * podman's conmon. No Node process may stay per container; this one is a few hundred kilobytes.
 *
 *   mydocker-shim [--host-network] [--tty] [--stdin] [--socket PATH]
 *                 [--health INTERVAL_MS LIMIT_MS START_INTERVAL_MS START_PERIOD_MS N ARGV...]
 *                 LOG EXITFILE [CLEANUP ARGV...]
 *                 -- FIRST-PROCESS ARGV...
 *
 * --host-network keeps the host's network namespace (`--net host`).
 * --socket PATH  serves the container's stdio to attachers (`mydocker attach`) on a unix socket at
 *                PATH, made before the first process starts and removed at the end (see "Attach").
 * --tty          the container has a terminal (`run -d -t`): the runtime opens its pty in the
 *                container's devpts and hands the master over the socket ("T" with the descriptor,
 *                before it lets the first process go); the shim reads the terminal's output from it
 *                (logged as stdout, as Docker's) and writes attachers' input to it.
 * --stdin        (`run -d -i`) attachers' input reaches the container: without a terminal through a
 *                pipe on its stdin, whose write end the shim holds (so stdin stays open, as Docker's).
 * --health runs the N-word ARGV (`mydocker healthcheck ID`: one health check, which records its
 *    own result and exits 0 when it passed) INTERVAL_MS after the container starts and then
 *    INTERVAL_MS after each one ended — START_INTERVAL_MS instead while the first START_PERIOD_MS
 *    last and no check has passed yet, as Docker's --health-start-interval — one at a time,
 *    killing one still running after LIMIT_MS (its own timeout is enforced inside it; this is the
 *    backstop). It is our child, in our process group (`rm -f` kills it with us),
 *    dies with us (PR_SET_PDEATHSIG), and is killed when the container ends: no check outlives it.
 *
 * 1. unshare(CLONE_NEWPID) and fork: the child is PID 1 of a new PID namespace, and this process,
 *    in the host's namespaces, is its parent, so it can collect its exit status.
 * 2. The child unshares its mount, UTS, IPC and network namespaces, starts a session, takes pipes
 *    as stdout and stderr, and execs the first process (mydocker-init, from the sealed copy the
 *    runtime passes as fd 5: it says "ready" on fd 4 and waits for its launch message on fd 3,
 *    while the runtime joins its namespaces and prepares them).
 * 3. The shim copies both pipes (and the terminal) into LOG, one JSON object per line:
 *      {"time":"2026-01-02T03:04:05.123456789Z","stream":"stdout","log":"text\n"}
 *    and to every attacher.
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
 *
 * Attach. A client connects to the socket and sends one byte: "A" (attach, with its input) or "O"
 * (output only), or "W" and the terminal's new size (big-endian u16 rows, u16 columns: an attacher's
 * window, set on the pty, whose foreground process group the kernel then sends SIGWINCH); everything
 * an attacher sends after its byte is input, taken from one attacher at a time (the first
 * "A" still connected), and only with --stdin. The container's output goes to every attacher as it
 * goes to the log: raw with a terminal, else in Docker's frames (a byte 1 for stdout or 2 for
 * stderr, three zero bytes, a big-endian u32 length, the bytes). An attacher that goes away, or
 * does not take what is sent within a second, is dropped: the container never waits for one. At
 * the end of the output the attachers are disconnected (they then read the exit code elsewhere).
 * At most MAX_CLIENTS attach at once; the socket's directory (the container's state directory,
 * 0700) keeps everyone but root out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINE 16384 /* longer lines are split, as Docker does */

struct stream {
  const char *name;
  int id; /* in attachers' frames: 1 stdout, 2 stderr */
  int fd;
  char buf[MAX_LINE];
  size_t len;
};

static int log_fd = -1;

/* The health checks (--health): see the header. Times on CLOCK_MONOTONIC, in milliseconds. */
static char **health_argv = NULL;
static long long health_interval = 0, health_limit = 0, health_next = 0, health_started = 0;
static long long health_start_interval = 0, health_start_period = 0, health_since = 0;
static int health_passed = 0;
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

/* The wait before the next check (src/container/health.ts, nextCheckDelayMs, is the same rule). */
static long long health_delay(long long now) {
  return !health_passed && now - health_since < health_start_period ? health_start_interval : health_interval;
}

static void start_health_check(void) {
  pid_t pid = fork();
  if (pid < 0) {
    health_next = now_ms() + health_delay(now_ms()); /* try again next time */
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
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) health_passed = 1;
      health_next = now + health_delay(now);
    } else if (now - health_started >= health_limit) {
      kill(health_pid, SIGKILL);
      return 50; /* collected on the SIGCHLD */
    } else {
      return clamp_ms(health_started + health_limit - now);
    }
  }
  if (now >= health_next) {
    start_health_check();
    return clamp_ms(health_pid > 0 ? health_limit : health_next - now);
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

#define MAX_CLIENTS 8

static int tty_mode, stdin_mode;
static int clients[MAX_CLIENTS]; /* attachers' sockets, -1 for a free slot */
static int handshaken[MAX_CLIENTS];
static int input_ended[MAX_CLIENTS]; /* it shut its sending side: only its going away is watched */
static int input_owner = -1; /* the slot whose input is taken */
static int input_fd = -1;    /* where input goes: the pty master, or the stdin pipe's write end */

static void drop_client(int i) {
  close(clients[i]);
  clients[i] = -1;
  if (input_owner == i) input_owner = -1;
}

static int send_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1; /* gone, or full for a whole second (SO_SNDTIMEO) */
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* What the container wrote, to every attacher. */
static void relay(int stream_id, const char *data, size_t len) {
  unsigned char head[8] = {(unsigned char)stream_id, 0, 0, 0, (unsigned char)(len >> 24), (unsigned char)(len >> 16), (unsigned char)(len >> 8), (unsigned char)len};
  for (int i = 0; i < MAX_CLIENTS; i++) {
    if (clients[i] < 0 || !handshaken[i]) continue;
    if ((!tty_mode && send_all(clients[i], head, sizeof head) < 0) || send_all(clients[i], data, len) < 0) drop_client(i);
  }
}

/* An attacher's input, to the container; dropped when the container does not take it within a second. */
static void write_input(const char *data, size_t len) {
  while (len > 0 && input_fd >= 0) {
    struct pollfd p = {.fd = input_fd, .events = POLLOUT};
    if (poll(&p, 1, 1000) <= 0 || (p.revents & (POLLERR | POLLHUP))) return;
    ssize_t n = write(input_fd, data, len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return;
    data += n;
    len -= (size_t)n;
  }
}

static void accept_client(int listen_fd) {
  int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) return;
  for (int i = 0; i < MAX_CLIENTS; i++) {
    if (clients[i] >= 0) continue;
    /* Blocking sends, for at most a second each: a stalled attacher is dropped, not waited for. */
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    struct timeval second = {.tv_sec = 1, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &second, sizeof second);
    clients[i] = fd;
    handshaken[i] = 0;
    input_ended[i] = 0;
    return;
  }
  close(fd); /* too many */
}

/* A client's message: its handshake byte first (with the runtime's, the pty master), then input. */
static void client_message(int i, struct stream *terminal) {
  char buf[4096];
  union {
    char bytes[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes, .msg_controllen = sizeof control.bytes};
  ssize_t n = recvmsg(clients[i], &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  int passed = -1;
  struct cmsghdr *c = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL;
  if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int))) memcpy(&passed, CMSG_DATA(c), sizeof passed);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  size_t at = 0;
  if (n > 0 && !handshaken[i]) {
    at = 1;
    if (buf[0] == 'T' && tty_mode && passed >= 0 && terminal->fd < 0) {
      terminal->fd = passed;
      if (stdin_mode) input_fd = passed;
      passed = -1;
      n = 0; /* the runtime's connection has done its job */
    } else if (buf[0] == 'W' && n >= 5 && terminal->fd >= 0) {
      struct winsize size = {.ws_row = (unsigned short)((unsigned char)buf[1] << 8 | (unsigned char)buf[2]),
                             .ws_col = (unsigned short)((unsigned char)buf[3] << 8 | (unsigned char)buf[4])};
      if (ioctl(terminal->fd, TIOCSWINSZ, &size) < 0) { /* the terminal is gone: the container ended */ }
      n = 0;
    } else if (buf[0] == 'A' || buf[0] == 'O') {
      handshaken[i] = 1;
      if (buf[0] == 'A' && input_owner < 0) input_owner = i;
    } else {
      n = 0;
    }
  }
  if (passed >= 0) close(passed);
  if (n == 0 && handshaken[i] && at == 0) {
    /* Its input has ended (the container's stdin stays open, as Docker's); its output goes on. */
    input_ended[i] = 1;
    if (input_owner == i) input_owner = -1;
    return;
  }
  if (n <= 0) {
    drop_client(i);
    return;
  }
  if (i == input_owner && (size_t)n > at) write_input(buf + at, (size_t)n - at);
}

/* The socket file this shim made: at the end it is removed only if still ours (a `start` right after
   the container's end may have made the next run's there already). */
static struct stat socket_file;

/* The socket attachers connect to, at PATH (through /proc/self/fd: a state directory's path may be
   longer than a socket address holds). */
static int listen_at(const char *path) {
  char dir[4096], address_path[sizeof ((struct sockaddr_un *)0)->sun_path];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash == NULL || slash == dir) return -1;
  *slash = '\0';
  int dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) die("open the socket's directory");
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  if (snprintf(address_path, sizeof address_path, "/proc/self/fd/%d/%s", dir_fd, slash + 1) >= (int)sizeof address_path) {
    errno = ENAMETOOLONG;
    die("socket name");
  }
  memcpy(address.sun_path, address_path, sizeof address_path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) die("socket");
  unlink(path); /* the last run's */
  if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0 || listen(fd, MAX_CLIENTS) < 0) die("listen on the attach socket");
  if (stat(path, &socket_file) < 0) die("stat the attach socket");
  close(dir_fd);
  return fd;
}

/* After the pipes ended without a terminal: the runtime's "T" was sent before the first process
   could take its terminal (which ends the pipes), so it waits, accepted or not, unread. */
static void take_pending_terminal(int listen_fd, struct stream *terminal) {
  for (int i = 0; i < MAX_CLIENTS; i++) accept_client(listen_fd);
  for (int i = 0; i < MAX_CLIENTS && terminal->fd < 0; i++) {
    if (clients[i] < 0 || handshaken[i]) continue;
    struct pollfd p = {.fd = clients[i], .events = POLLIN};
    if (poll(&p, 1, 1000) > 0) client_message(i, terminal);
  }
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
  relay(s->id, s->buf + s->len, (size_t)n);
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
  const char *socket_path = NULL;
  for (;;) {
    if (argc > 1 && strcmp(argv[1], "--host-network") == 0) namespaces &= ~CLONE_NEWNET;
    else if (argc > 1 && strcmp(argv[1], "--tty") == 0) tty_mode = 1;
    else if (argc > 1 && strcmp(argv[1], "--stdin") == 0) stdin_mode = 1;
    else if (argc > 2 && strcmp(argv[1], "--socket") == 0) {
      socket_path = argv[2];
      argv++;
      argc--;
    } else break;
    argv++;
    argc--;
  }
  if (argc > 7 && strcmp(argv[1], "--health") == 0) {
    health_interval = atoll(argv[2]);
    health_limit = atoll(argv[3]);
    health_start_interval = atoll(argv[4]);
    health_start_period = atoll(argv[5]);
    int words = atoi(argv[6]);
    if (health_interval <= 0 || health_limit <= 0 || health_start_interval <= 0 || health_start_period < 0 || words <= 0 || words > argc - 7) {
      fprintf(stderr, "mydocker-shim: bad --health arguments\n");
      return 125;
    }
    /* The argv needs a NULL after it: the words are copied out. */
    health_argv = calloc((size_t)words + 1, sizeof *health_argv);
    if (health_argv == NULL) die("calloc");
    for (int i = 0; i < words; i++) health_argv[i] = argv[7 + i];
    argv += 6 + words;
    argc -= 6 + words;
  }
  if (argc < 5) {
    fprintf(stderr, "usage: mydocker-shim [--host-network] [--tty] [--stdin] [--socket PATH] [--health INTERVAL_MS LIMIT_MS START_INTERVAL_MS START_PERIOD_MS N ARGV...] LOG EXITFILE [CLEANUP...] -- COMMAND...\n");
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
  int out[2], err[2], in[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) die("pipe");
  if (stdin_mode && !tty_mode && pipe2(in, O_CLOEXEC) < 0) die("pipe");
  for (int i = 0; i < MAX_CLIENTS; i++) clients[i] = -1;
  /* Listening before the first process exists: the runtime hands the terminal over once it is ready. */
  int listen_fd = socket_path != NULL ? listen_at(socket_path) : -1;
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
    int null = in[0] >= 0 ? in[0] : open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) die("dup2");
    if (null > 2) close(null);
    if (listen_fd >= 0) close(listen_fd);
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
  if (in[0] >= 0) {
    close(in[0]);
    input_fd = in[1];
  }
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
    health_since = now_ms();
    health_next = health_since + health_delay(health_since);
  }

  /* stdout, stderr, and with a terminal its master (once the runtime has handed it over). */
  static struct stream streams[3];
  streams[0].name = "stdout";
  streams[0].id = 1;
  streams[0].fd = out[0];
  streams[1].name = "stderr";
  streams[1].id = 2;
  streams[1].fd = err[0];
  streams[2].name = "stdout";
  streams[2].id = 1;
  streams[2].fd = -1;
  int terminal_seen = 0;
  for (;;) {
    if (streams[2].fd >= 0) terminal_seen = 1;
    if (streams[0].fd < 0 && streams[1].fd < 0 && streams[2].fd < 0) {
      /* The pipes end when the first process takes its terminal, which it does after the runtime
         handed the master over: it is in the socket's queue, if it was not read yet. */
      if (tty_mode && !terminal_seen && listen_fd >= 0) {
        take_pending_terminal(listen_fd, &streams[2]);
        if (streams[2].fd >= 0) continue;
      }
      break;
    }
    struct pollfd fds[3 + 1 + MAX_CLIENTS + 1];
    int which[3 + 1 + MAX_CLIENTS + 1]; /* 0-2 a stream, 3 the socket, 4+ a client, -1 the SIGCHLD pipe */
    nfds_t n = 0;
    for (int i = 0; i < 3; i++) {
      if (streams[i].fd < 0) continue;
      fds[n] = (struct pollfd){.fd = streams[i].fd, .events = POLLIN};
      which[n++] = i;
    }
    if (listen_fd >= 0) {
      fds[n] = (struct pollfd){.fd = listen_fd, .events = POLLIN};
      which[n++] = 3;
    }
    for (int i = 0; i < MAX_CLIENTS; i++) {
      if (clients[i] < 0) continue;
      /* POLLHUP is reported whatever the events: an attacher whose input ended is dropped when it goes. */
      fds[n] = (struct pollfd){.fd = clients[i], .events = input_ended[i] ? 0 : POLLIN};
      which[n++] = 4 + i;
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
      if (which[i] == 3) {
        accept_client(listen_fd);
      } else if (which[i] >= 4) {
        int c = which[i] - 4;
        if (clients[c] != fds[i].fd) continue; /* dropped meanwhile */
        if (input_ended[c]) drop_client(c);
        else client_message(c, &streams[2]);
      } else {
        struct stream *s = &streams[which[i]];
        if (!pump(s)) {
          if (s->fd == input_fd) input_fd = -1;
          close(s->fd);
          s->fd = -1;
        }
      }
    }
  }
  /* The output has ended: attachers are told by their socket's end; nobody new may come. */
  if (listen_fd >= 0) {
    close(listen_fd);
    struct stat now;
    if (stat(socket_path, &now) == 0 && now.st_ino == socket_file.st_ino && now.st_dev == socket_file.st_dev) unlink(socket_path);
  }
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (clients[i] >= 0) drop_client(i);
  if (in[1] >= 0) close(in[1]);

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
