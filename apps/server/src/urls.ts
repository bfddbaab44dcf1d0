/**
 * The URLs the API hands out (app JSON's `git_url` and `web_url`, log-session and attach URLs), from
 * PLATFORM_PUBLIC_URL when set, scheme included:
 *
 * - api: the public URL, else `http://<host>:<api port>`; git: `<api>/<app>.git`;
 * - web: `<scheme>://<app>.<domain>[:port]/`, the scheme of the public URL (http without one). Behind an https
 *   public URL the router is taken to be behind the same TLS proxy, on 443: no port. Otherwise the router's port,
 *   left out when it is 80. `edge`, when the router itself serves the API over TLS (config.apiEdge), says
 *   instead: https on its TLS port only if the API's certificate covers `*.<domain>`, else plain HTTP;
 * - rendezvous: `rendezvous://<api host>:<port>` while the rendezvous listener (`heroku run`) is on, else null.
 *
 *   appUrls({ publicUrl: 'https://paas.example.com', domain: 'apps.example.com', host: '0.0.0.0' }, 5000, 8080)
 *     .web('shop')  // 'https://shop.apps.example.com/'
 */
export function appUrls(
  config: { publicUrl: string | null; domain: string; host: string },
  apiPort: () => number,
  routerPort: () => number,
  rendezvousPort: () => number | null = () => null,
  edge: { tlsPort: number; coversAppHosts: boolean } | null = null,
) {
  const display = (host: string) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
  const api = () => config.publicUrl ?? `http://${display(config.host)}:${apiPort()}`;
  const https = edge ? edge.coversAppHosts : (config.publicUrl?.startsWith('https://') ?? false);
  return {
    api,
    rendezvous: () => {
      const port = rendezvousPort();
      return port === null ? null : `rendezvous://${new URL(api()).hostname}:${port}`;
    },
    git: (app: string) => `${api()}/${app}.git`,
    web: (app: string) => {
      if (https) return `https://${app}.${config.domain}${edge && edge.tlsPort !== 443 ? `:${edge.tlsPort}` : ''}/`;
      const port = routerPort();
      return `http://${app}.${config.domain}${port === 80 ? '' : `:${port}`}/`;
    },
  };
}
