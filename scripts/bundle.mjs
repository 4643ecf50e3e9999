#!/usr/bin/env node
// The last step of `npm run build`: bundles the CLI (dist/src/cli/cli.js and every module it can
// load, tapable, cac and tar included) into dist/src/cli/cli.bundle.cjs, which the launcher
// (dist/src/cli/main.cjs) runs; then runs it to make the V8 code caches of its first commands (code-cache/).
// Left outside: koffi (native code, found through node_modules as before) and tsx
// (loaded only for a .ts plugin, as an ES module). The bundle sits in dist/src/cli/, two levels
// under dist/ like every module it holds, so their paths relative to import.meta.url (the shim,
// mydocker-init, the CLI itself) still point where they did.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// tapable's two hook classes, into the bundles and so into their code caches: plugin-host.js loads
// them through createRequire (its modules must run unbundled too), which esbuild does not follow,
// and every command that runs hooks then resolved, read and compiled them from node_modules (~7-14
// ms of mydocker-runc's create and delete on this host). A plain require() of the same files is
// what esbuild bundles.
const bundleTapable = {
  name: 'bundle-tapable',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]runtime[\\/]plugin-host\.js$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      const contents = text.replace(/requireCjs\((['"])(tapable\/lib\/\w+\.js)\1\)/g, 'require("$2")');
      if (contents === text) throw new Error('bundle: plugin-host.js no longer loads tapable through requireCjs(...): update bundleTapable');
      return { contents, loader: 'js' };
    });
  },
};
/**
 * esbuild turns each module's `import * as fs from 'node:fs'` into its own `__toESM(require(...))`:
 * a fresh namespace object with a getter defined for every export, made again for each of the ~80
 * modules importing node:fs or node:path (24 ms of a mydocker-runc create, 5 of a start, in --cpu-prof
 * profiles on a loaded host). Memoised per module, each namespace is made once, as ES modules have one.
 */
function shareNamespaceObjects(file) {
  const text = fs.readFileSync(file, 'utf8');
  const helper = /var __toESM\s*=\s*\(mod,\s*isNodeMode,\s*target\)\s*=>/;
  if (!helper.test(text)) throw new Error(`bundle: ${path.basename(file)} has no __toESM helper of the expected form: update shareNamespaceObjects`);
  const shared =
    'var __toESMShared=new WeakMap(),__toESM=(mod,isNodeMode)=>{' +
    'if(mod===null||typeof mod!=="object"&&typeof mod!=="function")return __toESMFresh(mod,isNodeMode);' +
    'let made=__toESMShared.get(mod);if(made===undefined)__toESMShared.set(mod,made=[]);' +
    'return made[isNodeMode?1:0]??=__toESMFresh(mod,isNodeMode)};var __toESMFresh=(mod,isNodeMode,target)=>';
  fs.writeFileSync(file, text.replace(helper, shared));
}

/**
 * V8 holds a source with one character beyond ASCII as two bytes per character: twice the memory
 * to decode and copy on every start (a µ in a regular expression did that to the CLI's bundle;
 * within this host's noise, no whole command got measurably faster without it). esbuild escapes
 * strings, not regular expression literals: write those as \u escapes.
 */
function requireAscii(file) {
  const bytes = fs.readFileSync(file);
  const at = bytes.findIndex((b) => b > 0x7f);
  if (at >= 0) {
    const around = bytes.subarray(Math.max(0, at - 60), at + 20).toString('utf8');
    throw new Error(`bundle: ${path.basename(file)} has a character beyond ASCII at byte ${at} (${JSON.stringify(around)}): escape it in the source (\\uXXXX)`);
  }
}

/**
 * The last touches of every bundle: shared namespace objects, ASCII only, then the wrapper the
 * runner compiles as is (BUNDLE_HEAD and BUNDLE_TAIL of src/cli/bundle-runner.cts, built by tsc
 * before this script runs).
 */
function finishBundle(file) {
  shareNamespaceObjects(file);
  requireAscii(file);
  const { BUNDLE_HEAD, BUNDLE_TAIL } = createRequire(import.meta.url)(path.join(root, 'dist/src/cli/bundle-runner.cjs'));
  fs.writeFileSync(file, BUNDLE_HEAD + fs.readFileSync(file, 'utf8') + BUNDLE_TAIL);
}

const cliDir = path.join(root, 'dist/src/cli');
const outfile = path.join(cliDir, 'cli.bundle.cjs');

