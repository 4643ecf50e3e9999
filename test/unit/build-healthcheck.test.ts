import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseDockerfile } from '../../src/build/dockerfile.js';
import { applyMetadata } from '../../src/build/metadata.js';
import { parseTrigger } from '../../src/build/healthcheck.js';
import { planBuild } from '../../src/build/plan.js';
import type { ImageConfig } from '../../src/image/store.js';

function apply(line: string, config: ImageConfig = {}) {
  return applyMetadata(parseDockerfile(`FROM x\n${line}`).instructions[1]!, config, new Map([['X', 'x']]), '\\');
}

describe('HEALTHCHECK', () => {
  it('the shell form is CMD-SHELL, unsubstituted; the exec form is CMD', () => {
    assert.deepEqual(apply('HEALTHCHECK CMD wget -q localhost:$X || exit 1').config.Healthcheck, { Test: ['CMD-SHELL', 'wget -q localhost:$X || exit 1'] });
    assert.deepEqual(apply('HEALTHCHECK CMD ["/bin/check", "-v"]').config.Healthcheck, { Test: ['CMD', '/bin/check', '-v'] });
    assert.deepEqual(apply('healthcheck cmd true').config.Healthcheck, { Test: ['CMD-SHELL', 'true'] });
  });

  it('options in nanoseconds, as Docker writes them; zero values left out', () => {
    const applied = apply('HEALTHCHECK --interval=5s --timeout=1m30s --start-period=500ms --retries=4 CMD true');
    assert.deepEqual(applied.config.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Timeout: 90e9, StartPeriod: 5e8, Retries: 4 });
    assert.equal(applied.text, 'HEALTHCHECK &{["CMD-SHELL" "true"] "5s" "1m30s" "500ms" 4}');
    assert.deepEqual(apply('HEALTHCHECK --interval=0s --retries=0 CMD true').config.Healthcheck, { Test: ['CMD-SHELL', 'true'] });
    assert.deepEqual(apply('HEALTHCHECK --start-interval=2s CMD true').config.Healthcheck, { Test: ['CMD-SHELL', 'true'], StartInterval: 2e9 });
  });

  it('NONE disables the base image\'s check', () => {
    const base: ImageConfig = { Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 1e9 } };
    assert.deepEqual(apply('HEALTHCHECK NONE', base).config.Healthcheck, { Test: ['NONE'] });
  });

  it('refuses what Docker refuses, by line', () => {
    assert.throws(() => apply('HEALTHCHECK NONE now'), /line 2: HEALTHCHECK NONE takes no arguments/);
    assert.throws(() => apply('HEALTHCHECK RUN true'), /line 2: Unknown type "RUN" in HEALTHCHECK \(try CMD\)/);
    assert.throws(() => apply('HEALTHCHECK CMD'), /line 2: Missing command after HEALTHCHECK CMD/);
    assert.throws(() => apply('HEALTHCHECK'), /line 2: HEALTHCHECK requires an argument/);
    assert.throws(() => apply('HEALTHCHECK --interval=10 CMD true'), /line 2: HEALTHCHECK --interval: invalid duration "10"/);
    assert.throws(() => apply('HEALTHCHECK --timeout=10ns CMD true'), /cannot be less than 1ms/);
    assert.throws(() => apply('HEALTHCHECK --retries=-1 CMD true'), /--retries cannot be negative/);
  });
});

describe('ONBUILD', () => {
  it('keeps each trigger as written, in order', () => {
    const first = apply('ONBUILD RUN echo $X');
    assert.deepEqual(first.config.OnBuild, ['RUN echo $X']);
    assert.equal(first.text, 'ONBUILD RUN echo $X');
    assert.deepEqual(apply('ONBUILD COPY --chown=1:1 a /b', first.config).config.OnBuild, ['RUN echo $X', 'COPY --chown=1:1 a /b']);
  });

  it('refuses ONBUILD ONBUILD, FROM and MAINTAINER as triggers', () => {
    assert.throws(() => apply('ONBUILD ONBUILD RUN x'), /line 2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed/);
    assert.throws(() => apply('ONBUILD FROM busybox'), /line 2: FROM isn't allowed as an ONBUILD trigger/);
    assert.throws(() => apply('onbuild maintainer me'), /line 2: MAINTAINER isn't allowed as an ONBUILD trigger/);
    assert.throws(() => apply('ONBUILD NOPE x'), /line 2: unknown instruction: NOPE/);
  });

  it('a trigger is read as an instruction of the line that runs it', () => {
    const trigger = parseTrigger('COPY --from=0 /a /b', 7);
    assert.equal(trigger.line, 7);
    assert.equal(trigger.keyword, 'COPY');
    assert.deepEqual(trigger.flags, { from: '0' });
  });

  it('a plan accepts ONBUILD and HEALTHCHECK', () => {
    const plan = planBuild(parseDockerfile('FROM a\nONBUILD RUN x\nHEALTHCHECK --interval=1s CMD true\n'));
    assert.deepEqual(plan.stages[0]!.steps.map((s) => s.keyword), ['ONBUILD', 'HEALTHCHECK']);
  });
});
