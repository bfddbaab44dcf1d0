import { VERSION } from './version.ts';

/**
 * The `platform` executable: the only place that touches the real process (everything below takes it as options).
 * `--version` is answered before the commands load (commander, node:child_process, …), with the line commander
 * prints; everything else loads the CLI on demand.
 */
async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const { runCli } = await import('./cli.ts');
  return runCli(argv, {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    // A getter: Node sets process.stdin up (a tty or pipe stream, ~5 ms) on first use, which most commands never make.
    get stdin() {
      return process.stdin;
    },
  });
}

// No top-level await: the bundle is CommonJS, which Node starts faster than an ES module.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(` ▸    ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
