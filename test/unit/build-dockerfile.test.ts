import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { DockerfileError, parseDockerfile } from '../../src/build/dockerfile.js';
import { planBuild } from '../../src/build/plan.js';

function lineOf(fn: () => unknown): number {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof DockerfileError, String(error));
    assert.equal(error.exitCode, 1);
    return error.line;
  }
  assert.fail('no error');
}

describe('parseDockerfile', () => {
  it('joins continuations, drops comments (also inside a continuation), keeps the first line number', () => {
    const df = parseDockerfile('# a comment\nFROM busybox\n\nRUN echo a \\\n# inside\n    b \\\n  c\ncmd ["sh"]\n');
    assert.deepEqual(
      df.instructions.map((i) => [i.line, i.keyword, i.args]),
      [
        [2, 'FROM', 'busybox'],
        [4, 'RUN', 'echo a     b   c'],
        [8, 'CMD', '["sh"]'],
      ],
    );
    assert.deepEqual(df.instructions[2]!.json, ['sh']);
    assert.equal(df.instructions[1]!.json, null);
  });

  it('honours # escape= and ignores # syntax=, only at the top', () => {
    const df = parseDockerfile('# syntax=docker/dockerfile:1\n# escape=`\nFROM busybox\nRUN echo a `\n  b\n# escape=\\\n');
    assert.equal(df.escape, '`');
    assert.equal(df.instructions[1]!.args, 'echo a   b');
    assert.equal(parseDockerfile('FROM x\n# escape=`\nRUN a \\\n b').instructions[1]!.args, 'a  b', 'a directive after an instruction is a comment');
    assert.equal(lineOf(() => parseDockerfile('# escape=x\nFROM a')), 1);
  });

  it('reads leading --flags of COPY, and takes a bad JSON array for the shell form', () => {
    const ins = parseDockerfile('FROM a\nCOPY --from=build --chown=1:2 /out /bin/\nRUN [not json').instructions;
    assert.deepEqual(ins[1]!.flags, { from: 'build', chown: '1:2' });
    assert.equal(ins[1]!.args, '/out /bin/');
    assert.equal(ins[2]!.json, null);
  });

  it('refuses unknown instructions and missing arguments with their line', () => {
    assert.equal(lineOf(() => parseDockerfile('FROM a\n\nRUNN x')), 3);
    assert.equal(lineOf(() => parseDockerfile('FROM a\nRUN\n')), 2);
    assert.equal(lineOf(() => parseDockerfile('FROM a\nCOPY --from x y')), 2);
  });
});

describe('planBuild', () => {
  const plan = (text: string, target?: string) => planBuild(parseDockerfile(text), target);

  it('splits stages, keeps ARGs before FROM, counts the steps', () => {
    const p = plan('ARG V=1\nFROM busybox:$V AS Build\nRUN a\nFROM scratch\nCOPY --from=build /x /x\n');
    assert.equal(p.metaArgs.length, 1);
    assert.deepEqual(p.stages.map((s) => [s.name, s.base, s.steps.length]), [['build', 'busybox:$V', 1], [null, 'scratch', 1]]);
    assert.equal(p.total, 5);
  });

  it('stops after --target', () => {
    const p = plan('FROM a AS one\nRUN x\nFROM b AS two\nRUN y\n', 'one');
    assert.equal(p.stages.length, 1);
    assert.equal(p.total, 2);
    assert.equal(lineOf(() => plan('FROM a AS one\n', 'nope')), 1);
  });

  it('refuses what cannot be built, by line', () => {
    assert.equal(lineOf(() => plan('RUN x\nFROM a')), 1);
    assert.equal(lineOf(() => plan('FROM a b\n')), 1);
    assert.equal(lineOf(() => plan('FROM a AS x\nFROM b AS X\n')), 2);
    assert.equal(lineOf(() => plan('FROM a AS x\nCOPY --from=x /a /b\n')), 2, 'a stage copying from itself');
    assert.equal(lineOf(() => plan('FROM a\nCOPY --form=x /a /b\n')), 2, 'an unknown flag');
    assert.equal(lineOf(() => plan('FROM a\nSHELL /bin/bash -c\n')), 2, 'SHELL needs JSON');
    assert.equal(lineOf(() => plan('FROM a\nRUN y\nONBUILD ONBUILD RUN x\n')), 3, 'ONBUILD ONBUILD');
    assert.equal(lineOf(() => plan('FROM a\nONBUILD FROM b\n')), 2, 'ONBUILD FROM');
    assert.equal(lineOf(() => plan('FROM a\nONBUILD MAINTAINER me\n')), 2, 'ONBUILD MAINTAINER');
    assert.equal(lineOf(() => plan('FROM a\nONBUILD COPY --form=x /a /b\n')), 2, "an unknown flag in a trigger");
    assert.equal(lineOf(() => plan('FROM a\nHEALTHCHECK --interval=soon CMD true\n')), 2, 'a bad duration');
    assert.equal(lineOf(() => plan('FROM a\nHEALTHCHECK --retries=3 CMD true\n\nHEALTHCHECK --shout=1 CMD x\n')), 4, 'an unknown HEALTHCHECK flag');
  });
});
