// Splits `mydocker [GLOBAL] COMMAND ...` before cac sees it. For `run`, everything after the image
// name belongs to the container's command, untouched (`run busybox ls -l /` passes -l to ls); cac
// alone would take those flags as its own. The flag tables here are also what cac registers, so the
// two never disagree.
import { MydockerError } from '../errors.js';

export interface FlagSpec {
  /** cac's raw name, e.g. '-e, --env <K=V>' */
  raw: string;
  description: string;
  repeatable?: boolean;
}

export const GLOBAL_FLAGS: FlagSpec[] = [
  { raw: '--root <dir>', description: 'State root (default: $MYDOCKER_ROOT or /var/lib/mydocker)' },
  { raw: '--trace', description: 'Print each hook, plugin tap and driver call on stderr: plugin, duration, outcome (also MYDOCKER_TRACE=1)' },
];

export const EXEC_FLAGS: FlagSpec[] = [
  { raw: '-i, --interactive', description: 'Keep STDIN open and pass it to the command' },
  { raw: '-t, --tty', description: 'Allocate a pseudo-terminal' },
  { raw: '-e, --env <K=V>', description: 'Set an environment variable (repeatable)', repeatable: true },
  { raw: '-w, --workdir <dir>', description: 'Working directory inside the container' },
  { raw: '-u, --user <user>', description: "Run as NAME|UID[:GROUP|GID] of the container's files (default: the container's user)" },
];

export const CP_FLAGS: FlagSpec[] = [
  { raw: '-a, --archive', description: "Into the container: keep the files' owners (default: root's)" },
  { raw: '-L, --follow-link', description: 'Follow a link named by the source path' },
];

