import { describe, expect, it } from 'vitest';
import { certificateCovers, isUnderDomain, normalizeHostname } from '../../src/services/hostnames.ts';

describe('normalizeHostname', () => {
  it.each([
    ['www.example.com', 'www.example.com'],
    ['WWW.Example.COM.', 'www.example.com'],
    ['  api.example.com ', 'api.example.com'],
    ['*.example.com', '*.example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['*.Bücher.example', '*.xn--bcher-kva.example'],
    ['a-b.c-d.example', 'a-b.c-d.example'],
    [`${'a'.repeat(63)}.example.com`, `${'a'.repeat(63)}.example.com`],
    ['1.2.3.example', '1.2.3.example'],
  ])('keeps %j as %j', (input, expected) => {
    expect(normalizeHostname(input)).toBe(expected);
  });

  const long = `${Array.from({ length: 4 }, () => 'a'.repeat(63)).join('.')}.com`; // 4×63 + 3 dots + 4 = 259
  it.each([
    ['', /hostname is required/],
    [42, /hostname is required/],
    ['localhost', /at least two labels/],
    ['127.0.0.1', /IP addresses/],
    ['::1', /IP addresses/],
    ['[2001:db8::1]', /IP addresses/],
    ['a..example.com', /empty label/],
    ['-a.example.com', /letters, digits and inner hyphens/],
    ['a_b.example.com', /letters, digits and inner hyphens/],
    ['a b.example.com', /./],
    [`${'a'.repeat(64)}.example.com`, /longer than 63/],
    [long, /longer than 253/],
    ['www.*.example.com', /whole first label/],
    ['*example.com', /whole first label|letters/],
    ['*.com', /at least two labels/],
    ['example.123', /all digits/],
    ['xn--zz.example.com', /punycode|internationalized/],
    ['http://example.com', /./],
  ])('refuses %j', (input, message) => {
    expect(() => normalizeHostname(input)).toThrow(expect.objectContaining({ code: 'PLT_DOMAIN_INVALID', message: expect.stringMatching(message) }));
  });
});

describe('isUnderDomain and certificateCovers', () => {
  it('tells names under the platform domain', () => {
    expect(isUnderDomain('shop.apps.test', 'apps.test')).toBe(true);
    expect(isUnderDomain('*.apps.test', 'apps.test')).toBe(true);
    expect(isUnderDomain('apps.test', 'apps.test')).toBe(true);
    expect(isUnderDomain('myapps.test', 'apps.test')).toBe(false);
  });

  it('matches a wildcard certificate name to one label only (RFC 6125)', () => {
    expect(certificateCovers('www.example.com', 'www.example.com')).toBe(true);
    expect(certificateCovers('*.example.com', 'www.example.com')).toBe(true);
    expect(certificateCovers('*.example.com', 'a.b.example.com')).toBe(false);
    expect(certificateCovers('*.example.com', 'example.com')).toBe(false);
    expect(certificateCovers('*.example.com', '*.example.com')).toBe(true);
    expect(certificateCovers('www.example.com', '*.example.com')).toBe(false);
  });
});
