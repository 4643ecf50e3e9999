/*
 * mydocker-proxy: the userland side of a container's published ports, in the role of Docker's
 * docker-proxy. One process per container (all its ports), a few hundred kilobytes of memory.
 *
 *   mydocker-proxy --root ROOT --container ID --pid PID --start TICKS LISTEN...
 *   LISTEN: PROTO,HOST_IP,HOST_PORT,TARGET_IP,TARGET_PORT   e.g. tcp,::,49153,172.17.0.2,80
 *
 * 1. Binds and listens on every LISTEN address (IPv6 ones IPv6-only, so that :: and 0.0.0.0 are
 *    two bindings of one port, as Docker's). Binding holds the port: a host process, or the proxy
 *    of a container of another state root, cannot take it from under the container; a bind that
 *    fails is how a port picked at random turns out to be taken after all.
 * 2. Opens a pidfd of PID (the container's first process) and checks its start time is TICKS, so
 *    that a recycled PID is never watched.
 * 3. Writes "OK\n" on stdout (or "ERR INDEX MESSAGE\n" for the LISTEN that failed, or "ERR -1 ..."),
 *    then stdout and stderr become /dev/null: the runtime that spawned it may exit.
 * 4. Forwards: each TCP connection accepted is connected to TARGET and copied both ways (half-close
 *    passed on); each UDP client gets its own socket connected to TARGET, whose replies go back
 *    from the listening socket, forgotten after 90 s without traffic (Docker's timeout).
 * 5. Exits when PID ends: the proxy never outlives the container, even when whoever started it was
 *    killed before recording it. SIGTERM (the runtime's teardown) ends it at once.
 *
 * IPv4 traffic to a published port is DNATed by iptables before it reaches a socket, so the IPv4
 * listeners mostly hold their port; IPv6 traffic, which NAT cannot send to a container that has
 * only IPv4, is what this proxy is for. --root and --container are only read by `system check`.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

#define MAX_LISTEN 256
#define MAX_CONNS 1024
#define MAX_FLOWS 1024
/* Per direction of a connection: 32 kB a connection, at most 32 MB for MAX_CONNS. */
#define BUF_SIZE 16384
#define UDP_IDLE_SECONDS 90

enum kind { K_LISTEN, K_CONN_CLIENT, K_CONN_SERVER, K_FLOW, K_PIDFD };

struct handle {
  enum kind kind;
  void *owner;
};

struct listener {
  struct handle h;
  int fd;
  int udp;
  struct sockaddr_in target;
};

struct half {
  char *buf;
  size_t len, off;
  int eof;
};

struct conn {
  struct handle client_h, server_h;
  int client, server;
  int connecting;
  struct half up;   /* client -> server */
  struct half down; /* server -> client */
};

struct flow {
  struct handle h;
  int fd;
  struct listener *via;
  struct sockaddr_storage client;
  socklen_t client_len;
  time_t last;
};

static int ep;
static struct listener listeners[MAX_LISTEN];
static int nlisteners;
static int nconns;
static struct flow *flows[MAX_FLOWS];
static char datagram[65536];

static void fail(int index, const char *what) {
  char line[512];
  int n = snprintf(line, sizeof line, "ERR %d %s\n", index, what);
  if (write(1, line, (size_t)n) < 0) _exit(1);
  _exit(1);
}

static void watch(int fd, struct handle *h, unsigned events, int op) {
  struct epoll_event ev = {.events = events, .data.ptr = h};
  if (epoll_ctl(ep, op, fd, &ev) < 0 && op != EPOLL_CTL_DEL) {
    /* Out of kernel memory for epoll: nothing sensible to do but end (the ports close with us). */
    _exit(3);
  }
}

