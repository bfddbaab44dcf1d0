import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { ErrorCodes, PlatformError } from '@platform/types';

/** LDH label (RFC 1035 §2.3.1, as relaxed by RFC 1123 §2.1): letters, digits, inner hyphens; 1–63 octets. */
const LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const invalid = (input: string, why: string) =>
  new PlatformError(ErrorCodes.domainInvalid, `${JSON.stringify(input)} is not a valid hostname: ${why}.`, { details: { field: 'hostname' } });

/**
 * A hostname as the platform stores it: lower-case, IDN labels in punycode (IDNA, RFC 5890/5891, via node's
 * `domainToASCII`), no trailing dot; a wildcard is `*.` followed by at least two labels (`*.example.com`).
 * Rules: at most 253 characters in all (RFC 1035 §2.3.4), labels of 1–63 letters, digits and inner hyphens,
 * at least two labels, a top-level label that is not all digits; IP addresses are refused.
 *
 *   normalizeHostname('WWW.Bücher.example.') // 'www.xn--bcher-kva.example'
 *
 * @throws PLT_DOMAIN_INVALID with what is wrong.
 */
export function normalizeHostname(input: unknown): string {
  if (typeof input !== 'string' || input.trim() === '') {
    throw new PlatformError(ErrorCodes.domainInvalid, 'hostname is required (e.g. www.example.com).', { details: { field: 'hostname' } });
  }
  const raw = input.trim();
  let name = raw.toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (isIP(name) !== 0 || isIP(name.replace(/^\[|\]$/g, '')) !== 0) throw invalid(raw, 'IP addresses cannot be added as domains');
  const wildcard = name.startsWith('*.');
  const rest = wildcard ? name.slice(2) : name;
  if (rest.includes('*')) throw invalid(raw, 'a wildcard must be the whole first label, as in *.example.com');
  // domainToASCII maps IDN labels to punycode and answers '' for names IDNA refuses.
  const ascii = /^[\x21-\x7e]*$/.test(rest) ? rest : domainToASCII(rest);
  if (ascii === '') throw invalid(raw, 'it is not a valid internationalized domain name');
  const labels = ascii.split('.');
  if (labels.length < 2) throw invalid(raw, 'it needs at least two labels, as in example.com');
  for (const label of labels) {
    if (label.length === 0) throw invalid(raw, 'it has an empty label');
    if (label.length > 63) throw invalid(raw, `the label ${label.slice(0, 20)}… is longer than 63 characters`);
    if (!LABEL_RE.test(label)) throw invalid(raw, `the label ${JSON.stringify(label)} may hold only letters, digits and inner hyphens`);
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) throw invalid(raw, 'the top-level label cannot be all digits');
  if (labels.some((l) => l.startsWith('xn--')) && domainToASCII(ascii) === '') throw invalid(raw, 'a punycode (xn--) label does not decode');
  if (labels.length === 4 && labels.every((l) => /^[0-9]+$/.test(l))) throw invalid(raw, 'IP addresses cannot be added as domains');
  const hostname = (wildcard ? '*.' : '') + ascii;
  if (hostname.length > 253) throw invalid(raw, 'it is longer than 253 characters');
  return hostname;
}

/** True when `hostname` is `domain` or under it (`x.domain`, `*.domain`). */
export function isUnderDomain(hostname: string, domain: string): boolean {
  return hostname === domain || hostname.endsWith(`.${domain}`);
}

/**
 * True when a certificate name (`www.example.com` or `*.example.com`) covers `hostname`: equal, or a wildcard
 * matching exactly one left-most label (RFC 6125 §6.4.3). A wildcard hostname is covered only by the same wildcard.
 */
export function certificateCovers(certName: string, hostname: string): boolean {
  if (certName === hostname) return true;
  if (!certName.startsWith('*.') || hostname.startsWith('*.')) return false;
  const dot = hostname.indexOf('.');
  return dot > 0 && hostname.slice(dot + 1) === certName.slice(2);
}
