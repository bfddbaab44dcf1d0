/** One router log entry per request (see the reference, §5 "Router log line"). */
export interface RouterLogEntry {
  app: string;
  at: 'info' | 'error';
  code?: string;
  desc?: string;
  method: string;
  path: string;
  host: string;
  requestId: string;
  fwd: string;
  dyno: string | null;
  connectMs: number;
  serviceMs: number;
  status: number;
  bytes: number;
  protocol: 'http' | 'https';
}

function quote(value: string): string {
  return `"${value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/[\r\n]/g, ' ')}"`;
}

/**
 * Heroku's line: `at=info method=GET path="/" host=… request_id=… fwd="…" dyno=web.1 connect=0ms
 * service=12ms status=200 bytes=5 protocol=http`; on errors `code` and `desc` follow `at`, and
 * fields that do not apply (no dyno reached) are empty.
 */
export function formatRouterLogLine(e: RouterLogEntry): string {
  const head = e.code ? `at=${e.at} code=${e.code} desc=${quote(e.desc ?? '')} ` : `at=${e.at} `;
  const reached = e.dyno !== null;
  return (
    head +
    `method=${e.method} path=${quote(e.path)} host=${e.host.replace(/[\s"]/g, '')} request_id=${e.requestId} ` +
    `fwd=${quote(e.fwd)} dyno=${e.dyno ?? ''} connect=${reached ? `${e.connectMs}ms` : ''} ` +
    `service=${reached ? `${e.serviceMs}ms` : ''} status=${e.status} bytes=${reached ? e.bytes : ''} protocol=${e.protocol}`
  );
}
