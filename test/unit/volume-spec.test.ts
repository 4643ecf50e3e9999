// The `-v` parser: every form Docker accepts here, and every refusal (which checkOptions turns into
// exit 125 before anything exists).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mountOrder, parseVolumeSpec, parseVolumeSpecs } from '../../plugins/volumes/spec.js';

describe('parseVolumeSpec: valid forms', () => {
  it('/host:/ctr is a read-write bind mount', () => {
    assert.deepEqual(parseVolumeSpec('/host/dir:/ctr/dir'), { kind: 'bind', source: '/host/dir', target: '/ctr/dir', readonly: false, raw: '/host/dir:/ctr/dir' });
  });

  it('/host:/ctr:ro and :rw set the mode', () => {
    assert.equal(parseVolumeSpec('/h:/c:ro').readonly, true);
    assert.equal(parseVolumeSpec('/h:/c:rw').readonly, false);
    assert.equal(parseVolumeSpec('/h:/c:ro').kind, 'bind');
  });

  it('name:/ctr is a named volume, with or without a mode', () => {
    assert.deepEqual(parseVolumeSpec('data:/var/data'), { kind: 'named', name: 'data', target: '/var/data', readonly: false, raw: 'data:/var/data' });
    assert.deepEqual(parseVolumeSpec('my_vol.2-x:/d:ro'), { kind: 'named', name: 'my_vol.2-x', target: '/d', readonly: true, raw: 'my_vol.2-x:/d:ro' });
  });

  it('/ctr alone is an anonymous volume', () => {
    assert.deepEqual(parseVolumeSpec('/cache'), { kind: 'anonymous', target: '/cache', readonly: false, raw: '/cache' });
  });

  it('cleans paths: trailing slashes, ".", ".." and repeated slashes', () => {
    const spec = parseVolumeSpec('/host//a/./b/:/ctr/x/../y/');
    assert.equal(spec.kind, 'bind');
    assert.equal(spec.kind === 'bind' && spec.source, '/host/a/b');
    assert.equal(spec.target, '/ctr/y');
  });
});

describe('parseVolumeSpec: refusals', () => {
  const refused: Array<[string, RegExp]> = [
    ['foo/bar:/x', /"foo\/bar" is neither an absolute host path nor a volume name/],
    ['./rel:/x', /neither an absolute host path nor a volume name/],
    ['a:/x', /neither an absolute host path nor a volume name/], // one character is not a volume name
    ['-vol:/x', /neither an absolute host path nor a volume name/],
    ['/a:', /the target is empty/],
    ['/a::ro', /the target is empty/],
    ['/a:b', /the target "b" is not an absolute path/],
    ['relative', /the target "relative" is not an absolute path/],
    ['/a:/b:xx', /unknown mode "xx"/],
    ['/a:/b:', /unknown mode ""/],
    ['/a:/b:ro,rw', /unknown mode "ro,rw"/],
    ['/a:/', /the target cannot be '\/'/],
    ['/', /the target cannot be '\/'/],
    ['/a:/x/..', /the target cannot be '\/'/],
    ['/a:/b:ro:x', /too many ':'/],
    ['/a:/b:c:d:e', /too many ':'/],
    [':/b', /no source or target/],
    ['', /no source or target/],
    ['/ctr:ro', /a mode needs both a source and a target/],
  ];
  for (const [raw, why] of refused) {
    it(`refuses ${JSON.stringify(raw)}`, () => {
      assert.throws(() => parseVolumeSpec(raw), (e: unknown) => e instanceof Error && e.message.includes(`"${raw}"`) && why.test(e.message));
    });
  }
});

describe('parseVolumeSpecs', () => {
  it('takes the options.volumes list; absent means none', () => {
    assert.deepEqual(parseVolumeSpecs(undefined), []);
    assert.deepEqual(parseVolumeSpecs(null), []);
    assert.deepEqual(parseVolumeSpecs([]), []);
    assert.deepEqual(
      parseVolumeSpecs(['/h:/a', 'n1:/b', '/c']).map((s) => s.kind),
      ['bind', 'named', 'anonymous'],
    );
  });

  it('refuses a value that is not a list of strings', () => {
    for (const bad of ['/a:/b', [1], { a: '/b' }, [null]]) assert.throws(() => parseVolumeSpecs(bad as never), /must be a list of strings/);
  });

  it('refuses two volumes on one target, even written differently', () => {
    assert.throws(() => parseVolumeSpecs(['/h:/data', 'v1:/data/']), /duplicate mount point: \/data/);
  });

  it('refuses the first bad spec of the list', () => {
    assert.throws(() => parseVolumeSpecs(['/h:/ok', '/a:/b:xx']), /"\/a:\/b:xx"/);
  });
});

describe('mountOrder', () => {
  it('mounts parents before children, otherwise keeps the given order', () => {
    const specs = parseVolumeSpecs(['/h:/a/b/c', '/h:/z', '/h:/a/b', '/h:/a']);
    assert.deepEqual(mountOrder(specs).map((s) => s.target), ['/z', '/a', '/a/b', '/a/b/c']);
  });
});
