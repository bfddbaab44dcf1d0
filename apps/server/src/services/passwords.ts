import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { ErrorCodes, PlatformError } from '@platform/types';

/**
 * Passwords are hashed with scrypt (node:crypto; memory-hard, RFC 7914) at N = 2^15, r = 8, p = 1: 32 MiB and
 * ~50–100 ms per hash here. The stored form names its parameters, `scrypt$15$8$1$<salt b64>$<hash b64>`, so they can
 * be raised later without invalidating old hashes.
 */
const LOG2_N = 15;
const R = 8;
const P = 1;
const KEY_LEN = 32;
const MAX_MEM = 128 * 1024 * 1024;

/** The password rule: 10 to 256 characters, at least 5 different ones, not containing the e-mail's local part. */
export const PASSWORD_RULE = 'A password needs 10 to 256 characters, at least 5 of them different, and must not contain your e-mail name.';

function derive(password: string, salt: Buffer, options: ScryptOptions & { N: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LEN, { ...options, maxmem: MAX_MEM }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/**
 * Refuses a weak password (see PASSWORD_RULE).
 *
 * @throws PLT_INVALID_PARAMS with PASSWORD_RULE as the message's second sentence.
 */
export function checkPasswordRule(password: unknown, email: string): string {
  const weak = (why: string) => new PlatformError(ErrorCodes.invalidParams, `${why} ${PASSWORD_RULE}`);
  if (typeof password !== 'string' || password.length === 0) throw weak('A password is required.');
  const chars = [...password];
  if (chars.length < 10 || chars.length > 256) throw weak('That password is too short or too long.');
  if (new Set(chars).size < 5) throw weak('That password repeats too few characters.');
  const local = email.split('@')[0]!.toLowerCase();
  if (local.length >= 3 && password.toLowerCase().includes(local)) throw weak('That password contains your e-mail name.');
  return password;
}

/** The stored form of a password (a fresh 16-byte salt each time). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N: 2 ** LOG2_N, r: R, p: P });
  return `scrypt$${LOG2_N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** A hash no password matches, verified when the e-mail is unknown so that the answer takes as long either way. */
let decoy: Promise<string> | null = null;

/** True when `password` matches `stored` (constant-time comparison). A null or malformed `stored` takes as long and fails. */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = stored?.split('$') ?? [];
  if (parts.length !== 6 || parts[0] !== 'scrypt') {
    decoy ??= hashPassword(randomBytes(16).toString('hex'));
    await verifyPassword(password, await decoy);
    return false;
  }
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), { N: 2 ** Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}
