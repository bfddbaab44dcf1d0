import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { REASONS } from '@platform/router-kit';


/** Answers an HTTP request with one of the router's pages, never cached. */
export function sendPage(res: ServerResponse, status: number, page: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(page),
    'cache-control': 'no-cache, no-store',
  });
  res.end(page);
}

/** Answers an upgrade request (a raw socket, no http.ServerResponse) with a page, then closes it. */
export function writeRawAnswer(socket: Socket, status: number, page: string): void {
  const reason = REASONS[status] ?? 'Error';
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/html; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(page)}\r\nConnection: close\r\n\r\n${page}`,
    );
  } else {
    socket.destroy();
  }
}