export const RUN_FLAGS: FlagSpec[] = [
  { raw: '-i, --interactive', description: 'Keep STDIN open and pass it to the container' },
  { raw: '-t, --tty', description: 'Allocate a pseudo-terminal' },
  { raw: '-d, --detach', description: 'Run in the background and print the container ID' },
  { raw: '--rm', description: 'Remove the container and everything of it when it exits' },
  { raw: '--init', description: 'Run an init as PID 1 that reaps zombies and forwards signals to the command' },
  { raw: '--name <name>', description: 'Assign a name to the container' },
  { raw: '-e, --env <K=V>', description: 'Set an environment variable (repeatable; -e K copies K from your environment)', repeatable: true },
  { raw: '--env-file <file>', description: 'Read environment variables from a file (repeatable)', repeatable: true },
  { raw: '-w, --workdir <dir>', description: 'Working directory inside the container' },
  { raw: '--entrypoint <command>', description: "Run this program instead of the image's ENTRYPOINT (the image's CMD is then not used)" },
  { raw: '--restart <policy>', description: 'With -d: no (default), on-failure[:MAX-RETRIES], always or unless-stopped' },
  { raw: '--shm-size <bytes>', description: 'Size of /dev/shm, e.g. 256m (default 64m)' },
  { raw: '--ulimit <name=soft[:hard]>', description: 'A resource limit, e.g. nofile=1024:2048, nproc=64, core=-1 (-1: unlimited; repeatable)', repeatable: true },
  { raw: '--stop-signal <signal>', description: 'Signal `stop` sends first (default SIGTERM)' },
  { raw: '--stop-timeout <seconds>', description: 'Seconds `stop` waits before SIGKILL (default 10)' },
  { raw: '-l, --label <key=value>', description: 'Set a label on the container (repeatable)', repeatable: true },
  { raw: '--health-cmd <command>', description: 'Command to run to check health (a shell command line; exit 0: healthy)' },
  { raw: '--health-interval <duration>', description: 'Time between checks: 30s (default), 1m30s, 500ms' },
  { raw: '--health-timeout <duration>', description: 'Longest a check may run before it counts as failed (default 30s)' },
  { raw: '--health-retries <n>', description: 'Failures in a row that make it unhealthy (default 3)' },
  { raw: '--health-start-period <duration>', description: 'Time to start before failures count (default 0s)' },
  { raw: '--health-start-interval <duration>', description: 'Time between checks during the start period, until one passes (default 5s)' },
  { raw: '--no-healthcheck', description: "Disable the image's HEALTHCHECK" },
  // -h is taken by cac's --help; `run -h NAME` is rewritten to --hostname before cac parses.
  { raw: '--hostname <name>', description: 'Container host name (also -h NAME)' },
  { raw: '--storage-driver <driver>', description: 'Storage driver: overlay (default) or aufs' },
  { raw: '-v, --volume <spec>', description: 'Mount a volume: /host/dir:/ctr/dir[:ro], NAME:/ctr/dir, or /ctr/dir (repeatable)', repeatable: true },
  { raw: '--mount <spec>', description: 'Mount: type=bind|volume|tmpfs,source=SRC,target=DST[,readonly][,tmpfs-size=64m] (repeatable)', repeatable: true },
  { raw: '--volume-driver <name>', description: 'The volume driver for this container\'s new volumes (default: local)' },
  { raw: '-m, --memory <bytes>', description: 'Memory limit, e.g. 100m, 1g' },
  { raw: '--memory-swap <bytes>', description: 'Memory plus swap limit; -1 for unlimited swap' },
  { raw: '--cpus <number>', description: 'CPUs the container may use, e.g. 0.5' },
  { raw: '--cpu-shares <weight>', description: 'Relative CPU weight (default 1024)' },
  { raw: '--cpuset-cpus <list>', description: 'CPUs to run on, e.g. 0-1 or 0,2' },
  { raw: '--cpuset-mems <list>', description: 'Memory nodes to use, e.g. 0' },
  { raw: '--pids-limit <n>', description: 'Maximum number of processes (-1: unlimited)' },
  { raw: '--network <net>', description: 'Connect to a network: bridge (default), NAME, host or none (also --net)' },
  { raw: '-p, --publish <spec>', description: 'Publish a port: [IP:][HOST_PORT:]CONTAINER_PORT[/tcp|/udp], a random host port when none is given (repeatable)', repeatable: true },
  { raw: '-P, --publish-all', description: 'Publish every port the image EXPOSEs and every --expose port on a random host port' },
  { raw: '--expose <port>', description: 'Expose a port or a range: PORT[-PORT][/tcp|/udp], published by -P (repeatable)', repeatable: true },
  { raw: '--ip <address>', description: 'IPv4 address on a user-defined network' },
  { raw: '--add-host <host:ip>', description: 'Add a line to /etc/hosts: NAME:ADDRESS (repeatable)', repeatable: true },
  { raw: '--dns <ip>', description: 'Nameserver for /etc/resolv.conf instead of the host\'s (repeatable)', repeatable: true },
  { raw: '--dns-search <domain>', description: 'Search domain for /etc/resolv.conf ("." for none; repeatable)', repeatable: true },
  { raw: '--dns-option <option>', description: 'Resolver option for /etc/resolv.conf, e.g. ndots:2 (repeatable)', repeatable: true },
  { raw: '--plugin <file>', description: 'Load a plugin for this run: .ts, .js or .mjs (repeatable)', repeatable: true },
  { raw: '-u, --user <user>', description: "Run as NAME|UID[:GROUP|GID], looked up in the container's /etc/passwd and /etc/group" },
  { raw: '--privileged', description: 'Give every capability and device, no seccomp, no masked paths (as much power as root on the host)' },
  { raw: '--cap-add <cap>', description: 'Add a capability, e.g. NET_ADMIN, or ALL (repeatable)', repeatable: true },
  { raw: '--cap-drop <cap>', description: 'Drop a capability, e.g. CHOWN, or ALL (repeatable)', repeatable: true },
  { raw: '--security-opt <opt>', description: 'seccomp=PROFILE.json, seccomp=unconfined, no-new-privileges (repeatable)', repeatable: true },
  { raw: '--read-only', description: "Mount the container's root filesystem read-only" },
  { raw: '--tmpfs <spec>', description: 'Mount a tmpfs: PATH[:OPTIONS], e.g. /run:size=64m (repeatable)', repeatable: true },
  { raw: '--device <spec>', description: 'Give a host device: HOST[:CONTAINER][:rwm] (repeatable)', repeatable: true },
];

interface ParsedSpec {
  long: string;
  short: string | undefined;
  takesValue: boolean;
}

