import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { ErrorCodes, PlatformError } from '@platform/types';
import type { SniEndpointInput } from '@platform/store-postgres';

/** Days before expiry from which a certificate is flagged (and an automatic one renewed). */
export const EXPIRY_WARNING_DAYS = 30;

/**
 * What the platform keeps of a checked certificate bundle: the stored fields (chain leaf first, each PEM block
 * normalised; `domains` the leaf's subjectAltName DNS names, lower-case, `*.example.com` kept, else its CN), plus
 * human warnings, e.g. an expiry within EXPIRY_WARNING_DAYS days.
 */
export interface ParsedCertificate extends SniEndpointInput {
  warnings: string[];
}

const CERT_BLOCK_RE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

const invalid = (message: string, field = 'certificate_chain', cause?: unknown) =>
  new PlatformError(ErrorCodes.certificateInvalid, message, { details: { field }, ...(cause === undefined ? {} : { cause }) });

function parseKey(keyPem: unknown): KeyObject {
  if (typeof keyPem !== 'string' || !keyPem.includes('-----BEGIN')) throw invalid('private_key is required: the PEM private key of the certificate.', 'private_key');
  if (/ENCRYPTED/.test(keyPem)) throw invalid('The private key is encrypted: upload it without a passphrase (openssl pkey -in key.pem -out plain.pem).', 'private_key');
  try {
    return createPrivateKey({ key: keyPem, format: 'pem' });
  } catch (err) {
    throw invalid('The private key does not parse as a PEM private key (PKCS#1, PKCS#8 or SEC1).', 'private_key', err);
  }
}

/** The DNS names of a subjectAltName string (`DNS:a.example.com, DNS:*.example.com, IP Address:…`). */
function sanDnsNames(cert: X509Certificate): string[] {
  const names = (cert.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).trim().toLowerCase());
  if (names.length > 0) return names;
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
  return cn ? [cn.trim().toLowerCase()] : [];
}

/**
 * Checks a certificate bundle as Heroku's SNI endpoints do, and returns what the API shows: every PEM block parses
 * (X.509), the key parses (unencrypted) and matches the leaf, each certificate is issued and signed by the next
 * (leaf first: RFC 8446 §4.4.2's order), the leaf is valid now. A leaf expiring within EXPIRY_WARNING_DAYS days is
 * accepted with a warning.
 *
 * @throws PLT_CERTIFICATE_INVALID saying which check failed (details.field: certificate_chain or private_key).
 */
export function parseCertificateBundle(chainPem: unknown, keyPem: unknown, now = new Date()): ParsedCertificate {
  if (typeof chainPem !== 'string') throw invalid('certificate_chain is required: the PEM certificate, then its intermediates.');
  const blocks = chainPem.match(CERT_BLOCK_RE) ?? [];
  if (blocks.length === 0) throw invalid('certificate_chain holds no PEM certificate (-----BEGIN CERTIFICATE-----).');
  const chain = blocks.map((pem, i) => {
    try {
      return new X509Certificate(pem);
    } catch (err) {
      throw invalid(`Certificate ${i + 1} of the chain does not parse as X.509.`, 'certificate_chain', err);
    }
  });
  const key = parseKey(keyPem);
  const leaf = chain[0]!;
  if (!leaf.checkPrivateKey(key)) throw invalid('The private key does not match the certificate (the first one of the chain).', 'private_key');
  for (let i = 0; i + 1 < chain.length; i++) {
    const [child, parent] = [chain[i]!, chain[i + 1]!];
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      throw invalid(`Certificate ${i + 2} of the chain did not issue certificate ${i + 1}: order the chain leaf first, then each issuer.`);
    }
  }
  const startsAt = new Date(leaf.validFrom);
  const expiresAt = new Date(leaf.validTo);
  if (expiresAt.getTime() <= now.getTime()) throw invalid(`The certificate expired on ${expiresAt.toISOString()}.`);
  if (startsAt.getTime() > now.getTime()) throw invalid(`The certificate is not valid before ${startsAt.toISOString()}.`);
  const domains = sanDnsNames(leaf);
  if (domains.length === 0) throw invalid('The certificate names no domain (no DNS subjectAltName, no CN).');
  const daysLeft = Math.floor((expiresAt.getTime() - now.getTime()) / 86_400_000);
  const warnings = daysLeft < EXPIRY_WARNING_DAYS ? [`The certificate expires in ${daysLeft} days (${expiresAt.toISOString()}).`] : [];
  return {
    chainPem: blocks.map((b) => `${b}\n`).join(''),
    keyPem: key.export({ format: 'pem', type: 'pkcs8' }).toString(),
    domains,
    subject: leaf.subject.replace(/\n/g, ', '),
    issuer: leaf.issuer.replace(/\n/g, ', '),
    selfSigned: leaf.checkIssued(leaf) && leaf.verify(leaf.publicKey),
    startsAt,
    expiresAt,
    warnings,
  };
}
