import { X509Certificate } from 'node:crypto';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import * as acme from 'acme-client';
import { ErrorCodes, PlatformError, type Router } from '@platform/types';
import type { Store } from '@platform/store-postgres';

/** A certificate an ACME CA issued: chain PEM (leaf first), its key PEM, its expiry. */
export interface IssuedCertificate {
  chainPem: string;
  keyPem: string;
  expiresAt: Date;
}

export interface AcmeIssuer {
  /** Proves control of `hostname` over http-01 and returns its certificate. @throws PLT_ACME_FAILED with the CA's reason. */
  issue(hostname: string): Promise<IssuedCertificate>;
}

export interface AcmeIssuerOptions {
  directoryUrl: string;
  email: string | null;
  /** PEM roots to trust for the ACME server's HTTPS besides the system's (a test CA such as pebble's). */
  caPem: string | null;
  accounts: Pick<Store['acmeAccounts'], 'get' | 'save'>;
  /** The data path that answers `/.well-known/acme-challenge/<token>` on any host (the router driver). */
  edge: Pick<Router, 'setChallenge'>;
}

/** The most useful line of an ACME failure: the problem document's detail when the CA sent one. */
function reasonOf(err: unknown): string {
  const e = err as { message?: string; response?: { data?: { detail?: string } } };
  return (e.response?.data?.detail ?? e.message ?? String(err)).replace(/\s+/g, ' ').slice(0, 500);
}

/**
 * ACME (RFC 8555) with the `acme-client` package: one account per directory URL (its ECDSA key created once and
 * kept sealed by the store), http-01 challenges (RFC 8555 §8.3) whose key authorizations the router itself serves
 * (`edge.setChallenge`, live before the CA is told to validate, removed after), one ECDSA P-256 key per
 * certificate. Wildcards are refused: they need dns-01.
 *
 *   const issuer = createAcmeIssuer({ directoryUrl, email, caPem: null, accounts: store.acmeAccounts, edge: router });
 *   const cert = await issuer.issue('www.example.com');
 */
export function createAcmeIssuer(options: AcmeIssuerOptions): AcmeIssuer {
  if (options.caPem) {
    // acme-client talks through its own axios instance: trust the extra root there (process-wide, one CA here).
    acme.axios.defaults.httpsAgent = new Agent({ ca: [...rootCertificates, options.caPem] });
  }
  let client: Promise<acme.Client> | null = null;

  async function openClient(): Promise<acme.Client> {
    const saved = await options.accounts.get(options.directoryUrl);
    const keyPem = saved?.keyPem ?? (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
    if (!saved) await options.accounts.save({ directoryUrl: options.directoryUrl, keyPem, accountUrl: null });
    return new acme.Client({
      directoryUrl: options.directoryUrl,
      accountKey: keyPem,
      ...(saved?.accountUrl ? { accountUrl: saved.accountUrl } : {}),
      backoffAttempts: 10,
      backoffMin: 500,
      backoffMax: 5_000,
    });
  }

  return {
    async issue(hostname) {
      if (hostname.startsWith('*.')) {
        throw new PlatformError(ErrorCodes.acmeFailed, 'Wildcard domains need a DNS-01 challenge, which is not supported: upload a certificate with certs:add.');
      }
      client ??= openClient().catch((err) => {
        client = null;
        throw err;
      });
      const acmeClient = await client;
      try {
        const [key, csr] = await acme.crypto.createCsr({ altNames: [hostname] }, await acme.crypto.createPrivateEcdsaKey('P-256'));
        const chainPem = await acmeClient.auto({
          csr,
          ...(options.email ? { email: options.email } : {}),
          termsOfServiceAgreed: true,
          challengePriority: ['http-01'],
          // The CA checks; a pre-check from here would need the domain's DNS to point back at this host.
          skipChallengeVerification: true,
          challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
            if (challenge.type !== 'http-01') throw new Error(`unsupported challenge ${challenge.type}`);
            // Awaited: acme-client asks the CA to validate once this resolves, so the answer must be live.
            await options.edge.setChallenge(challenge.token, keyAuthorization);
          },
          challengeRemoveFn: async (_authz, challenge) => {
            await options.edge.setChallenge(challenge.token, null);
          },
        });
        const saved = await options.accounts.get(options.directoryUrl);
        if (saved && !saved.accountUrl) await options.accounts.save({ ...saved, accountUrl: acmeClient.getAccountUrl() });
        return { chainPem, keyPem: key.toString(), expiresAt: new Date(new X509Certificate(chainPem).validTo) };
      } catch (err) {
        throw new PlatformError(ErrorCodes.acmeFailed, `The ACME server refused ${hostname}: ${reasonOf(err)}`, { cause: err });
      }
    },
  };
}
