import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificateBundle } from '../../src/services/certificates.ts';
import { certificateFactory, type Pem } from '../support/certs.ts';

let certs: Awaited<ReturnType<typeof certificateFactory>>;
let ca: Pem & { name: string };
let intermediate: Pem & { name: string };
let leaf: Pem;
let other: Pem;

beforeAll(async () => {
  certs = await certificateFactory();
  ca = await certs.ca();
  leaf = await certs.leaf(ca, ['www.example.com', '*.example.com']);
  other = await certs.leaf(ca, ['other.example.com']);
  intermediate = { ...(await certs.leaf(ca, ['unused.example'])), name: 'unused' };
});
afterAll(() => certs?.cleanup());

const day = 86_400_000;

describe('parseCertificateBundle', () => {
  it('accepts a leaf with its chain, and shows its names, dates, issuer and no warning', () => {
    const p = parseCertificateBundle(leaf.cert + ca.cert, leaf.key);
    expect(p.domains).toEqual(['www.example.com', '*.example.com']);
    expect(p.subject).toBe('CN=www.example.com');
    expect(p.issuer).toBe('CN=Platform Test CA');
    expect(p.selfSigned).toBe(false);
    expect(p.expiresAt.getTime() - Date.now()).toBeGreaterThan(88 * day);
    expect(p.warnings).toEqual([]);
    expect(p.chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(p.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('tells a self-signed certificate, and warns within 30 days of expiry', async () => {
    const self = await certs.selfSigned(['self.example.com'], 10);
    const p = parseCertificateBundle(self.cert, self.key);
    expect(p.selfSigned).toBe(true);
    expect(p.warnings).toEqual([expect.stringMatching(/^The certificate expires in (9|10) days/)]);
  });

  it.each([
    ['no chain', () => [undefined, leaf.key], /certificate_chain is required/],
    ['no PEM block', () => ['hello', leaf.key], /no PEM certificate/],
    ['a broken block', () => ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', leaf.key], /does not parse as X\.509/],
    ['no key', () => [leaf.cert, ''], /private_key is required/],
    ['a broken key', () => [leaf.cert, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'], /does not parse/],
    ['an encrypted key', () => [leaf.cert, '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n'], /encrypted/],
    ['a key of another certificate', () => [leaf.cert, other.key], /does not match/],
    ['a chain in the wrong order', () => [ca.cert + leaf.cert, leaf.key], /does not match|did not issue/],
    ['a chain with a foreign certificate', () => [leaf.cert + intermediate.cert, leaf.key], /did not issue certificate 1/],
  ])('refuses %s', (_what, args, message) => {
    const [chain, key] = args();
    expect(() => parseCertificateBundle(chain, key)).toThrow(expect.objectContaining({ code: 'PLT_CERTIFICATE_INVALID', message: expect.stringMatching(message) }));
  });

  it('refuses an expired certificate and one not yet valid (the clock is a parameter)', () => {
    expect(() => parseCertificateBundle(leaf.cert, leaf.key, new Date(Date.now() + 400 * day))).toThrow(/expired on/);
    expect(() => parseCertificateBundle(leaf.cert, leaf.key, new Date(Date.now() - 2 * day))).toThrow(/not valid before/);
  });
});