/** What every bundle is built with. */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['koffi', 'tsx', 'tsx/*'],
  plugins: [bundleTapable],
  // import() becomes require() in the bundle: a vm.Script has no loader for import(). ES modules
  // from outside (plugins, tsx) go through the launcher's import() instead (src/runtime/esm-import.ts).
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__bundle_url' },
  banner: { js: 'var __bundle_url = require("node:url").pathToFileURL(__filename).href;' },
  legalComments: 'none',
  logLevel: 'warning',
};

await build({ ...common, entryPoints: [path.join(cliDir, 'cli.js')], outfile, minifyWhitespace: true });
finishBundle(outfile);

// The small program of `ps` (src/cli/ps-cli.ts), which the launcher runs for `ps` instead of the
// whole CLI: every `ps` reads its text and deserialises its code cache.
const psBundle = path.join(cliDir, 'ps.bundle.cjs');
await build({ ...common, entryPoints: [path.join(cliDir, 'ps-cli.js')], outfile: psBundle, minifyWhitespace: true });
finishBundle(psBundle);

// The code caches (src/cli/bundle-runner.cts: one per command, in dist/src/cli/code-cache/) hold
// what a command compiled. The build makes those of the commands every user runs first (help,
// ps) against a throwaway state root; every other command makes its own the first time it ends
// well on this machine, and a cache V8 refuses later (another Node) is remade the same way.
// A cache holds only the functions its run called: that root holds a container of each kind ps
// shows (warmRoot), or every real `ps` would compile the reading, checking and printing of records
// again.
const cacheDir = path.join(cliDir, 'code-cache');
fs.rmSync(cacheDir, { recursive: true, force: true });
fs.rmSync(outfile.replace(/\.cjs$/, '.cache'), { force: true }); // the single cache of earlier builds
const stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-build-'));
try {
  warmRoot(stateRoot);
  for (const args of [['--help'], ['ps', '-a']]) {
    const r = spawnSync(process.execPath, [path.join(cliDir, 'main.cjs'), '--root', stateRoot, ...args], {
      env: { ...process.env, MYDOCKER_WRITE_CODE_CACHE: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    if (r.status !== 0) {
      process.stderr.write(r.stderr);
      console.error(`bundle: the bundled CLI failed on \`mydocker ${args.join(' ')}\``);
      process.exit(1);
    }
  }
} finally {
  fs.rmSync(stateRoot, { recursive: true, force: true });
}

// mydocker-runc, the OCI runtime executable, the same way: its program (runc/cli.js) and all it
// loads in dist/src/cli/runc.bundle.cjs, two levels under dist/ like the CLI's bundle; the launcher
// is runc/main.cjs. The code caches are made by the calls every container makes (state and delete,
// which the small programs below answer).
const runcBundle = path.join(cliDir, 'runc.bundle.cjs');
// Every call reads, hashes and checks the whole text against its code cache: whitespace is a
// third of it. Names stay (errors and plugins see class names).
await build({ ...common, entryPoints: [path.join(cliDir, 'runc/cli.js')], outfile: runcBundle, minifyWhitespace: true });
finishBundle(runcBundle);
// The small programs the launcher runs for the commands of every container besides create, built
// from the same modules: start, state and kill (runc/hot-cli.js; kept under 128 kB, below which V8
// reads it into an ordinary heap string: a unit test checks), delete (runc/delete-cli.js) and
// create (runc/create-cli.js: without exec, list, update, pause and spec, a sixth less to read and
// deserialise; its code cache is made by the first real create, as the whole program's was).
for (const [entry, name] of [['runc/hot-cli.js', 'runc-hot'], ['runc/delete-cli.js', 'runc-delete'], ['runc/create-cli.js', 'runc-create']]) {
  const file = path.join(cliDir, `${name}.bundle.cjs`);
  await build({ ...common, entryPoints: [path.join(cliDir, entry)], outfile: file, minifyWhitespace: true });
  finishBundle(file);
}
// The launchers themselves with bundle-runner.cjs inlined: one file for Node to resolve, read and
// compile before the bundle, not two (the second require cost ~2 ms of every call here). Without a
// bundle (tsc alone) the launchers tsc wrote stay. mydocker's (main.cjs) is made so further down,
// once the build has run it.
await inlineLauncher(path.join(cliDir, 'runc/main.cjs'));
fs.rmSync(runcBundle.replace(/\.cjs$/, '.cache'), { force: true }); // the single cache of earlier builds
const runcRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-runc-build-'));
try {
  // Only commands whose build-time call runs what a real one does: a cache made by a call that
  // fails early (start or create of an unknown ID) would be accepted by every later call and
  // never hold the real path, which the first real `start` or `create` writes on its own instead.
  const fails = new Set(['state']);
  const noBundle = path.join(runcRoot, 'no-bundle');
  // A stopped container to delete (no process, no groups: its ID names none), so that the cache
  // holds what every delete runs: the plugin host, tapable, the teardown hooks.
  const stopped = `mydocker-build-warmup-${process.pid}`;
  fs.mkdirSync(path.join(runcRoot, stopped), { mode: 0o700 });
  const engine = { rootfs: noBundle, hostname: '', command: ['true'], env: [], cwd: '/', tty: false, options: {}, pluginState: {} };
  const record = { id: stopped, bundle: noBundle, phase: 'created', pid: null, pidStartTime: null, created: new Date().toISOString(), annotations: {}, engine };
  fs.writeFileSync(path.join(runcRoot, stopped, 'state.json'), JSON.stringify(record), { mode: 0o600 });
  for (const args of [
    ['--version'],
    ['--root', runcRoot, 'state', 'none'],
    ['--root', runcRoot, 'delete', '--force', 'none'],
    ['--root', runcRoot, 'delete', stopped],
    ['--root', runcRoot, 'list'],
  ]) {
    const r = spawnSync(process.execPath, [path.join(cliDir, 'runc/main.cjs'), ...args], {
      // MYDOCKER_ROOT: no plugin of this machine's state root runs at build time.
      env: { ...process.env, MYDOCKER_WRITE_CODE_CACHE: '1', MYDOCKER_ROOT: runcRoot },
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    if (r.status !== 0 && !(fails.has(args[2]) && r.status === 1)) {
      process.stderr.write(r.stderr);
      console.error(`bundle: the bundled mydocker-runc failed on \`mydocker-runc ${args.join(' ')}\``);
      process.exit(1);
    }
  }
} finally {
  fs.rmSync(runcRoot, { recursive: true, force: true });
}

await inlineLauncher(path.join(cliDir, 'main.cjs'));

// The OCI runtime executable is called by path (containerd's shim, `ctr run --runc-binary`), not
// through npm's bin links: it must be executable in dist/ itself.
fs.chmodSync(path.join(cliDir, 'runc/main.cjs'), 0o755);
fs.chmodSync(path.join(cliDir, 'main.cjs'), 0o755);

/**
 * Records for the build's `ps -a`, one of each kind it shows: exited (with a health check, labels
 * and a published port), running (this process, which is alive while ps reads it), detached and
 * ended with its exit code in the shim's file, and one whose record is damaged (Dead).
 */
function warmRoot(dir) {
  const stat = fs.readFileSync(`/proc/${process.pid}/stat`, 'utf8');
  const startTime = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const now = new Date().toISOString();
  const base = (n, state, extra = {}) => ({
    id: String(n).repeat(64),
    name: `mydocker-build-warmup-${n}`,
    created: now,
    image: { ref: 'busybox', id: `sha256:${'0'.repeat(64)}` },
    command: ['sh', '-c', 'true'],
    env: [],
    workdir: '/',
    hostname: 'warmup',
    tty: false,
    interactive: false,
    autoRemove: false,
    storageDriver: 'overlay',
    options: { publish: ['8080:80'] },
    labels: { a: 'b' },
    plugins: [],
    rootfs: null,
    state: { status: 'exited', pid: null, pidStartTime: null, startedAt: now, finishedAt: now, exitCode: 0, ...state },
    pluginState: {},
    ...extra,
  });
  const containers = path.join(dir, 'containers');
  const write = (id, name, text) => {
    fs.mkdirSync(path.join(containers, id), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(containers, id, name), text, { mode: 0o600 });
  };
  const records = [
    base(1, {}, { healthcheck: { Test: ['CMD', 'true'] } }),
    base(2, { status: 'running', pid: process.pid, pidStartTime: startTime, finishedAt: null, exitCode: null }),
    base(3, { exitCode: null }, { detached: { log: '/dev/null', exitFile: path.join(containers, '3'.repeat(64), 'exit') } }),
  ];
  for (const record of records) write(record.id, 'container.json', JSON.stringify(record));
  write('3'.repeat(64), 'exit', '0\n');
  write('1'.repeat(64), 'health.json', JSON.stringify({ Status: 'healthy', FailingStreak: 0, Log: [] }));
  write('4'.repeat(64), 'container.json', '{');
}

/** A launcher (main.cjs) rewritten with what it requires of ours inlined; the program's modules stay outside. */
async function inlineLauncher(launcher) {
  await build({
    entryPoints: [launcher],
    outfile: launcher,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // The whole program from its modules, when there is no bundle (never, once the build has run).
    external: ['./cli.js'],
    minifyWhitespace: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
}
