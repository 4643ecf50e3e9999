// Every command of the CLI, each loading the one module it needs when it runs (see program.ts's
// Bind). Shared by the CLI (cli.ts) and the test that checks a program of one command answers as
// the whole one does.
import type { CAC } from 'cac';
import { CP_FLAGS, CREATE_FLAGS, EXEC_FLAGS, RUN_FLAGS, UPDATE_FLAGS } from './argv.js';
import { addFlags, type Bind } from './program.js';
import { definePs } from './ps-command.js';

export function defineCommands(cli: CAC, on: Bind): void {
  const run = cli
    .command('run <image> [...command]', 'Run a command in a new container')
    .usage('run [OPTIONS] IMAGE [COMMAND] [ARG...]')
    .example('mydocker run -it busybox sh')
    .example('mydocker run --rm -e GREETING=hi busybox sh -c \'echo "$GREETING"\'');
  addFlags(run, RUN_FLAGS);
  on(run, () => import('./commands/run.js'));

  const create = cli
    .command('create <image> [...command]', 'Create a new container without starting it (start starts it)')
    .usage('create [OPTIONS] IMAGE [COMMAND] [ARG...]')
    .example('mydocker create --name web -p 8080:80 nginx && mydocker start web');
  addFlags(create, CREATE_FLAGS);
  on(create, () => import('./commands/create.js'));

  const update = cli
    .command('update [...containers]', "Change containers' resource limits or restart policy (a running one's at once)")
    .usage('update [OPTIONS] CONTAINER...')
    .example('mydocker update -m 512m --cpus 1.5 web');
  addFlags(update, UPDATE_FLAGS);
  on(update, () => import('./commands/update.js'));

  const exec = cli
    .command('exec <container> [...command]', 'Run a command in a running container')
    .usage('exec [OPTIONS] CONTAINER COMMAND [ARG...]')
    .example('mydocker exec -it web sh');
  addFlags(exec, EXEC_FLAGS);
  on(exec, () => import('./commands/exec.js'));

  const rm = cli
    .command('rm [...containers]', 'Remove one or more containers')
    .option('-f, --force', 'Kill a running container first')
    .option('-v, --volumes', 'Remove its anonymous volumes too');
  on(rm, () => import('./commands/rm.js'));

  const stop = cli.command('stop [...containers]', 'Stop running containers: SIGTERM, then SIGKILL').option('-t, --time <seconds>', 'Seconds to wait before SIGKILL (default 10)', { type: [String] });
  on(stop, () => import('./commands/stop.js'));

  const kill = cli.command('kill [...containers]', 'Send a signal to running containers').option('-s, --signal <signal>', 'Signal to send (default KILL)', { type: [String] });
  on(kill, () => import('./commands/kill.js'));

  const attachCommand = cli
    .command('attach <container>', "Connect to a running detached container's input and output (ctrl-p ctrl-q detaches, with a terminal)")
    .option('--no-stdin', 'Do not attach your input')
    .option('--sig-proxy', 'Send the signals this command gets to the container (default true; --sig-proxy=false: not)')
    .option('--detach-keys <keys>', 'The keys that detach (default ctrl-p,ctrl-q)', { type: [String] });
  on(attachCommand, () => import('./commands/attach.js'));
  on(cli.command('pause [...containers]', 'Freeze all processes of running containers'), () => import('./commands/pause.js'));
  on(cli.command('unpause [...containers]', 'Thaw paused containers'), () => import('./commands/unpause.js'));

  const start = cli
    .command('start [...containers]', 'Start stopped containers (in the background, or attached with -a)')
    .option('-a, --attach', 'Attach its output and wait for it to end')
    .option('-i, --interactive', "Attach the container's stdin");
  on(start, () => import('./commands/start.js'));

  const restart = cli.command('restart [...containers]', 'Stop, then start containers').option('-t, --time <seconds>', 'Seconds to wait before SIGKILL (default 10)', { type: [String] });
  on(restart, () => import('./commands/restart.js'));

  on(cli.command('prune', 'Remove all stopped containers'), () => import('./commands/prune.js'));
  on(cli.command('wait [...containers]', 'Block until containers stop, then print their exit codes'), () => import('./commands/wait.js'));
  on(cli.command('rename <container> <name>', 'Rename a container'), () => import('./commands/rename.js'));
  const topCommand = cli.command('top <container> [...psOptions]', "Show a running container's processes (the host's ps, default -ef)").usage('top CONTAINER [ps OPTIONS]');
  on(topCommand, () => import('./commands/top.js'));
  const eventsCommand = cli
    .command('events', "Show what happens to containers: past events from --since, then new ones (Ctrl-C ends)")
    .option('--since <time>', 'From this time: 2026-01-02T15:04:05Z, a Unix time, or a duration before now (10m)', { type: [String] })
    .option('--until <time>', 'Up to this time, then exit', { type: [String] })
    .option('-f, --filter <key=value>', 'container, event, image, label, type (repeatable)', { type: [String] })
    .option('--format <template>', 'json, or a Go template: {{.Action}} {{.Actor.Attributes.name}}', { type: [String] });
  on(eventsCommand, () => import('./commands/events.js'));
  on(cli.command('info', 'Show the runtime and host: containers, images, drivers, cgroup version, kernel').option('--format <template>', 'json, or a Go template: {{.CgroupVersion}}', { type: [String] }), () => import('./commands/info.js'));
  on(cli.command('version', 'Show the version of mydocker and what it runs on').option('--format <template>', 'json, or a Go template: {{.Server.Version}}', { type: [String] }), () => import('./commands/version.js'));
  // Its two paths come untouched from the splitting in main() ("-" is no flag): see cp.ts.
  const cpCommand = cli
    .command('cp [...paths]', 'Copy files between a container and the host (- is a tar stream)')
    .usage('cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-  |  cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH')
    .example('mydocker cp web:/etc/nginx/nginx.conf .');
  addFlags(cpCommand, CP_FLAGS);
  on(cpCommand, () => import('./commands/cp.js'));
  on(cli.command('diff <container>', "List what a container changed in its filesystem: A added, C changed, D deleted"), () => import('./commands/diff.js'));
  on(cli.command('port <container> [port]', 'List the published ports of a container, or where one port is published'), () => import('./commands/port.js'));

  const stats = cli
    .command('stats [...containers]', 'Live CPU, memory and PIDs of running containers (from their cgroups)')
    .option('--no-stream', 'Print one reading and exit');
  on(stats, () => import('./commands/stats.js'));

  const inspectCommand = cli
    .command('inspect [...containers]', 'Show everything known of containers, as JSON')
    .option('-f, --format <template>', 'Print each container through a Go template, e.g. {{.State.Pid}}', { type: [String] })
    .example("mydocker inspect -f '{{.NetworkSettings.IPAddress}}' web");
  on(inspectCommand, () => import('./commands/inspect.js'));

  definePs(cli, on);

  const imp = cli
    .command('import <file> <name>', 'Import a rootfs tarball (plain or gzip, as `docker export` writes) as an image')
    .usage('import FILE NAME[:TAG]');
  on(imp, () => import('./commands/import.js'));

  on(cli.command('images', 'List images').option('-a, --all', "Also a build's intermediate images"), () => import('./commands/images.js'));
  const buildCommand = cli
    .command('build <context>', 'Build an image from a Dockerfile (each RUN in a container of this runtime)')
    .usage('build [OPTIONS] CONTEXT')
    .option('-t, --tag <name>', 'Name the image NAME[:TAG] (repeatable)', { type: [String] })
    .option('-f, --file <file>', 'The Dockerfile (default: CONTEXT/Dockerfile)', { type: [String] })
    .option('--build-arg <key=value>', 'Set a build-time variable declared by ARG (repeatable)', { type: [String] })
    .option('--no-cache', 'Run every step, even those the build cache has')
    .option('--target <stage>', 'Build up to this stage (FROM ... AS STAGE)', { type: [String] })
    .option('--network <network>', "RUN's network: bridge (default), none, host, or a network's name", { type: [String] })
    .option('--progress <mode>', 'plain (default) or tty: the same step lines', { type: [String] })
    .option('-q, --quiet', 'Print only the image ID')
    .example('mydocker build -t web:1 .');
  on(buildCommand, () => import('./commands/build.js'));
  on(cli.command('commit <container> [image]', 'Make an image of a container: its changes as one new layer'), () => import('./commands/commit.js'));
  on(
    cli.command('save [...images]', 'Write images as a tar archive in Docker\'s format (to stdout)').option('-o, --output <file>', 'Write to a file', { type: [String] }),
    () => import('./commands/save.js'),
  );
  on(
    cli.command('load', 'Load images from a `docker save` archive or an OCI layout (from stdin)').option('-i, --input <file>', 'Read from a file', { type: [String] }),
    () => import('./commands/load.js'),
  );
  on(cli.command('pull <image>', 'Pull an image from a registry (Docker Hub, or HOST[:PORT]/NAME)'), () => import('./commands/pull.js'));
  on(cli.command('push <image>', 'Push an image to a registry (its name says which: HOST[:PORT]/NAME[:TAG])'), () => import('./commands/push.js'));
  on(cli.command('tag <source> <target>', 'Give an image another name'), () => import('./commands/tag.js'));
  on(cli.command('rmi [...images]', 'Remove images (refused while a container uses one)').option('-f, --force', 'Remove the names even so'), () => import('./commands/rmi.js'));
  on(cli.command('history <image>', 'Show how an image\'s layers were made'), () => import('./commands/history.js'));
  on(
    cli.command('export <container>', 'Write a container\'s filesystem as a tar archive (to stdout)').option('-o, --output <file>', 'Write to a file', { type: [String] }),
    () => import('./commands/export.js'),
  );

  // cac matches one-word commands: the action (create, ls, rm, inspect) is dispatched by the module.
  const volume = cli
    .command('volume <action> [...names]', 'Manage volumes: create [NAME], ls, rm NAME..., inspect NAME...')
    .usage('volume create [--driver D] [NAME] | ls [-q] | rm NAME... | inspect NAME...')
    .option('--driver <driver>', 'create: the volume driver (default local; a plugin may add others)', { type: [String] })
    .option('--plugin <file>', 'Load a plugin (e.g. one serving --driver): .ts, .js or .mjs (repeatable)', { type: [String] })
    .option('-q, --quiet', 'ls: only the names');
  on(volume, () => import('./commands/volume.js'));

  const network = cli
    .command('network <action> [...names]', 'Manage networks: create NAME, ls, inspect NAME..., rm NAME...')
    .usage('network create [--driver D] [--subnet CIDR] [--gateway IP] [-o K=V] NAME | ls [-q] | inspect NAME... | rm NAME...')
    .option('--driver <driver>', 'create: the network driver (default bridge; a plugin may add others)', { type: [String] })
    .option('--subnet <cidr>', 'create: IPv4 subnet, e.g. 172.28.0.0/16 (default: a free one)', { type: [String] })
    .option('--gateway <ip>', 'create: gateway address in the subnet (default: its first address)', { type: [String] })
    .option('-o, --opt <key=value>', 'create: an option for the driver (repeatable)', { type: [String] })
    .option('--plugin <file>', 'Load a plugin (e.g. one serving --driver): .ts, .js or .mjs (repeatable)', { type: [String] })
    .option('-q, --quiet', 'ls: only the IDs')
    .example('mydocker network create --subnet 172.28.0.0/16 backend');
  on(network, () => import('./commands/network.js'));

  const logs = cli
    .command('logs <container>', 'Show the output of a detached container')
    .option('-f, --follow', 'Follow the output until the container ends')
    .option('-t, --timestamps', 'Show timestamps')
    .option('--tail <n>', 'Show only the last N lines', { type: [String] })
    .option('--since <time>', 'Only lines from this time on: 2026-01-02T15:04:05Z, a Unix time, or a duration before now (10m)', { type: [String] })
    .option('--until <time>', 'Only lines before this time (same forms as --since)', { type: [String] });
  on(logs, () => import('./commands/logs.js'));

  const system = cli
    .command('system <action>', 'check: what of this state root belongs to no container (exit 1 when anything); prune: remove what nothing uses; df: disk usage')
    .usage('system check [--fix] | system prune [-a] [--volumes] [-f] | system df [-v] [--format F]')
    .option('--fix', 'check: remove what it finds')
    .option('-a, --all', 'prune: every image no container has, not only dangling ones')
    .option('--volumes', 'prune: anonymous volumes no container has too')
    .option('-f, --force', 'prune: do not ask')
    .option('-v, --verbose', 'df: each image, container, volume and cache entry')
    .option('--format <format>', 'df: table (default), json, or a Go template: {{.Type}} {{.Size}}', { type: [String] });
  on(system, () => import('./commands/system.js'));

  // Listed for --help only: program.ts rewrites `container X` and `image X` into the commands they
  // stand for (management.ts) before parsing.
  cli.command('container <command> [...args]', 'Docker\'s management form: container ls|run|rm|inspect|... = ps, run, rm, inspect, ...');
  cli.command('image <command> [...args]', 'Docker\'s management form: image ls|rm|pull|push|... = images, rmi, pull, push, ...');

  // Internal: what a detached container's shim runs when the container ends.
  on(cli.command('cleanup <id>', '(internal) What a detached container\'s shim runs when it ends'), () => import('./commands/cleanup.js'));

  // Internal: what a container's shim (or foreground run) runs every health-check interval.
  on(cli.command('healthcheck <id>', '(internal) One health check of a running container'), () => import('./commands/healthcheck.js'));
}
