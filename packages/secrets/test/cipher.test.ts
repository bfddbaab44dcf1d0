import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createCipher, parseSecretKey, generateToken, hashToken } from '../src/index.ts';

describe('cipher', () => {
  const cipher = createCipher(randomBytes(32));

  it('round-trips byte-exact values and never emits the plaintext', () => {
    const value = 'a "quoted" $(id) `x`\nnew line ☃ ';
    const blob = cipher.sealJson({ KEY: value });
    expect(blob.includes(Buffer.from(value))).toBe(false);
    expect(cipher.openJson<{ KEY: string }>(blob).KEY).toBe(value);
  });

  it('uses a fresh nonce per seal', () => {
    expect(cipher.seal(Buffer.from('x')).equals(cipher.seal(Buffer.from('x')))).toBe(false);
  });

  it('refuses a blob sealed with another key, or altered', () => {
    const other = createCipher(randomBytes(32));
    const blob = cipher.seal(Buffer.from('secret'));
    expect(() => other.open(blob)).toThrow(expect.objectContaining({ code: 'PLT_DECRYPT_FAILED' }));
    const altered = Buffer.from(blob);
    altered[altered.length - 1]! ^= 1;
    expect(() => cipher.open(altered)).toThrow(expect.objectContaining({ code: 'PLT_DECRYPT_FAILED' }));
  });

  it('parses hex and base64 keys and rejects other lengths', () => {
    const key = randomBytes(32);
    expect(parseSecretKey(key.toString('hex')).equals(key)).toBe(true);
    expect(parseSecretKey(key.toString('base64')).equals(key)).toBe(true);
    expect(() => parseSecretKey('abcd')).toThrow(expect.objectContaining({ code: 'PLT_INVALID_SECRET_KEY' }));
  });

  it('generates distinct tokens whose hashes are stable', () => {
    const a = generateToken();
    expect(a).toMatch(/^plt_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(generateToken());
    expect(hashToken(a).equals(hashToken(a))).toBe(true);
  });
});
