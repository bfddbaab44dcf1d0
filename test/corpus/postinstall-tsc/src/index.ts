import { message } from './message';

// No @types/node here: declare the two globals this file uses.
declare const process: { env: Record<string, string | undefined> };
declare function require(id: string): any;

const http = require('node:http');
http
  .createServer((_req: unknown, res: { end(body: string): void }) => res.end(`${message}\n`))
  .listen(Number(process.env.PORT));
