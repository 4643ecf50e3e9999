// -p/--publish specs: the supported form, and every refused form with its exact message.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { PortSpecError, formatPort, parsePublish, portsCollide, type PortMapping } from '../../hooks/ports.js';

const HINT = 'use [IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp], e.g. -p 8080:80 or -p 127.0.0.1:5353:53/udp';

const refused = (spec: string, reason: string) => {
  assert.throws(
    () => parsePublish(spec),
    (e: unknown) => {
      assert.ok(e instanceof PortSpecError, `${spec}: not a PortSpecError`);
      assert.equal(e.message, `invalid publish spec "${spec}": ${reason}`);
      assert.equal(e.hint, HINT);
      return true;
    },
  );
};

describe('parsePublish', () => {
  it('HOST_PORT:CTR_PORT listens on every address, tcp', () => {
    assert.deepEqual(parsePublish('8080:80'), { hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp' });
  });

  it('IP:HOST_PORT:CTR_PORT/udp', () => {
    assert.deepEqual(parsePublish('127.0.0.1:8080:80/udp'), { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'udp' });
  });

  it('explicit tcp, bounds, Docker-style lower-casing and leading zeros', () => {
    assert.deepEqual(parsePublish('1:65535/tcp'), { hostIp: '0.0.0.0', hostPort: 1, containerPort: 65535, protocol: 'tcp' });
    assert.equal(parsePublish('53:53/UDP').protocol, 'udp');
    assert.equal(parsePublish('080:80').hostPort, 80);
    assert.equal(parsePublish('0.0.0.0:80:80').hostIp, '0.0.0.0');
    assert.equal(parsePublish('[10.0.0.1]:80:80').hostIp, '10.0.0.1', 'brackets are stripped like Docker does');
  });

  it('refuses ports out of range or not numbers', () => {
    refused('0:80', 'host port 0 is not between 1 and 65535');
    refused('65536:80', 'host port 65536 is not between 1 and 65535');
    refused('8080:0', 'container port 0 is not between 1 and 65535');
    refused('8080:99999999', 'container port 99999999 is not between 1 and 65535');
    refused('+80:80', 'host port "+80" is not a number');
    refused('-80:80', 'host port "-80" is not a number');
    refused('80:80x', 'container port "80x" is not a number');
    refused(' 80:80', 'host port " 80" is not a number');
    refused('80:8.0', 'container port "8.0" is not a number');
    refused('http:80', 'host port "http" is not a number');
  });

  it('refuses a missing host port (Docker would pick one)', () => {
    refused('80', 'a host port is required (publishing to a random host port is not supported)');
    refused('::80', 'a host port is required (publishing to a random host port is not supported)');
    refused('127.0.0.1::80', 'a host port is required (publishing to a random host port is not supported)');
    refused('80/udp', 'a host port is required (publishing to a random host port is not supported)');
  });

  it('refuses port ranges', () => {
    refused('8000-8001:80-81', 'port ranges are not supported');
    refused('8000-8010:80', 'port ranges are not supported');
    refused('80-81', 'port ranges are not supported');
    refused('127.0.0.1:8000-8001:80-81/udp', 'port ranges are not supported');
  });

  it('refuses IPv6 host addresses', () => {
    refused('[::1]:80:80', 'IPv6 host addresses are not supported');
    refused('[::]:80:80', 'IPv6 host addresses are not supported');
    refused('::1:80:80', 'IPv6 host addresses are not supported');
  });

  it('refuses bad IPv4 host addresses', () => {
    refused('1.2.3:80:80', '"1.2.3" is not a valid IPv4 address');
    refused('256.0.0.1:80:80', '"256.0.0.1" is not a valid IPv4 address');
    refused('localhost:80:80', '"localhost" is not a valid IPv4 address');
  });

  it('refuses protocols other than tcp and udp', () => {
    refused('8080:80/sctp', 'protocol "sctp" is not supported (use tcp or udp)');
    refused('8080:80/', 'protocol "" is not supported (use tcp or udp)');
    refused('8080:80/tcp/udp', 'protocol "tcp/udp" is not supported (use tcp or udp)');
  });

  it('refuses an empty spec or container port', () => {
    refused('', 'no container port given');
    refused('8080:', 'no container port given');
    refused('8080:/tcp', 'no container port given');
  });
});

describe('formatPort', () => {
  it('is Docker ps style', () => {
    assert.equal(formatPort(parsePublish('8080:80')), '0.0.0.0:8080->80/tcp');
    assert.equal(formatPort(parsePublish('127.0.0.1:5353:53/udp')), '127.0.0.1:5353->53/udp');
  });
});

describe('portsCollide', () => {
  const p = (hostIp: string, hostPort: number, protocol: 'tcp' | 'udp' = 'tcp'): PortMapping => ({ hostIp, hostPort, containerPort: 80, protocol });

  it('same IP, port and protocol collide, whatever the container port', () => {
    assert.equal(portsCollide(p('127.0.0.1', 8080), { ...p('127.0.0.1', 8080), containerPort: 81 }), true);
  });
  it('0.0.0.0 overlaps every address, in both directions', () => {
    assert.equal(portsCollide(p('0.0.0.0', 8080), p('10.0.0.1', 8080)), true);
    assert.equal(portsCollide(p('10.0.0.1', 8080), p('0.0.0.0', 8080)), true);
    assert.equal(portsCollide(p('0.0.0.0', 8080), p('0.0.0.0', 8080)), true);
  });
  it('different IPs, ports or protocols do not collide', () => {
    assert.equal(portsCollide(p('127.0.0.1', 8080), p('10.0.0.1', 8080)), false);
    assert.equal(portsCollide(p('0.0.0.0', 8080), p('0.0.0.0', 8081)), false);
    assert.equal(portsCollide(p('0.0.0.0', 53, 'tcp'), p('0.0.0.0', 53, 'udp')), false);
  });
});