function parseSpec(spec: FlagSpec): ParsedSpec {
  const long = /--([\w-]+)/.exec(spec.raw)![1]!;
  const short = /(?:^|\s)-(\w)[,\s]/.exec(`${spec.raw} `)?.[1];
  return { long, short, takesValue: /[<[]/.test(spec.raw) };
}

export interface SplitRun {
  /** Flags before the image, normalized to long names for cac. */
  flags: string[];
  image: string | undefined;
  /** The container's command, exactly as given. */
  command: string[];
}

/** `update`'s flags: run's resource limits and restart policy, as Docker's `update` has them. */
export const UPDATE_FLAGS: FlagSpec[] = ['-m, --memory', '--memory-swap', '--cpus', '--cpu-shares', '--cpuset-cpus', '--cpuset-mems', '--pids-limit', '--restart'].map((name) => {
  const flag = RUN_FLAGS.find((f) => f.raw.startsWith(`${name} `))!;
  return name === '--restart' ? { ...flag, description: 'Restart policy: no, on-failure[:MAX-RETRIES], always or unless-stopped' } : flag;
});

/** `create`'s flags: run's, less detaching (`start` decides it: detached unless -a). */
export const CREATE_FLAGS: FlagSpec[] = RUN_FLAGS.filter((f) => f.raw !== '-d, --detach');

/**
 * Splits the tokens after `run` (or `create`, `exec`, `cp`, `top`: `command`, which errors name) into
 * its flags, the first positional (the image, or the container), and the command.
 */
export function splitRunArgs(tokens: readonly string[], specs: FlagSpec[] = [...RUN_FLAGS, ...GLOBAL_FLAGS], command = 'run'): SplitRun {
  const parsed = specs.map(parseSpec);
  const byLong = new Map(parsed.map((p) => [p.long, p]));
  const byShort = new Map(parsed.filter((p) => p.short).map((p) => [p.short!, p]));
  const hostname = byLong.get('hostname');
  if (hostname) byShort.set('h', hostname); // Docker's `run -h`; cac keeps -h for --help
  const network = byLong.get('network');
  if (network) byLong.set('net', network); // Docker takes both --net and --network
  const flags: string[] = [];
  let i = 0;
  const valueFor = (name: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    const next = tokens[++i];
    if (next === undefined) throw usageError(`flag needs an argument: ${name}`, command);
    return next;
  };
  for (; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '--') {
      i++;
      break;
    }
    if (token === '--help') {
      flags.push(token);
      continue;
    }
    if (token.startsWith('--')) {
      const eq = token.indexOf('=');
      const name = token.slice(2, eq < 0 ? undefined : eq);
      const spec = byLong.get(name);
      if (!spec) throw usageError(`unknown flag: --${name}`, command);
      // --flag=value: mri would not take a value that starts with '-' from the next token.
      if (spec.takesValue) flags.push(`--${spec.long}=${valueFor(`--${name}`, eq < 0 ? undefined : token.slice(eq + 1))}`);
      else if (eq >= 0) throw usageError(`flag --${name} takes no value`, command);
      else flags.push(`--${spec.long}`);
      continue;
    }
    if (token.startsWith('-') && token.length > 1) {
      // A cluster like -it, or -eK=V / -e K=V.
      for (let c = 1; c < token.length; c++) {
        const spec = byShort.get(token[c]!);
        if (!spec) throw usageError(`unknown shorthand flag: '${token[c]}' in ${token}`, command);
        if (!spec.takesValue) {
          flags.push(`--${spec.long}`);
          continue;
        }
        const rest = token.slice(c + 1);
        flags.push(`--${spec.long}=${valueFor(`-${token[c]}`, rest === '' ? undefined : rest.replace(/^=/, ''))}`);
        break;
      }
      continue;
    }
    break;
  }
  return { flags, image: tokens[i], command: tokens.slice(i + 1) };
}

/** Splits `[GLOBAL FLAGS] COMMAND REST...`. */
export function splitCommand(argv: readonly string[]): { globals: string[]; command: string | undefined; rest: string[] } {
  const globals: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--root') {
      globals.push(token, argv[++i] ?? '');
    } else if (token.startsWith('--root=') || (token.startsWith('-') && token !== '-')) {
      globals.push(token);
    } else {
      break;
    }
  }
  return { globals, command: argv[i], rest: argv.slice(i + 1) };
}

export function usageError(message: string, command = 'run'): MydockerError {
  return new MydockerError(message, { hint: `see 'mydocker ${command} --help'` });
}

/** All values of a flag, as strings (cac gives one value or an array). */
export function toArray(value: unknown): string[] {
  if (value === undefined || value === null || value === false) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** The last value of a flag given once or more (later wins, as in Docker), or undefined. */
export function lastValue(value: unknown): string | undefined {
  return toArray(value).at(-1);
}
