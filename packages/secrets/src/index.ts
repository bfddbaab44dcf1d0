import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Transform } from 'node:stream';
import { PlatformError } from '@platform/types';
import { createOpenStream, createSealStream } from './stream.ts';

export { STREAM_SEGMENT_BYTES } from './stream.ts';

/**
 * Authenticated encryption of config values at rest: AES-256-GCM, a fresh 96-bit nonce per value.
 * Layout of a sealed blob: version byte (1) | nonce (12) | tag (16) | ciphertext.
 *
 *   const cipher = createCipher(key);
 *   const blob = cipher.seal(Buffer.from('secret'));
 *   cipher.open(blob).toString(); // 'secret'
 */
export interface Cipher {
  seal(plaintext: Buffer): Buffer;
  /** Throws PlatformError PLT_DECRYPT_FAILED when the blob was sealed with another key or altered. */
  open(blob: Buffer): Buffer;
  sealJson(value: unknown): Buffer;
  openJson<T>(blob: Buffer): T;
  /**
   * Seals a stream of any length in 64 KiB authenticated segments (`stream.ts`), for data too large to hold in
   * memory (database dumps); `context` (e.g. a backup's id) must be given again to open it.
   */
  sealStream(context?: string): Transform;
  /** Opens what `sealStream` made; errors with PLT_DECRYPT_FAILED for another key or context, or altered/cut data. */
  openStream(context?: string): Transform;
}

const VERSION = 1;

export function createCipher(key: Buffer): Cipher {
  if (key.length !== 32) throw new PlatformError('PLT_INVALID_SECRET_KEY', 'The secret key must be 32 bytes.');
  const seal = (plaintext: Buffer): Buffer => {
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, nonce);
    const body = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([Buffer.from([VERSION]), nonce, c.getAuthTag(), body]);
  };
  const open = (blob: Buffer): Buffer => {
    if (blob.length < 29 || blob[0] !== VERSION) {
      throw new PlatformError('PLT_DECRYPT_FAILED', 'Encrypted data has an unknown format.');
    }
    try {
      const d = createDecipheriv('aes-256-gcm', key, blob.subarray(1, 13));
      d.setAuthTag(blob.subarray(13, 29));
      return Buffer.concat([d.update(blob.subarray(29)), d.final()]);
    } catch (err) {
      throw new PlatformError('PLT_DECRYPT_FAILED', 'Encrypted data cannot be decrypted with this key.', { cause: err });
    }
  };
  return {
    seal,
    open,
    sealJson: (value) => seal(Buffer.from(JSON.stringify(value), 'utf8')),
    openJson: <T>(blob: Buffer) => JSON.parse(open(blob).toString('utf8')) as T,
    sealStream: (context) => createSealStream(key, context),
    openStream: (context) => createOpenStream(key, context),
  };
}

/**
 * Parses a configured key: 64 hex chars or base64 of 32 bytes.
 */
export function parseSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new PlatformError(
      'PLT_INVALID_SECRET_KEY',
      'PLATFORM_SECRET_KEY must be 32 bytes, as 64 hex characters or base64 (try: openssl rand -hex 32).',
    );
  }
  return key;
}

/** Reads `<dataDir>/secret.key`, creating it (0600) with a random key on first use. */
export async function loadOrCreateKeyFile(dataDir: string): Promise<Buffer> {
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) return parseSecretKey(await readFile(file, 'utf8'));
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32);
  await writeFile(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}

/** API tokens: `plt_` + 256 random bits. Only their sha256 is stored. */
export function generateToken(): string {
  return 'plt_' + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Constant-time comparison of two secrets of any length. */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
