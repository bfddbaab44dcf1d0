import type { Dyno } from '@platform/types';
import { LOG_DRAIN_MS, type SwarmContext, type Watch } from './swarm-context.ts';
import { dynoTask, exitOfTask, isFinishedTask, type SwarmTask } from './service-spec.ts';
import { followServiceLogs } from './service-logs.ts';

/**
 * Follows a service dyno: its output (from the start for a new dyno, from now on for an adopted one) and its
 * task, through the shared poller. Once the task has ended (or the service is gone), the output is read to the
 * end and the exit reported once through `ctx.events.exit` (code from the task's container status; unknown,
 * null, when Swarm removed the task before saying; `lost` when its node is down). `detach()` stops everything
 * without a report.
 */
export function watchService(ctx: SwarmContext, dyno: Dyno, fromStart: boolean): Watch {
  let reportDone!: () => void;
  let finished = false;
  const logs = followServiceLogs(ctx.docker, dyno, {
    fromStart,
    emit: ctx.events.output,
    logger: ctx.logger,
  });
  const entry: Watch = {
    dyno,
    requested: false,
    reported: new Promise<void>((resolve) => (reportDone = resolve)),
    detach() {
      finished = true;
      unfollow();
      logs.destroy();
      reportDone();
    },
  };
  ctx.watches.set(dyno.id, entry);
  const unfollow = ctx.poller.follow(dyno.id, (tasks, downNodes) => {
    const task = dynoTask(tasks);
    if (finished) return;
    // A task on a node that is down stays `running` in Swarm's view: the dyno is lost.
    const lostOn = task && !isFinishedTask(task) && task.NodeID ? downNodes.get(task.NodeID) : undefined;
    if (task && !isFinishedTask(task) && lostOn === undefined) return;
    finished = true;
    unfollow();
    void report(task, lostOn);
  });

  async function report(task: SwarmTask | undefined, lostOn: string | undefined): Promise<void> {
    dyno.running = false;
    // A lost node has no more output to give (and the manager may wait for it): no last read.
    if (lostOn === undefined) {
      await new Promise((resolve) => setTimeout(resolve, LOG_DRAIN_MS));
      await logs.readRest();
    }
    logs.flush();
    logs.destroy();
    const exit = lostOn === undefined ? exitOfTask(task) : { code: null, signal: null, lost: { node: lostOn } };
    ctx.logger?.info(
      { dyno: dyno.id, app: dyno.app, name: dyno.name, ...exit, state: task?.Status?.State },
      'dyno exited',
    );
    ctx.events.exit({ id: dyno.id, app: dyno.app, name: dyno.name, ...exit, requested: entry.requested });
    reportDone();
  }
  return entry;
}
