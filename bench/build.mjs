#!/usr/bin/env node
// `node bench/build.mjs` (root): what a second build of an unchanged 10-step Dockerfile costs — every
// step a cache hit — against one `mydocker images` in the same root, the target being under 1.5x;
// and what one RUN step costs against a `run --rm` of the same command (the step adds the layer's
// commit). Runs alternate so that both sides see the same load; medians of BENCH_RUNS (default 20).
// Without NODE_EXTRA_CA_CERTS on both sides (BENCH_KEEP_CA_CERTS=1 keeps it), as bench/run.mjs.
// A benchmark, not a test: it prints figures and asserts nothing.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.resolve(here, '../dist/src/cli/main.cjs');
const runs = Number(process.env.BENCH_RUNS ?? 20);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-bench-build-'));
const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-bench-ctx-'));
const env = { ...process.env, MYDOCKER_ROOT: root };
if (process.env.BENCH_KEEP_CA_CERTS !== '1') delete env.NODE_EXTRA_CA_CERTS;

function mydocker(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`mydocker ${args.join(' ')}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  fs.writeFileSync(path.join(ctx, 'app.sh'), 'echo app\n');
  fs.mkdirSync(path.join(ctx, 'conf'));
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(ctx, 'conf', `f${i}`), `value ${i}\n`.repeat(100));
  fs.writeFileSync(
    path.join(ctx, 'Dockerfile'),
    ['FROM busybox', 'ARG V=1', 'ENV APP=/app', 'WORKDIR /app', 'COPY app.sh .', 'COPY conf conf/', 'RUN sh app.sh > out', 'LABEL v=$V', 'EXPOSE 80', 'CMD ["sh", "app.sh"]'].join('\n'),
  );
  mydocker(['build', '--network', 'none', '-t', 'bench', ctx]);
  const build = [];
  const images = [];
  for (let i = 0; i < 3; i++) {
    mydocker(['build', '--network', 'none', '-t', 'bench', ctx]);
    mydocker(['images']);
  }
  for (let i = 0; i < runs; i++) {
    const b = mydocker(['build', '--network', 'none', '-t', 'bench', ctx]);
    if ((b.stdout.match(/Using cache/g) ?? []).length !== 8) throw new Error(`not every step was cached:\n${b.stdout}`);
    build.push(b.ms);
    images.push(mydocker(['images']).ms);
  }
  const [b, im] = [median(build), median(images)];
  console.log(`cached 10-step build: ${b.toFixed(0)} ms, images: ${im.toFixed(0)} ms, ratio ${(b / im).toFixed(2)} (target < 1.5), medians of ${runs}`);

  const step = [];
  const plain = [];
  fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo hi\n');
  for (let i = 0; i < Math.min(runs, 10); i++) {
    step.push(mydocker(['build', '--no-cache', '--network', 'none', '-q', ctx]).ms);
    plain.push(mydocker(['run', '--rm', '--net', 'none', 'busybox', 'sh', '-c', 'echo hi']).ms);
  }
  console.log(`build of FROM + one RUN (--no-cache): ${median(step).toFixed(0)} ms; run --rm of the same command: ${median(plain).toFixed(0)} ms`);
} finally {
  spawnSync(process.execPath, [cli, 'system', 'check', '--fix'], { env, stdio: 'ignore' });
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(ctx, { recursive: true, force: true });
}
