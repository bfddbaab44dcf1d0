import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** A minimal HTML page with `title` as its heading (the router's own answers: 400, 404, 503). */
export const errorPage = (title: string): string =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body><h1>${title}</h1></body></html>\n`;

/** Heroku's page for a host no app has (404). */
export const NO_SUCH_APP_PAGE = errorPage('No such app');
/** Heroku's page for every H-code failure (503). */
export const APP_ERROR_PAGE = errorPage('Application error');

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
  const reason = status === 400 ? 'Bad Request' : status === 404 ? 'Not Found' : 'Service Unavailable';
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/html; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(page)}\r\nConnection: close\r\n\r\n${page}`,
    );
  } else {
    socket.destroy();
  }
}
