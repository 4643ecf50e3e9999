// -p/--publish specs: the supported form, and every refused form with its exact message.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { PortSpecError, bindingsOf, formatPort, formatPorts, hostAndPort, parseExpose, parsePublish, parsePublishSpec, portsCollide, savedPorts, type PortMapping } from '../../hooks/ports.js';

const HINT = 'use [IP:][HOST_PORT:]CONTAINER_PORT[/tcp|/udp], ports or ranges FIRST-LAST, e.g. -p 8080:80, -p 80, -p 8000-8002:80-82, -p 127.0.0.1::53/udp or -p [::1]:8080:80';

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
  it('HOST_PORT:CTR_PORT: every host address (both families), tcp', () => {
    assert.deepEqual(parsePublish('8080:80'), { hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' });
  });

  it('IP:HOST_PORT:CTR_PORT/udp', () => {
    assert.deepEqual(parsePublish('127.0.0.1:8080:80/udp'), { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'udp' });
  });

  it('explicit tcp, bounds, Docker-style lower-casing and leading zeros', () => {
    assert.deepEqual(parsePublish('1:65535/tcp'), { hostIp: '', hostPort: 1, containerPort: 65535, protocol: 'tcp' });
    assert.equal(parsePublish('53:53/UDP').protocol, 'udp');
    assert.equal(parsePublish('080:80').hostPort, 80);
    assert.equal(parsePublish('0.0.0.0:80:80').hostIp, '0.0.0.0', 'an explicit 0.0.0.0 is IPv4 only, as Docker has it');
    assert.equal(parsePublish('[10.0.0.1]:80:80').hostIp, '10.0.0.1', 'brackets are stripped like Docker does');
  });

  it('no host port: one picked at random (0), on every address or the one given', () => {
    assert.deepEqual(parsePublish('80'), { hostIp: '', hostPort: 0, containerPort: 80, protocol: 'tcp' });
    assert.deepEqual(parsePublish('80/udp'), { hostIp: '', hostPort: 0, containerPort: 80, protocol: 'udp' });
    assert.deepEqual(parsePublish('::80'), { hostIp: '', hostPort: 0, containerPort: 80, protocol: 'tcp' }, "Docker's split: empty IP, empty host port");
    assert.deepEqual(parsePublish('127.0.0.1::80'), { hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' });
    assert.deepEqual(parsePublish('[::1]::53/udp'), { hostIp: '::1', hostPort: 0, containerPort: 53, protocol: 'udp' });
  });

  it('IPv6 host addresses, bracketed or not, in their one canonical form', () => {
    assert.deepEqual(parsePublish('[::1]:8080:80'), { hostIp: '::1', hostPort: 8080, containerPort: 80, protocol: 'tcp' });
    assert.equal(parsePublish('[::]:8080:80').hostIp, '::');
    assert.equal(parsePublish('::1:8080:80').hostIp, '::1');
    assert.equal(parsePublish('[0:0:0:0:0:0:0:1]:8080:80').hostIp, '::1');
    assert.equal(parsePublish('[FD00::A]:8080:80').hostIp, 'fd00::a');
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
    refused('http', 'container port "http" is not a number');
  });

  it('refuses a range where one port is expected (parsePublishSpec takes ranges)', () => {
    refused('8000-8001:80-81', 'a range of ports where one is expected');
    refused('80-81', 'a range of ports where one is expected');
  });
});

describe('parsePublishSpec', () => {
  it('gives one request per port of a range, host and container ports paired in order', () => {
    assert.deepEqual(parsePublishSpec('127.0.0.1:8000-8002:80-82/udp'), [
      { hostIp: '127.0.0.1', hostPort: 8000, containerPort: 80, protocol: 'udp' },
      { hostIp: '127.0.0.1', hostPort: 8001, containerPort: 81, protocol: 'udp' },
      { hostIp: '127.0.0.1', hostPort: 8002, containerPort: 82, protocol: 'udp' },
    ]);
    assert.deepEqual(
      parsePublishSpec('80-81').map((m) => [m.hostPort, m.containerPort]),
      [
        [0, 80],
        [0, 81],
      ],
      'a container range alone: each on a picked host port',
    );
    assert.deepEqual(parsePublishSpec('8080:80'), [{ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
  });

  it('refuses ranges that do not pair up, go backwards or are too long, naming the spec', () => {
    const refusedSpec = (spec: string, reason: string) =>
      assert.throws(() => parsePublishSpec(spec), (e: unknown) => e instanceof PortSpecError && e.message === `invalid publish spec "${spec}": ${reason}`);
    refusedSpec('8000-8010:80', 'a range of host ports for one container port is not supported (give one host port)');
    refusedSpec('8000-8001:80-82', 'the host and container ranges are not the same length');
    refusedSpec('8080:80-81', 'the host and container ranges are not the same length');
    refusedSpec('90-80', 'container port range 90-80 goes from high to low');
    refusedSpec('1-5000', 'a range of more than 1000 ports');
    refusedSpec('8000-70000:80-100', 'host port 70000 is not between 1 and 65535');
  });

  it('refuses bad host addresses', () => {
    refused('1.2.3:80:80', '"1.2.3" is not a valid IP address');
    refused('256.0.0.1:80:80', '"256.0.0.1" is not a valid IP address');
    refused('localhost:80:80', '"localhost" is not a valid IP address');
    refused('[::1:80:80', '"[::1" is not a valid IP address');
    refused('[::g]:80:80', '"::g" is not a valid IP address');
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

describe('bindingsOf', () => {
  it('every address: 0.0.0.0 and, with IPv6, :: on one host port', () => {
    assert.deepEqual(bindingsOf(parsePublish('80'), 49153, true), [
      { hostIp: '0.0.0.0', hostPort: 49153, containerPort: 80, protocol: 'tcp' },
      { hostIp: '::', hostPort: 49153, containerPort: 80, protocol: 'tcp' },
    ]);
    assert.deepEqual(bindingsOf(parsePublish('8080:80'), 8080, false), [{ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp' }], 'a host without IPv6');
  });
  it('an address given: only there (127.0.0.1 never on IPv6, ::1 never on IPv4)', () => {
    assert.deepEqual(bindingsOf(parsePublish('127.0.0.1:8080:80'), 8080, true), [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
    assert.deepEqual(bindingsOf(parsePublish('[::1]:8080:80'), 8080, true), [{ hostIp: '::1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
  });
});

describe('formatPort and hostAndPort', () => {
  it("ps is Docker's: unbracketed, so :: reads ':::'", () => {
    const [v4, v6] = bindingsOf(parsePublish('80'), 49153, true);
    assert.equal(`${formatPort(v4!)}, ${formatPort(v6!)}`, '0.0.0.0:49153->80/tcp, :::49153->80/tcp');
    assert.equal(formatPort({ hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, protocol: 'udp' }), '127.0.0.1:5353->53/udp');
  });
  it('port and errors bracket IPv6', () => {
    assert.equal(hostAndPort('::', 8080), '[::]:8080');
    assert.equal(hostAndPort('0.0.0.0', 8080), '0.0.0.0:8080');
  });
});

describe('portsCollide', () => {
  const p = (hostIp: string, hostPort: number, protocol: 'tcp' | 'udp' = 'tcp'): PortMapping => ({ hostIp, hostPort, containerPort: 80, protocol });

  it('same IP, port and protocol collide, whatever the container port', () => {
    assert.equal(portsCollide(p('127.0.0.1', 8080), { ...p('127.0.0.1', 8080), containerPort: 81 }), true);
  });
  it('0.0.0.0 overlaps every IPv4 address, :: every IPv6 one, in both directions', () => {
    assert.equal(portsCollide(p('0.0.0.0', 8080), p('10.0.0.1', 8080)), true);
    assert.equal(portsCollide(p('10.0.0.1', 8080), p('0.0.0.0', 8080)), true);
    assert.equal(portsCollide(p('0.0.0.0', 8080), p('0.0.0.0', 8080)), true);
    assert.equal(portsCollide(p('::', 8080), p('::1', 8080)), true);
    assert.equal(portsCollide(p('::1', 8080), p('0:0::1', 8080)), true, 'one address written two ways');
  });
  it('the families do not overlap (IPv6 listeners are IPv6-only); a request for every address overlaps all', () => {
    assert.equal(portsCollide(p('0.0.0.0', 8080), p('::', 8080)), false);
    assert.equal(portsCollide(p('127.0.0.1', 8080), p('::1', 8080)), false);
    assert.equal(portsCollide(p('', 8080), p('::1', 8080)), true);
    assert.equal(portsCollide(p('127.0.0.1', 8080), p('', 8080)), true);
  });
  it('different IPs, ports or protocols do not collide', () => {
    assert.equal(portsCollide(p('127.0.0.1', 8080), p('10.0.0.1', 8080)), false);
    assert.equal(portsCollide(p('0.0.0.0', 8080), p('0.0.0.0', 8081)), false);
    assert.equal(portsCollide(p('0.0.0.0', 53, 'tcp'), p('0.0.0.0', 53, 'udp')), false);
  });
});

describe('parseExpose', () => {
  it("keys ports as Docker's ExposedPorts, ranges expanded", () => {
    assert.deepEqual(parseExpose('80'), ['80/tcp']);
    assert.deepEqual(parseExpose('53/UDP'), ['53/udp']);
    assert.deepEqual(parseExpose('8000-8002/udp'), ['8000/udp', '8001/udp', '8002/udp']);
  });
  it('refuses what cannot be published, naming it', () => {
    const refusedExpose = (spec: string, message: string, what?: string) =>
      assert.throws(() => parseExpose(spec, what), (e: unknown) => e instanceof PortSpecError && e.message === message);
    refusedExpose('http', 'invalid --expose "http": "http" is not a port number');
    refusedExpose('0', 'invalid --expose "0": ports are between 1 and 65535, a range from low to high');
    refusedExpose('90-80', 'invalid --expose "90-80": ports are between 1 and 65535, a range from low to high');
    refusedExpose('1-5000', 'invalid --expose "1-5000": a range of more than 1000 ports');
    refusedExpose('80/sctp', 'invalid the image\'s EXPOSE "80/sctp": protocol "sctp" is not supported (use tcp or udp)', "the image's EXPOSE");
  });
});

describe('savedPorts', () => {
  const binding = { hostIp: '::', hostPort: 49153, containerPort: 80, protocol: 'tcp' } as const;
  it('what the network plugin saved, when it did (ports picked at random included)', () => {
    assert.deepEqual(savedPorts({ publish: ['80'] }, { 'mydocker:network': { ports: [binding, { junk: true }] } }), [binding]);
  });
  it("an older record's: its -p specs, IPv4, those with a host port", () => {
    assert.deepEqual(savedPorts({ publish: ['8080:80', '81', '127.0.0.1:53:53/udp'] }, {}), [
      { hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
      { hostIp: '127.0.0.1', hostPort: 53, containerPort: 53, protocol: 'udp' },
    ]);
    assert.deepEqual(savedPorts({}, {}), []);
  });
});

describe('formatPorts', () => {
  it("joins consecutive ports on consecutive host ports into one range, per address and protocol, as Docker's ps", () => {
    const on = (hostIp: string, hostPort: number, containerPort: number, protocol: 'tcp' | 'udp' = 'tcp'): PortMapping => ({ hostIp, hostPort, containerPort, protocol });
    const ports = [on('0.0.0.0', 8000, 80), on('::', 8000, 80), on('0.0.0.0', 8001, 81), on('::', 8001, 81), on('0.0.0.0', 8002, 82), on('::', 8002, 82)];
    // The order the driver saves them in: address by address for each port.
    assert.equal(formatPorts(ports), '0.0.0.0:8000-8002->80-82/tcp, :::8000-8002->80-82/tcp');
    assert.equal(formatPorts([on('0.0.0.0', 8080, 80), on('0.0.0.0', 9000, 81), on('0.0.0.0', 9001, 82, 'udp')]), '0.0.0.0:8080->80/tcp, 0.0.0.0:9000->81/tcp, 0.0.0.0:9001->82/udp');
    assert.equal(formatPorts([]), '');
  });
});
