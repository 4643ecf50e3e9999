import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDockerfile } from '../../src/build/dockerfile.js';
import { applyMetadata, commandOf } from '../../src/build/metadata.js';
import { LayeredTree } from '../../src/build/layered-tree.js';
import type { ImageConfig } from '../../src/image/store.js';
import { tempDir } from '../support/tmp.js';

function apply(line: string, config: ImageConfig = {}, vars = new Map<string, string>()) {
  return applyMetadata(parseDockerfile(`FROM x\n${line}`).instructions[1]!, config, vars, '\\');
}

describe('metadata instructions', () => {
  it('ENV: both forms, quotes, substitution, replacing a variable in place', () => {
    const first = apply('ENV A=1 B="two words" C=$X', { Env: ['PATH=/bin', 'A=0'] }, new Map([['X', 'x']]));
    assert.deepEqual(first.config.Env, ['PATH=/bin', 'A=1', 'B=two words', 'C=x']);
    assert.equal(first.text, 'ENV A=1 B=two words C=x');
    assert.deepEqual(apply('ENV GREETING hello  there').config.Env, ['GREETING=hello  there']);
  });

  it('LABEL, EXPOSE, VOLUME, USER, STOPSIGNAL', () => {
    assert.deepEqual(apply('LABEL a=b "c d"=e').config.Labels, { a: 'b', 'c d': 'e' });
    assert.deepEqual(apply('EXPOSE 80 53/udp').config.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
    assert.deepEqual(Object.keys(apply('EXPOSE 8000-8002/udp').config.ExposedPorts!), ['8000/udp', '8001/udp', '8002/udp']);
    assert.throws(() => apply('EXPOSE http'), /line 2: invalid port/);
    assert.throws(() => apply('EXPOSE 9-8'), /line 2: invalid port/);
    assert.deepEqual(apply('VOLUME ["/data", "/logs"]').config.Volumes, { '/data': {}, '/logs': {} });
    assert.equal(apply('USER app:app').config.User, 'app:app');
    assert.equal(apply('STOPSIGNAL SIGQUIT').config.StopSignal, 'SIGQUIT');
    assert.throws(() => apply('STOPSIGNAL SIGNOPE'), /line 2: invalid STOPSIGNAL "SIGNOPE"/);
  });

  it('WORKDIR is relative to the last one', () => {
    assert.equal(apply('WORKDIR b', { WorkingDir: '/a' }).config.WorkingDir, '/a/b');
    assert.equal(apply('WORKDIR /c').config.WorkingDir, '/c');
  });

  it("CMD and ENTRYPOINT: exec form as is, shell form through SHELL; ENTRYPOINT drops the base's Cmd", () => {
    assert.deepEqual(apply('CMD ["sh"]').config.Cmd, ['sh']);
    assert.deepEqual(apply('CMD echo $HOME').config.Cmd, ['/bin/sh', '-c', 'echo $HOME']);
    assert.equal(apply('CMD ["sh"]').text, 'CMD ["sh"]');
    const entry = apply('ENTRYPOINT ["/bin/app"]', { Cmd: ['sh'] });
    assert.deepEqual(entry.config.Entrypoint, ['/bin/app']);
    assert.equal(entry.config.Cmd, undefined);
    const ins = parseDockerfile('FROM x\nRUN echo hi').instructions[1]!;
    assert.deepEqual(commandOf(ins, { Shell: ['/bin/bash', '-xc'] }), ['/bin/bash', '-xc', 'echo hi']);
  });
});

describe('LayeredTree', () => {
  it('merges layers: the upper entry wins, an opaque directory hides the lower ones, symlinks resolve inside', (t) => {
    const dir = tempDir(t);
    const lower = path.join(dir, 'lower');
    const upper = path.join(dir, 'upper');
    fs.mkdirSync(path.join(lower, 'usr/bin'), { recursive: true });
    fs.mkdirSync(path.join(lower, 'opaque'));
    fs.writeFileSync(path.join(lower, 'opaque/old'), '');
    fs.writeFileSync(path.join(lower, 'usr/bin/tool'), 'lower');
    fs.symlinkSync('usr/bin', path.join(lower, 'bin'));
    fs.symlinkSync('../../../../etc', path.join(lower, 'escape'));
    fs.mkdirSync(path.join(upper, 'usr/bin'), { recursive: true });
    fs.mkdirSync(path.join(upper, 'opaque'));
    fs.writeFileSync(path.join(upper, 'opaque/new'), '');
    fs.writeFileSync(path.join(upper, 'usr/bin/tool'), 'upper');
    fs.writeFileSync(path.join(upper, 'usr/bin/other'), '');
    const tree = new LayeredTree([lower, upper], (d) => d === path.join(upper, 'opaque'));
    assert.equal(tree.readText('/bin/tool'), 'upper');
    assert.deepEqual(tree.readdir('usr/bin'), ['other', 'tool']);
    assert.deepEqual(tree.readdir('opaque'), ['new']);
    assert.equal(tree.lookup('opaque/old'), null);
    assert.equal(tree.resolve('/bin/x'), 'usr/bin/x');
    assert.equal(tree.resolve('/escape/passwd'), 'etc/passwd', "'..' stops at the image's root");
    assert.equal(tree.lookup('missing/x'), null);
  });
});

describe("an image's VOLUMEs at run", () => {
  it('become anonymous volumes where no -v mounts already', async () => {
    const { withImageVolumes } = await import('../../src/container/image-volumes.js');
    const volumes = { '/data': {}, '/logs/': {}, '/cache': {} };
    assert.deepEqual(withImageVolumes({ volumes: ['named:/data:ro', '/host/logs:/logs'] }, volumes).volumes, ['named:/data:ro', '/host/logs:/logs', '/cache']);
    assert.deepEqual(withImageVolumes({ network: 'none' }, undefined), { network: 'none' });
    assert.deepEqual(withImageVolumes({}, { '/v': {} }), { volumes: ['/v'] });
  });
});
