import { describe, expect, it } from 'vitest';
import { exposedAddresses, isLoopbackHost, plainHttpWarning } from '../src/listener-exposure.ts';

describe('isLoopbackHost', () => {
  it.each<[string, boolean]>([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['127.255.255.255', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['0000:0000:0000:0000:0000:0000:0000:0001', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['fe80::1%lo', false],
    ['0.0.0.0', false],
    ['::', false],
    ['0:0:0:0:0:0:0:0', false],
    ['::ffff:10.0.0.1', false],
    ['::ffff:0.0.0.0', false],
    ['10.0.0.5', false],
    ['192.168.1.10', false],
    ['128.0.0.1', false],
    ['1.127.0.0', false],
    ['::2', false],
    ['1::1', false],
    ['2001:db8::1', false],
    ['example.com', false],
    ['localhost.example.com', false],
    ['', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('plainHttpWarning', () => {
  it.each<[string[], string[]]>([
    [['127.0.0.1'], []],
    [['127.0.0.1', '::1'], []],
    [['0.0.0.0'], ['0.0.0.0']],
    [['::'], ['::']],
    [['127.0.0.1', '10.0.0.5'], ['10.0.0.5']],
    [[], []],
  ])('%j exposes %j', (addresses, exposed) => {
    expect(exposedAddresses(addresses)).toEqual(exposed);
    const warning = plainHttpWarning(addresses, 5000);
    if (exposed.length === 0) expect(warning).toBeNull();
    else expect(warning).toMatch(/clear text.*TLS.*SSH tunnel/);
  });

  it('names where it listens, with IPv6 in brackets, and how to tunnel to that port', () => {
    expect(plainHttpWarning(['::'], 5000)).toContain('listen on [::]:5000 over plain HTTP');
    expect(plainHttpWarning(['0.0.0.0'], 5123)).toContain('ssh -L 5123:127.0.0.1:5123');
  });
});
