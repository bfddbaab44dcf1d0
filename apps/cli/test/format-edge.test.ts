import { describe, expect, it } from 'vitest';
import { formatDomains, acmLabel } from '../src/format/domains.ts';
import { formatCertDetails, formatCerts } from '../src/format/certs.ts';
import { plain } from '../src/format/style.ts';

describe('domains and certs output', () => {
  it('prints the default domain, then the custom ones as a table (ACM column only when used)', () => {
    const lines = formatDomains(
      'shop',
      [
        { id: '1', hostname: 'shop.apps.test', kind: 'heroku', cname: null },
        { id: '2', hostname: 'www.example.com', kind: 'custom', cname: 'shop.apps.test', sni_endpoint: { id: 'e', name: 'brave-otter-12' } },
        { id: '3', hostname: '*.example.com', kind: 'custom', cname: 'shop.apps.test', sni_endpoint: null },
      ],
      plain,
    );
    expect(lines).toEqual([
      '=== shop Heroku Domain',
      '',
      'shop.apps.test',
      '',
      '=== shop Custom Domains',
      '',
      'Domain Name      DNS Record Type  DNS Target      SNI Endpoint',
      'www.example.com  CNAME            shop.apps.test  brave-otter-12',
      '*.example.com    CNAME            shop.apps.test',
    ]);
    expect(formatDomains('shop', [{ id: '1', hostname: 'shop.apps.test', kind: 'heroku' }], plain)).toEqual(['=== shop Heroku Domain', '', 'shop.apps.test']);
    expect(acmLabel({ id: '2', hostname: 'a.example.com', kind: 'custom', acm_status: 'failing', acm_status_reason: 'connection refused' })).toBe('failing: connection refused');
  });

  it('prints certificates as Heroku does', () => {
    const endpoint = {
      id: 'e',
      name: 'brave-otter-12',
      domains: ['d1'],
      ssl_cert: { 'ca_signed?': true, 'self_signed?': false, cert_domains: ['www.example.com'], subject: 'CN=www.example.com', issuer: 'CN=Test CA', starts_at: '2026-11-01T00:00:00Z', expires_at: '2027-01-30T12:34:56Z' },
    };
    expect(formatCerts([endpoint])).toEqual([
      'Name            Common Name(s)   Expires               Trusted  Type  Domains',
      'brave-otter-12  www.example.com  2027-01-30 12:34 UTC  True     SNI   1',
    ]);
    expect(formatCertDetails(endpoint)).toEqual([
      'Certificate details:',
      'Common Name(s): www.example.com',
      'Expires At:     2027-01-30 12:34 UTC',
      'Issuer:         CN=Test CA',
      'Starts At:      2026-11-01 00:00 UTC',
      'Subject:        CN=www.example.com',
      'SSL certificate is verified by a root authority.',
    ]);
  });
});
