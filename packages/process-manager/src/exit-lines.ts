import type { DynoExit } from '@platform/types';

/**
 * The app-log lines of a dyno's exit, as Heroku words them: `Process exited with status 137`, preceded by
 * `Error R15 (Memory quota vastly exceeded)` when it was killed for its memory (our limit is hard, no swap, so
 * there is no R14 stage before it). Source: Heroku Dev Center, "Error Codes" (R15). A dyno whose node was lost
 * (swarm) has no exit status: `Dyno lost: its node <name> is down`.
 */
export function exitLines(exit: DynoExit): string[] {
  if (exit.lost) return [`Dyno lost: its node ${exit.lost.node} is down`];
  const lines: string[] = [];
  if (exit.outOfMemory) lines.push(`Error R15 (Memory quota vastly exceeded) -> the process used more than its ${exit.outOfMemory.limitMb} MB and was killed`);
  lines.push(exit.code === null ? `Process exited on ${exit.signal}` : `Process exited with status ${exit.code}`);
  return lines;
}
