import type { Context } from './context.ts';

/** Everything on stdin (a piped token or password), as text. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  return text;
}

/** Asks one line on the terminal (stderr), echoing what is typed unless `hidden`. */
export async function prompt(ctx: Context, question: string, hidden = false): Promise<string> {
  // Loaded on use: most commands never prompt.
  const [{ createInterface }, { Writable }] = await Promise.all([import('node:readline'), import('node:stream')]);
  const output = hidden ? new Writable({ write: (_chunk, _enc, cb) => cb() }) : ctx.io.stderr;
  const rl = createInterface({ input: ctx.io.stdin, output, terminal: hidden });
  ctx.io.stderr.write(question);
  return new Promise((resolve) => {
    rl.once('line', (line) => {
      if (hidden) ctx.io.stderr.write('\n');
      rl.close();
      resolve(line);
    });
  });
}
