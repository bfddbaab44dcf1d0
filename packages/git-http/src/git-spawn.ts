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
