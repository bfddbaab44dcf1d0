import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

interface Status {
  app: string;
  compiled: boolean;
  typescriptInSlug: boolean;
}

function typescriptInSlug(): boolean {
  try {
    require.resolve('typescript');
    return true;
  } catch {
    return false;
  }
}

const status: Status = { app: 'typescript-build', compiled: __filename.endsWith('.js'), typescriptInSlug: typescriptInSlug() };

createServer((_req: IncomingMessage, res: ServerResponse) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(status));
}).listen(Number(process.env.PORT));
