import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { CAPABILITIES, DEFAULT_CAPABILITIES, capabilityMask, capabilitySets, containerCapabilities, normalizeCapability, ownCapabilities } from '../../src/security/capabilities.js';

const ALL = [...CAPABILITIES];
const request = (r: Partial<{ privileged: boolean; capAdd: string[]; capDrop: string[] }> = {}) => ({ privileged: false, capAdd: [], capDrop: [], ...r });

describe('capabilities', () => {
  it("Docker's 14 are the mask Docker's containers show (00000000a80425fb)", () => {
    assert.equal(DEFAULT_CAPABILITIES.length, 14);
    assert.equal(capabilityMask(containerCapabilities(request(), ALL)), 0xa80425fbn);
  });

  it('normalizes names with or without CAP_, in any case; refuses unknown ones in one line', () => {
    assert.equal(normalizeCapability('cap_net_admin'), 'NET_ADMIN');
    assert.equal(normalizeCapability('SYS_TIME'), 'SYS_TIME');
    assert.equal(normalizeCapability('all'), 'ALL');
    assert.throws(() => normalizeCapability('NET_ADMINN', '--cap-drop'), (e: Error) => /invalid capability for --cap-drop: "NET_ADMINN"/.test(e.message) && !e.message.includes('\n'));
  });

  it('adds, drops, ALL, and --privileged as Docker computes them', () => {
    assert.deepEqual(containerCapabilities(request({ capDrop: ['ALL'], capAdd: ['NET_ADMIN'] }), ALL), ['NET_ADMIN']);
    const withoutChown = containerCapabilities(request({ capDrop: ['CHOWN'] }), ALL);
    assert.equal(withoutChown.length, 13);
    assert.ok(!withoutChown.includes('CHOWN'));
    assert.deepEqual(containerCapabilities(request({ capAdd: ['ALL'], capDrop: ['SYS_ADMIN'] }), ALL), ALL.filter((c) => c !== 'SYS_ADMIN'));
    assert.deepEqual(containerCapabilities(request({ privileged: true, capDrop: ['ALL'] }), ALL), ALL);
  });

  it('never grants what this process lacks (this machine\'s root has no SYS_RESOURCE)', () => {
    const own = ownCapabilities('Name:\tnode\nCapBnd:\t000001fffeffffff\n');
    assert.ok(!own.includes('SYS_RESOURCE'));
    assert.ok(!containerCapabilities(request({ privileged: true }), own).includes('SYS_RESOURCE'));
    assert.ok(!containerCapabilities(request({ capAdd: ['SYS_RESOURCE'] }), own).includes('SYS_RESOURCE'));
  });

  it('root holds its set; another user only has it as its bounding set', () => {
    const names = containerCapabilities(request(), ALL);
    assert.deepEqual(capabilitySets(names, 0), { bounding: 0xa80425fbn, effective: 0xa80425fbn, permitted: 0xa80425fbn, inheritable: 0n, ambient: 0n });
    assert.deepEqual(capabilitySets(names, 1000), { bounding: 0xa80425fbn, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n });
  });
});
