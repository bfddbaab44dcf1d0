import type { Domain } from '../api-types.ts';
import { header, table, type Style } from './style.ts';

/**
 * `platform domains`, as Heroku's CLI prints it: the default domain under `=== <app> Heroku Domain`, then the
 * custom ones as a table (name, DNS record type, DNS target, SNI endpoint, and ACM status when any has one).
 */
export function formatDomains(app: string, domains: readonly Domain[], style: Style): string[] {
  const own = domains.filter((d) => d.kind === 'heroku');
  const custom = domains.filter((d) => d.kind !== 'heroku');
  const lines = [header(`${style.app(app)} Heroku Domain`), '', ...own.map((d) => d.hostname)];
  if (custom.length === 0) return lines;
  const acm = custom.some((d) => d.acm_status);
  const head = ['Domain Name', 'DNS Record Type', 'DNS Target', 'SNI Endpoint', ...(acm ? ['ACM Status'] : [])];
  const rows = custom.map((d) => [
    d.hostname,
    'CNAME',
    d.cname ?? '',
    d.sni_endpoint?.name ?? '',
    ...(acm ? [acmLabel(d)] : []),
  ]);
  return [...lines, '', header(`${style.app(app)} Custom Domains`), '', ...table([head, ...rows])];
}

/** `cert issued`, `pending`, or `failing: <reason>`. */
export function acmLabel(d: Domain): string {
  if (!d.acm_status) return '';
  return d.acm_status_reason && d.acm_status !== 'cert issued' ? `${d.acm_status}: ${d.acm_status_reason}` : d.acm_status;
}
