import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { PlatformError, ErrorCodes } from '@platform/types';

export const DEFAULT_GIT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The whole environment git gets: nothing of the server's own (no secrets), no global or system
 * git config (so a host's core.hooksPath or url rewrites cannot interfere), never a prompt.
 */
export function gitEnv(gitPath: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: gitPath,
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

export function spawnGit(args: string[], options: SpawnOptions & { env: NodeJS.ProcessEnv }): ChildProcess {
  return spawn('git', args, { ...options, shell: false });
}

/** Keeps the last `max` bytes written (stderr tails for error reports). */
export class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max = 4096) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.max && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
  }
  toString(): string {
    return Buffer.concat(this.chunks).toString('utf8').slice(-this.max);
  }
}

export function subprocessError(args: string[], code: number | null, signal: string | null, stderr: string): PlatformError {
  return new PlatformError(ErrorCodes.subprocessFailed, `git ${args[0] ?? ''} failed (exit ${code ?? signal})`, {
    details: { argv: ['git', ...args], exitCode: code, signal, stderr: stderr.slice(-2000) },
  });
}

/** Runs git to completion; resolves stdout, rejects with PLT_SUBPROCESS_FAILED. */
export function runGit(
  args: string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv; allowExit?: number[] },
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnGit(args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err = new Tail();
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0 || (code !== null && options.allowExit?.includes(code))) {
        resolve({ code, stdout: Buffer.concat(out).toString('utf8') });
      } else reject(subprocessError(args, code, signal, err.toString()));
    });
  });
}
