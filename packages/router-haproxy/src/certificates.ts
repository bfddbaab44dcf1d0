import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, PlatformError, type RouterCertificate } from '@platform/types';
import { checkConfig } from './proxy-process.ts';
import { writeAtomic } from './runtime-ops.ts';

const CERT_ID_RE = /^[A-Za-z0-9_.-]{1,100}$/;

/** The files certificates live in (haproxy-config.ts `proxyFiles`). */
export interface CertificateFiles {
  certsDir: string;
  crtList: string;
  coveredMap: string;
  coveredWildcardsMap: string;
}

/**
 * Writes the certificates HAProxy serves: one PEM per certificate (chain then key, 0600, in a 0700 directory
 * under the router's own) and the crt-list naming them. Certificates no longer listed are removed. Ids become
 * file names, so they are checked against `[A-Za-z0-9_.-]` first (PLT_INVALID_PARAMS, nothing written).
 * Returns the previous files' contents, so a failed config check can put them back (`restoreCertificates`).
 */
export async function writeCertificates(
  files: CertificateFiles,
  certificates: readonly RouterCertificate[],
): Promise<Map<string, string>> {
  for (const c of certificates) {
    if (!CERT_ID_RE.test(c.id) || c.id.startsWith('.')) throw new PlatformError(ErrorCodes.invalidParams, `certificate id ${JSON.stringify(c.id)} is not a safe file name`);
    if (!c.chainPem.includes('BEGIN CERTIFICATE') || !/BEGIN (RSA |EC )?PRIVATE KEY/.test(c.keyPem)) {
      throw new PlatformError(ErrorCodes.invalidParams, `certificate ${c.id}: expected a PEM chain and a PEM private key`);
    }
  }
  const previous = await snapshotCertificates(files);
  await mkdir(files.certsDir, { recursive: true, mode: 0o700 });
  const wanted = new Set<string>();
  for (const c of certificates) {
    const path = join(files.certsDir, `${c.id}.pem`);
    wanted.add(path);
    await writeAtomic(path, `${c.chainPem.trim()}\n${c.keyPem.trim()}\n`);
  }
  for (const name of await readdir(files.certsDir).catch(() => [] as string[])) {
    const path = join(files.certsDir, name);
    if (!wanted.has(path)) await rm(path, { force: true });
  }
  await writeAtomic(files.crtList, [...wanted].map((p) => `${p}\n`).join(''));
  // The hostnames the certificates cover: where an app's redirect to HTTPS applies.
  const names = [...new Set(certificates.flatMap((c) => c.hostnames.map((h) => h.toLowerCase())))].filter((h) => /^(\*\.)?[a-z0-9.-]+$/.test(h));
  const line = (h: string) => `${h} 1\n`;
  await writeAtomic(files.coveredMap, names.filter((h) => !h.startsWith('*.')).map(line).join(''));
  await writeAtomic(files.coveredWildcardsMap, names.filter((h) => h.startsWith('*.')).map((h) => line(h.slice(2))).join(''));
  return previous;
}

/** Every certificate file and the crt-list as they are now (path → content). */
export async function snapshotCertificates(files: CertificateFiles): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of await readdir(files.certsDir).catch(() => [] as string[])) {
    const path = join(files.certsDir, name);
    out.set(path, await readFile(path, 'utf8'));
  }
  for (const path of [files.crtList, files.coveredMap, files.coveredWildcardsMap]) {
    const text = await readFile(path, 'utf8').catch(() => null);
    if (text !== null) out.set(path, text);
  }
  return out;
}

/** Puts back a snapshot: files it has are rewritten, certificate files it lacks are removed. */
export async function restoreCertificates(files: CertificateFiles, snapshot: Map<string, string>): Promise<void> {
  for (const name of await readdir(files.certsDir).catch(() => [] as string[])) {
    const path = join(files.certsDir, name);
    if (!snapshot.has(path)) await rm(path, { force: true });
  }
  for (const [path, text] of snapshot) await writeAtomic(path, text);
  for (const path of [files.crtList, files.coveredMap, files.coveredWildcardsMap]) if (!snapshot.has(path)) await rm(path, { force: true });
}

/** How many certificates the crt-list names (0 when there is none). */
export async function countCertificates(crtList: string): Promise<number> {
  return (await readFile(crtList, 'utf8').catch(() => '')).split('\n').filter((l) => l.trim()).length;
}

/**
 * Writes the certificates and, through `rewrite(count)`, the config that serves them (the TLS bind appears with
 * the first one), then checks it with `haproxy -c`, which loads every certificate. When HAProxy refuses, the
 * previous files and config are put back and PLT_INVALID_PARAMS says why: the running proxy never sees them.
 * The caller reloads on success.
 */
export async function installCertificates(
  files: CertificateFiles & { config: string },
  binary: string,
  certificates: readonly RouterCertificate[],
  rewrite: (count: number) => Promise<void>,
): Promise<void> {
  const previous = await writeCertificates(files, certificates);
  await rewrite(certificates.length);
  try {
    await checkConfig(binary, files.config);
  } catch (err) {
    await restoreCertificates(files, previous);
    await rewrite(await countCertificates(files.crtList));
    throw new PlatformError(ErrorCodes.invalidParams, `HAProxy refused the certificates: ${(err as Error).message}`, { cause: err });
  }
}
