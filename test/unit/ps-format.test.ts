// `ps --filter` and the list formats (`table TEMPLATE`, bare templates), on made-up summaries.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { filtersImplyAll, matchesPsFilters, parsePsFilters } from '../../src/cli/ps-filter.js';
import { alignColumns, chooseFormat, renderTemplate } from '../../src/cli/template-output.js';
import type { ContainerSummary } from '../../src/runtime/summaries.js';
import { MydockerError } from '../../src/errors.js';

const IMAGE_ID = 'sha256:' + 'ab12'.repeat(16);

function summary(over: Partial<ContainerSummary>): ContainerSummary {
  return {
    id: 'f'.repeat(64),
    name: 'web',
    image: 'busybox',
    imageId: IMAGE_ID,
    command: ['sh'],
    created: '2026-12-01T20:00:00.000Z',
    status: 'running',
    exitCode: null,
    startedAt: null,
    finishedAt: null,
    publish: [],
    expose: [],
    ports: [],
    labels: {},
    health: null,
    ...over,
  };
}

const web = summary({ id: 'a1'.repeat(32), name: 'web', labels: { tier: 'front', 'com.example.team': 'a' } });
const db = summary({ id: 'b2'.repeat(32), name: 'db', image: 'postgres:15', imageId: 'sha256:' + 'cd'.repeat(32), labels: { tier: 'back' } });
const done = summary({ id: 'c3'.repeat(32), name: 'job', status: 'exited', exitCode: 3 });
const ok = summary({ id: 'd4'.repeat(32), name: 'webjob', status: 'exited', exitCode: 0 });
const all = [web, db, done, ok];

const names = (filters: string[]): string[] => all.filter((c) => matchesPsFilters(c, parsePsFilters(filters))).map((c) => c.name);

