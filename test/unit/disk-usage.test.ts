// `system df`'s arithmetic on made-up facts: shared layers counted once, reclaimable as what
// removing every unused thing would free, Docker's percentages.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { diskUsageTotals, reclaimableText, type DfContainerInput, type DfImageInput } from '../../src/runtime/disk-usage-totals.js';
import { humanSize } from '../../src/cli/format.js';

const image = (id: string, layers: string[], containers = 0): DfImageInput => ({ id, repository: id, tag: 'latest', created: '', layers, containers });
const container = (id: string, running: boolean, sizeRw: number): DfContainerInput => ({ id, name: id, image: 'x', command: ['sh'], created: '', status: running ? 'running' : 'exited', running, sizeRw, volumes: 0 });
const sizes = new Map([['base', 1000], ['app', 300], ['tool', 50], ['junk', 7]]);

describe('system df totals', () => {
  it('images: shared layers counted once; shared and unique sizes per image', () => {
    const usage = diskUsageTotals({ images: [image('a', ['base', 'app'], 1), image('b', ['base', 'tool'])], layerSizes: sizes, containers: [], volumes: [], cache: [] });
    assert.deepEqual(usage.rows[0], { type: 'Images', total: 2, active: 1, size: 1350, reclaimable: 50 });
    assert.deepEqual(usage.images.map((i) => [i.size, i.sharedSize, i.uniqueSize]), [[1300, 1000, 300], [1050, 1000, 50]]);
  });

  it('images: nothing in use, everything reclaimable', () => {
    const usage = diskUsageTotals({ images: [image('a', ['base']), image('b', ['base'])], layerSizes: sizes, containers: [], volumes: [], cache: [] });
    assert.deepEqual(usage.rows[0], { type: 'Images', total: 2, active: 0, size: 1000, reclaimable: 1000 });
  });

  it('containers: writable layers; the stopped ones reclaimable', () => {
    const usage = diskUsageTotals({ images: [], layerSizes: sizes, containers: [container('up', true, 10), container('down', false, 5), container('gone', false, 0)], volumes: [], cache: [] });
    assert.deepEqual(usage.rows[1], { type: 'Containers', total: 3, active: 1, size: 15, reclaimable: 5 });
  });

  it('volumes: those no container mounts are reclaimable', () => {
    const usage = diskUsageTotals({ images: [], layerSizes: sizes, containers: [], volumes: [{ name: 'used', size: 40, links: 2 }, { name: 'free', size: 2, links: 0 }], cache: [] });
    assert.deepEqual(usage.rows[2], { type: 'Local Volumes', total: 2, active: 1, size: 42, reclaimable: 2 });
  });

  it('build cache: only the layers no image holds, once', () => {
    const usage = diskUsageTotals({
      images: [image('a', ['base', 'app'])],
      layerSizes: sizes,
      containers: [],
      volumes: [],
      cache: [{ id: 'k1', layers: ['base'], created: '' }, { id: 'k2', layers: ['base', 'junk'], created: '' }, { id: 'k3', layers: ['base', 'junk'], created: '' }],
    });
    assert.deepEqual(usage.cache.map((c) => c.size), [0, 7, 0]);
    assert.deepEqual(usage.rows[3], { type: 'Build Cache', total: 3, active: 0, size: 7, reclaimable: 7 });
  });

  it('RECLAIMABLE as Docker prints it', () => {
    assert.equal(reclaimableText({ type: 'Images', total: 2, active: 1, size: 1350, reclaimable: 50 }, humanSize), '50B (3%)');
    assert.equal(reclaimableText({ type: 'Images', total: 0, active: 0, size: 0, reclaimable: 0 }, humanSize), '0B');
    assert.equal(reclaimableText({ type: 'Containers', total: 1, active: 0, size: 2_500_000, reclaimable: 2_500_000 }, humanSize), '2.5MB (100%)');
  });
});