/* "tcp,::,49153,172.17.0.2,80" */
static void open_listener(int index, char *spec) {
  char *fields[5];
  int n = 0;
  for (char *save = NULL, *tok = strtok_r(spec, ",", &save); tok && n < 5; tok = strtok_r(NULL, ",", &save)) fields[n++] = tok;
  if (n != 5) fail(index, "bad listen spec");
  struct listener *l = &listeners[nlisteners++];
  l->h.kind = K_LISTEN;
  l->h.owner = l;
  l->udp = strcmp(fields[0], "udp") == 0;
  if (!l->udp && strcmp(fields[0], "tcp") != 0) fail(index, "bad protocol");
  int port = atoi(fields[2]);
  memset(&l->target, 0, sizeof l->target);
  l->target.sin_family = AF_INET;
  l->target.sin_port = htons((uint16_t)atoi(fields[4]));
  if (inet_pton(AF_INET, fields[3], &l->target.sin_addr) != 1) fail(index, "bad target address");

  struct sockaddr_storage addr;
  socklen_t len;
  memset(&addr, 0, sizeof addr);
  int family;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;
  struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
  if (inet_pton(AF_INET6, fields[1], &a6->sin6_addr) == 1) {
    family = AF_INET6;
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    len = sizeof *a6;
  } else if (inet_pton(AF_INET, fields[1], &a4->sin_addr) == 1) {
    family = AF_INET;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    len = sizeof *a4;
  } else {
    fail(index, "bad host address");
  }
  l->fd = socket(family, (l->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (l->fd < 0) fail(index, strerror(errno));
  int one = 1;
  if (family == AF_INET6 && setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) fail(index, strerror(errno));
  /* TCP only: for UDP, SO_REUSEADDR would let a second socket share the port. */
  if (!l->udp && setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) fail(index, strerror(errno));
  if (bind(l->fd, (struct sockaddr *)&addr, len) < 0) fail(index, strerror(errno));
  if (!l->udp && listen(l->fd, 128) < 0) fail(index, strerror(errno));
}

/* Field 22 of /proc/PID/stat, counted after the command's closing parenthesis. */
static unsigned long long start_time(int pid) {
  char path[64], text[4096];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return 0;
  text[n] = 0;
  char *p = strrchr(text, ')');
  if (!p) return 0;
  for (int field = 2; field < 22 && p; field++) p = strchr(p + 1, ' ');
  return p ? strtoull(p + 1, NULL, 10) : 0;
}

static void close_conn(struct conn *c) {
  close(c->client); /* closing removes them from the epoll set */
  close(c->server);
  free(c->up.buf);
  free(c->down.buf);
  free(c);
  nconns--;
}

static unsigned client_events(struct conn *c) {
  if (c->connecting) return 0;
  return (!c->up.eof && c->up.len == 0 ? EPOLLIN : 0) | (c->down.len > c->down.off ? EPOLLOUT : 0);
}

static unsigned server_events(struct conn *c) {
  if (c->connecting) return EPOLLOUT;
  return (!c->down.eof && c->down.len == 0 ? EPOLLIN : 0) | (c->up.len > c->up.off ? EPOLLOUT : 0);
}

/* Moves what it can from `from` to `to` through `h`; -1 when the connection is broken. */
static int pump_half(int from, int to, struct half *h) {
  for (;;) {
    if (h->len > h->off) {
      ssize_t n = send(to, h->buf + h->off, h->len - h->off, MSG_NOSIGNAL);
      if (n < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
      h->off += (size_t)n;
      if (h->off == h->len) h->off = h->len = 0;
      continue;
    }
    if (h->eof) return 0;
    ssize_t n = recv(from, h->buf, BUF_SIZE, 0);
    if (n < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
    if (n == 0) {
      h->eof = 1;
      shutdown(to, SHUT_WR); /* pass the half-close on */
      return 0;
    }
    h->len = (size_t)n;
  }
}

static void pump(struct conn *c, unsigned events, int on_server) {
  if (c->connecting) {
    if (!on_server) {
      if (events & (EPOLLERR | EPOLLHUP)) close_conn(c); /* the client left before the container answered */
      return;
    }
    int error = 0;
    socklen_t len = sizeof error;
    if (getsockopt(c->server, SOL_SOCKET, SO_ERROR, &error, &len) < 0 || error != 0 || (events & (EPOLLERR | EPOLLHUP))) {
      close_conn(c); /* the container refused (or is gone): the client sees its connection close */
      return;
    }
    if (!(events & EPOLLOUT)) return;
    c->connecting = 0;
  }
  if (pump_half(c->client, c->server, &c->up) < 0 || pump_half(c->server, c->client, &c->down) < 0) {
    close_conn(c);
    return;
  }
  if (c->up.eof && c->down.eof && c->up.len == 0 && c->down.len == 0) {
    close_conn(c);
    return;
  }
  /* An error, or a hang-up (both directions shut, or reset): what could be forwarded was. */
  if (events & (EPOLLERR | EPOLLHUP)) {
    close_conn(c);
    return;
  }
  watch(c->client, &c->client_h, client_events(c), EPOLL_CTL_MOD);
  watch(c->server, &c->server_h, server_events(c), EPOLL_CTL_MOD);
}

/* Kept open to be given up when descriptors run out: a connection that cannot be accepted would
 * keep its listener readable, and the loop spinning. */
static int reserve_fd = -1;

static void accept_tcp(struct listener *l) {
  for (;;) {
    int client = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (client < 0 && (errno == EMFILE || errno == ENFILE) && reserve_fd >= 0) {
      close(reserve_fd); /* refuse that one connection: accepted, then closed at once */
      client = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
      if (client >= 0) close(client);
      reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
      continue;
    }
    if (client < 0) return; /* EAGAIN, or a client that left before we took it */
    if (nconns >= MAX_CONNS) {
      close(client);
      continue;
    }
    int server = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct conn *c = server < 0 ? NULL : calloc(1, sizeof *c);
    char *up = c ? malloc(BUF_SIZE) : NULL, *down = up ? malloc(BUF_SIZE) : NULL;
    if (!down || (connect(server, (struct sockaddr *)&l->target, sizeof l->target) < 0 && errno != EINPROGRESS)) {
      close(client);
      if (server >= 0) close(server);
      free(up);
      free(c);
      continue;
    }
    nconns++;
    c->client = client;
    c->server = server;
    c->up.buf = up;
    c->down.buf = down;
    c->connecting = 1;
    c->client_h = (struct handle){K_CONN_CLIENT, c};
    c->server_h = (struct handle){K_CONN_SERVER, c};
    watch(client, &c->client_h, 0, EPOLL_CTL_ADD);
    watch(server, &c->server_h, EPOLLOUT, EPOLL_CTL_ADD);
  }
}

static int same_address(const struct sockaddr_storage *a, socklen_t alen, const struct sockaddr_storage *b, socklen_t blen) {
  return alen == blen && memcmp(a, b, alen) == 0;
}

static void drop_flow(int i) {
  close(flows[i]->fd);
  free(flows[i]);
  flows[i] = NULL;
}

static void receive_udp(struct listener *l) {
  for (;;) {
    struct sockaddr_storage from;
    socklen_t from_len = sizeof from;
    ssize_t n = recvfrom(l->fd, datagram, sizeof datagram, 0, (struct sockaddr *)&from, &from_len);
    if (n < 0) return;
    struct flow *f = NULL;
    int free_slot = -1;
    for (int i = 0; i < MAX_FLOWS; i++) {
      if (!flows[i]) {
        if (free_slot < 0) free_slot = i;
        continue;
      }
      if (flows[i]->via == l && same_address(&flows[i]->client, flows[i]->client_len, &from, from_len)) {
        f = flows[i];
        break;
      }
    }
    if (!f) {
      if (free_slot < 0) continue; /* too many clients at once: this datagram is dropped, as UDP may */
      int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) continue;
      if (connect(fd, (struct sockaddr *)&l->target, sizeof l->target) < 0 || !(f = calloc(1, sizeof *f))) {
        close(fd);
        continue;
      }
      f->h = (struct handle){K_FLOW, f};
      f->fd = fd;
      f->via = l;
      memcpy(&f->client, &from, from_len);
      f->client_len = from_len;
      flows[free_slot] = f;
      watch(fd, &f->h, EPOLLIN, EPOLL_CTL_ADD);
    }
    f->last = time(NULL);
    /* A connected UDP socket reports an earlier datagram's ICMP "port unreachable" by failing the
     * next send, which then sends nothing: that error is not this datagram's, send it again. */
    if (send(f->fd, datagram, (size_t)n, MSG_NOSIGNAL) < 0 && errno == ECONNREFUSED) send(f->fd, datagram, (size_t)n, MSG_NOSIGNAL);
  }
}

static void reply_udp(struct flow *f) {
  for (;;) {
    ssize_t n = recv(f->fd, datagram, sizeof datagram, 0);
    if (n < 0) return;
    f->last = time(NULL);
    sendto(f->via->fd, datagram, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&f->client, f->client_len);
  }
}

static int expire_flows(void) {
  int left = 0;
  time_t now = time(NULL);
  for (int i = 0; i < MAX_FLOWS; i++) {
    if (!flows[i]) continue;
    if (now - flows[i]->last > UDP_IDLE_SECONDS) drop_flow(i);
    else left++;
  }
  return left;
}

static int arg_value(int argc, char **argv, int *i, const char *name, char **value) {
  if (strcmp(argv[*i], name) != 0 || *i + 1 >= argc) return 0;
  *value = argv[++*i];
  return 1;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  if (chdir("/") < 0) fail(-1, strerror(errno)); /* hold no directory of the state root busy */
  char *root = NULL, *id = NULL, *pid_text = NULL, *start_text = NULL;
  int i = 1;
  for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
    if (!arg_value(argc, argv, &i, "--root", &root) && !arg_value(argc, argv, &i, "--container", &id) && !arg_value(argc, argv, &i, "--pid", &pid_text) &&
        !arg_value(argc, argv, &i, "--start", &start_text))
      fail(-1, "unknown option");
  }
  if (!root || !id || !pid_text || !start_text || i >= argc || argc - i > MAX_LISTEN) fail(-1, "usage: mydocker-proxy --root ROOT --container ID --pid PID --start TICKS LISTEN...");
  int pid = atoi(pid_text);
  unsigned long long start = strtoull(start_text, NULL, 10);

  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) fail(-1, strerror(errno));
  for (int index = 0; i < argc; i++, index++) open_listener(index, argv[i]);

  /* Opened before the start time is checked: if it matches then, the pidfd is that process's. */
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0 && errno != ENOSYS) fail(-1, "the container's first process is gone");
  if (start_time(pid) != start) fail(-1, "the container's first process is gone");
  struct handle pid_h = {K_PIDFD, NULL};
  if (pidfd >= 0) watch(pidfd, &pid_h, EPOLLIN, EPOLL_CTL_ADD);
  for (int l = 0; l < nlisteners; l++) watch(listeners[l].fd, &listeners[l].h, EPOLLIN, EPOLL_CTL_ADD);

  if (write(1, "OK\n", 3) != 3) _exit(1);
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
  }

  reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  struct epoll_event events[64];
  int with_flows = 0;
  for (;;) {
    /* A timeout only when something needs time: UDP flows to expire, or no pidfd (a kernel before 5.3) to wake us. */
    int n = epoll_wait(ep, events, 64, with_flows || pidfd < 0 ? 1000 : -1);
    if (n < 0 && errno != EINTR) _exit(4);
    for (int e = 0; e < n; e++) {
      struct handle *h = events[e].data.ptr;
      switch (h->kind) {
        case K_PIDFD:
          _exit(0);
        case K_LISTEN: {
          struct listener *l = h->owner;
          if (l->udp) receive_udp(l);
          else accept_tcp(l);
          break;
        }
        case K_CONN_CLIENT:
        case K_CONN_SERVER:
          pump(h->owner, events[e].events, h->kind == K_CONN_SERVER);
          /* One event may have closed the connection: later events of this batch for it are stale. */
          if (n > 1) goto next_batch;
          break;
        case K_FLOW:
          reply_udp(h->owner);
          break;
      }
    }
  next_batch:
    if (pidfd < 0 && start_time(pid) != start) _exit(0);
    with_flows = expire_flows() > 0;
  }
}