describe('ps --filter', () => {
  it('matches names and IDs as Docker does: a regular expression searched in /NAME and the ID', () => {
    assert.deepEqual(names(['name=web']), ['web', 'webjob']);
    assert.deepEqual(names(['name=^/web$']), ['web']);
    assert.deepEqual(names(['id=b2b2']), ['db']);
  });

  it('compares status, exit code, labels and image exactly', () => {
    assert.deepEqual(names(['status=exited']), ['job', 'webjob']);
    assert.deepEqual(names(['exited=3']), ['job']);
    assert.deepEqual(names(['label=tier']), ['web', 'db']);
    assert.deepEqual(names(['label=tier=back']), ['db']);
    assert.deepEqual(names(['ancestor=postgres:15']), ['db']);
    assert.deepEqual(names(['ancestor=busybox:latest']), ['web', 'job', 'webjob']);
    assert.deepEqual(names(['ancestor=cdcdcd']), ['db']);
  });

  it('health: the status of the check, none without one; unknown values refused', () => {
    const list = [summary({ name: 'a', health: 'healthy' }), summary({ name: 'b', health: 'unhealthy' }), summary({ name: 'c', health: 'starting' }), summary({ name: 'd' })];
    const by = (value: string): string[] => list.filter((c) => matchesPsFilters(c, parsePsFilters([`health=${value}`]))).map((c) => c.name);
    assert.deepEqual(by('healthy'), ['a']);
    assert.deepEqual(by('unhealthy'), ['b']);
    assert.deepEqual(by('starting'), ['c']);
    assert.deepEqual(by('none'), ['d']);
    assert.throws(() => parsePsFilters(['health=fine']), /invalid filter 'health=fine'/);
  });

  it('publish: the containers whose -p specs publish one of the container ports (a range, a protocol)', () => {
    const list = [summary({ name: 'web', publish: ['8080:80'] }), summary({ name: 'dns', publish: ['127.0.0.1::53/udp'] }), summary({ name: 'many', publish: ['9000-9002:90-92'] }), summary({ name: 'none' })];
    const by = (value: string): string[] => list.filter((c) => matchesPsFilters(c, parsePsFilters([`publish=${value}`]))).map((c) => c.name);
    assert.deepEqual(by('80'), ['web']);
    assert.deepEqual(by('80/udp'), []);
    assert.deepEqual(by('53/udp'), ['dns']);
    assert.deepEqual(by('91'), ['many']);
    assert.deepEqual(by('50-80'), ['web'], 'a range of container ports');
    assert.throws(() => parsePsFilters(['publish=http']), /invalid filter 'publish=http'/);
  });

  it("expose: the containers exposing one of the ports: the image's EXPOSE, --expose (ranges), what -p publishes", () => {
    const list = [summary({ name: 'img', expose: ['80/tcp'] }), summary({ name: 'flag', expose: ['7000-7002/udp'] }), summary({ name: 'pub', publish: ['8443:443'] }), summary({ name: 'none' })];
    const by = (value: string): string[] => list.filter((c) => matchesPsFilters(c, parsePsFilters([`expose=${value}`]))).map((c) => c.name);
    assert.deepEqual(by('80'), ['img']);
    assert.deepEqual(by('7001/udp'), ['flag']);
    assert.deepEqual(by('7001'), [], 'tcp is the default protocol');
    assert.deepEqual(by('443'), ['pub']);
    assert.deepEqual(by('1-1000'), ['img', 'pub']);
    assert.throws(() => parsePsFilters(['expose=web']), /invalid filter 'expose=web'/);
  });

  it('ORs the values of one key and ANDs different keys', () => {
    assert.deepEqual(names(['name=^/db$', 'name=^/job$']), ['db', 'job']);
    assert.deepEqual(names(['name=web', 'status=running']), ['web']);
  });

  it('makes a status filter list stopped containers without -a', () => {
    assert.equal(filtersImplyAll(parsePsFilters(['status=exited'])), true);
    assert.equal(filtersImplyAll(parsePsFilters(['name=x'])), false);
  });

  it('refuses a bad filter with one line and exit code 1', () => {
    for (const bad of ['nope=1', 'status=sleeping', 'exited=x', 'name=(', 'novalue', 'publish=0']) {
      assert.throws(
        () => parsePsFilters([bad]),
        (e: unknown) => e instanceof MydockerError && e.exitCode === 1,
        bad,
      );
    }
  });
});

describe('list formats', () => {
  it('tells table, json, table TEMPLATE and TEMPLATE apart, reading \\t and \\n', () => {
    assert.deepEqual(chooseFormat(undefined), { kind: 'table' });
    assert.deepEqual(chooseFormat('table'), { kind: 'table' });
    assert.deepEqual(chooseFormat('json'), { kind: 'json' });
    assert.deepEqual(chooseFormat('table {{.ID}}\\t{{.Names}}'), { kind: 'template', table: true, source: '{{.ID}}\t{{.Names}}' });
    assert.deepEqual(chooseFormat('{{.ID}}\\n'), { kind: 'template', table: false, source: '{{.ID}}\n' });
  });

  it('aligns cells as Go\'s tabwriter with Docker\'s settings (min width 10, padding 3)', () => {
    assert.equal(alignColumns(['NAME\tSTATUS', 'a\tUp', 'longer-than-ten\tExited']), 'NAME              STATUS\na                 Up\nlonger-than-ten   Exited\n');
    assert.equal(alignColumns(['ID\tX', '1\t2']), 'ID        X\n1         2\n');
  });

  it('prints a header row from the field names with table, none without', () => {
    const items = [{ ID: 'a1', Names: 'web' }, { ID: 'b2', Names: 'db' }];
    const headers = { ID: 'CONTAINER ID', Names: 'NAMES' };
    assert.equal(renderTemplate({ table: true, source: '{{.ID}}\t{{.Names}}' }, items, headers), 'CONTAINER ID   NAMES\na1             web\nb2             db\n');
    assert.equal(renderTemplate({ table: false, source: '{{.Names}}:{{.ID}}' }, items, headers), 'web:a1\ndb:b2\n');
  });
});
