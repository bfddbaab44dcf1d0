import { connect } from 'node:net';
import { PlatformError, ErrorCodes } from '@platform/types';

/**
 * HAProxy's runtime API over its stats socket (management guide §9.3): one connection per command, the answer
 * read until HAProxy closes it. Commands are built by this package from validated names (apps, dyno names,
 * addresses, hostnames): never from raw user text, and never containing `;` or a newline.
 */
export function createControlSocket(path: string, timeoutMs = 5_000) {
  function send(command: string): Promise<string> {
    if (/[;\r\n]/.test(command)) throw new PlatformError(ErrorCodes.routerUnavailable, `refusing a runtime API command with a separator: ${command}`);
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      let out = '';
      const timer = setTimeout(() => socket.destroy(new Error(`HAProxy runtime API: no answer to "${command}" within ${timeoutMs} ms`)), timeoutMs);
      socket.setEncoding('utf8');
      socket.on('connect', () => socket.end(`${command}\n`));
      socket.on('data', (chunk: string) => (out += chunk));
      // A proxy that is down (killed, restarting) refuses the connection: a stable code, not a bare ECONNREFUSED.
      socket.on('error', (err) => {
        clearTimeout(timer);
        reject(new PlatformError(ErrorCodes.routerUnavailable, `HAProxy's control socket ${path} did not answer "${command}": ${err.message}`, { cause: err }));
      });
      socket.on('close', (hadError) => {
        clearTimeout(timer);
        if (!hadError) resolve(out);
      });
    });
  }

  return {
    /** The socket's path. */
    path,
    send,
    /** Sends a command whose success HAProxy answers with an empty line or a line matching `ok`; throws otherwise. */
    async expect(command: string, ok: RegExp = /^\s*$/): Promise<string> {
      const out = await send(command);
      if (!ok.test(out)) throw new PlatformError(ErrorCodes.routerUnavailable, `HAProxy refused "${command}": ${out.trim().slice(0, 300)}`);
      return out;
    },
    /** True when the proxy answers on the socket. */
    async alive(): Promise<boolean> {
      try {
        return /Name: HAProxy/.test(await send('show info'));
      } catch {
        return false;
      }
    },
  };
}

export type ControlSocket = ReturnType<typeof createControlSocket>;
