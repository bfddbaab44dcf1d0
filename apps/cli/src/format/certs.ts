import type { SniEndpoint } from '../api-types.ts';
import { styledObject, table } from './style.ts';

/** `2026-12-30 21:34 UTC`, as Heroku's certs commands print dates. */
export function certDate(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

/** `platform certs`: one row per endpoint (name, names covered, expiry, trusted, type, domains covered). */
export function formatCerts(endpoints: readonly SniEndpoint[]): string[] {
  const rows = endpoints.map((e) => [
    e.name,
    (e.ssl_cert?.cert_domains ?? []).join(', '),
    certDate(e.ssl_cert?.expires_at),
    e.ssl_cert?.['ca_signed?'] ? 'True' : 'False',
    'SNI',
    String(e.domains?.length ?? 0),
  ]);
  return table([['Name', 'Common Name(s)', 'Expires', 'Trusted', 'Type', 'Domains'], ...rows]);
}

/** `Certificate details:` then the fields, as `certs:add` and `certs:info` print them; then any warning. */
export function formatCertDetails(e: SniEndpoint): string[] {
  const c = e.ssl_cert ?? {};
  return [
    'Certificate details:',
    ...styledObject([
      ['Common Name(s)', (c.cert_domains ?? []).join(', ')],
      ['Expires At', certDate(c.expires_at)],
      ['Issuer', c.issuer ?? ''],
      ['Starts At', certDate(c.starts_at)],
      ['Subject', c.subject ?? ''],
    ]),
    ...(c['self_signed?'] ? ['SSL certificate is self signed.'] : ['SSL certificate is verified by a root authority.']),
  ];
}
