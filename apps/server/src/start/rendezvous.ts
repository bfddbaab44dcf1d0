import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.ts';
import type { AttachSessions } from '../api/routes/one-offs.ts';
import { startRendezvousListener } from '../api/rendezvous.ts';
import type { CleanupStack } from './cleanup-stack.ts';

/**
 * Starts `heroku run`'s attach transport (api/rendezvous.ts) when PLATFORM_RENDEZVOUS_PORT is set: on the API's
 * address, redeeming the API's attach secrets, its certificate from rendezvousIdentity. Resolves with its port,
 * or null when off; the listener closes with the server (`cleanups`).
 */
export async function startRendezvous(
  config: Readonly<ServerConfig>,
  options: { hostname: string; sessions: AttachSessions; logger: Logger; cleanups: CleanupStack },
): Promise<number | null> {
  if (config.rendezvousPort === null) return null;
  const identity = await rendezvousIdentity(config, options.hostname);
  const listener = await startRendezvousListener({ host: config.host, port: config.rendezvousPort, cert: identity.cert, key: identity.key, sessions: options.sessions, logger: options.logger });
  options.cleanups.defer(() => listener.close());
  options.logger.info({ port: listener.port, selfSigned: identity.selfSigned }, 'rendezvous listener (heroku run) listening');
  return listener.port;
}

/**
 * The rendezvous listener's TLS certificate and key: the configured ones (PLATFORM_RENDEZVOUS_CERT / _KEY, e.g. the
 * edge's certificate for the API's host name), else a self-signed one for `hostname`, made at first start into
 * `<dataDir>/rendezvous.crt` and `rendezvous.key` (0600) and reused after (delete both to make a new one).
 * `heroku run` checks certificates: with the self-signed one it needs HEROKU_SSL_VERIFY=disable (see README).
 */
export async function rendezvousIdentity(
  config: { rendezvousCert: string | null; rendezvousKey: string | null; dataDir: string },
  hostname: string,
): Promise<{ cert: string; key: string; selfSigned: boolean }> {
  if (config.rendezvousCert !== null && config.rendezvousKey !== null) return { cert: config.rendezvousCert, key: config.rendezvousKey, selfSigned: false };
  const certFile = path.join(config.dataDir, 'rendezvous.crt');
  const keyFile = path.join(config.dataDir, 'rendezvous.key');
  try {
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8'), selfSigned: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const made = await selfSignedCertificate(hostname.replace(/^\[(.*)\]$/, '$1'));
  await writeFile(keyFile, made.key, { mode: 0o600 });
  await writeFile(certFile, made.cert, { mode: 0o600 });
  return { ...made, selfSigned: true };
}

/** A self-signed P-256 certificate for `hostname` (a DNS name or an IP address), valid ten years (@peculiar/x509). */
export async function selfSignedCertificate(hostname: string): Promise<{ cert: string; key: string }> {
  type Params = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>;
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: `01${randomBytes(15).toString('hex')}`,
      name: `CN=${hostname}`,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 10 * 365 * 86_400_000),
      signingAlgorithm: algorithm,
      keys: keys as unknown as Params[0]['keys'],
      extensions: [
        new x509.SubjectAlternativeNameExtension([{ type: isIP(hostname) ? 'ip' : 'dns', value: hostname }]),
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ],
    },
    webcrypto as unknown as Params[1],
  );
  const key = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }) as string;
  return { cert: cert.toString('pem'), key };
}
