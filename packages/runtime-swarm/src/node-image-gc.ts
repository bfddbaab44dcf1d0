import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { RuntimeLogger } from '@platform/runtime-kit';
import { dockerError, isNotFound } from '@platform/docker-kit';
import { NODE_GC_SCRIPT } from './node-gc-script.ts';

/** The label on the collection job and its configs: the platform instance that made them. */
const LABEL_NODE_GC = 'platform.node-gc';
/** Swarm refuses configs over 500 KB; each chunk of the kept map stays well below. */
const CONFIG_CHUNK_BYTES = 400_000;
const TERMINAL = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);

export interface NodeImageCollectionOptions {
  /** A manager's engine (the one platformd talks to). Its own node is left out: the caller collects it directly. */
  docker: Docker;
  /** The platform instance (labels the job, so that a leftover of a crashed run is removed by the next). */
  instance: string;
  /** An image every node can pull that has python3: the stack image in the registry, `<registry>/platform/stack:<tag>`. */
  image: string;
  /** App id → the build ids whose images stay. Only these apps' images are collected; others are left alone. */
  kept: ReadonlyMap<string, Iterable<string>>;
  /** Images created after this instant stay (builds the caller did not know when it computed `kept`). */
  notAfter: Date;
  /** The Docker socket on each node, bind-mounted into the job; Swarm templates such as `{{.Node.Hostname}}` work. Default `/var/run/docker.sock`. */
  socket?: string | undefined;
  /** How long to wait for the nodes, in ms (default 120 000); the job is removed then, whatever it did. */
  timeoutMs?: number | undefined;
  /** Task polling period in ms (default 500). */
  pollMs?: number | undefined;
  logger?: RuntimeLogger | undefined;
}

/** What the job did on one node: the references it deleted, those the engine refused (in use), its errors. */
export interface NodeImageReport {
  node: string;
  removed: string[];
  refused: string[];
  errors: string[];
}

/** One node collection: a report per node that ran the job, and the nodes left out with the reason. */
export interface NodeImageCollection {
  nodes: NodeImageReport[];
  skipped: Array<{ node: string; reason: string }>;
}

interface NodeInfo {
  ID: string;
  Description?: { Hostname?: string };
  Spec?: { Availability?: string };
  Status?: { State?: string };
}
interface TaskInfo {
  NodeID?: string;
  Status?: { State?: string; Err?: string };
}

/**
 * Collects release images on the swarm's other nodes through Swarm itself (platformd reaches only one engine):
 * a global job on `image` (restart none, root, the node's Docker socket mounted) runs NODE_GC_SCRIPT once on each
 * node that is `ready` and `active`, with the kept map as Swarm configs. It waits for each such node's task to
 * end, at most `timeoutMs`, reads the job's output, then removes the job and its configs (a leftover of an earlier
 * run first). A node that is down, paused or drained is skipped (its images stay until a later collection), one
 * that does not finish in time is reported skipped. Never forces a removal. Rejects with PLT_RUNTIME_UNAVAILABLE
 * when the manager refuses the job.
 *
 *   const { nodes } = await collectNodeImages({ docker, instance, image: '127.0.0.1:5000/platform/stack:bookworm-4',
 *     kept: new Map([[appId, [buildId]]]), notAfter: new Date() });   // nodes: [{ node: 'worker-1', removed: [...] }]
 */
export async function collectNodeImages(options: NodeImageCollectionOptions): Promise<NodeImageCollection> {
  const { docker, instance, logger } = options;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const pollMs = options.pollMs ?? 500;
  await removeNodeGcLeftovers(docker, instance);
  const self = ((await docker.info()) as { Swarm?: { NodeID?: string } }).Swarm?.NodeID ?? '';
  const nodes = (await docker.listNodes()) as NodeInfo[];
  const name = (n: NodeInfo) => n.Description?.Hostname ?? n.ID;
  const targets = nodes.filter((n) => n.ID !== self && n.Status?.State === 'ready' && n.Spec?.Availability === 'active');
  const skipped = nodes
    .filter((n) => n.ID !== self && !targets.includes(n))
    .map((n) => ({ node: name(n), reason: `${n.Status?.State ?? 'unknown'}, ${n.Spec?.Availability ?? 'unknown'}` }));
  if (targets.length === 0) return { nodes: [], skipped };

  const suffix = randomBytes(5).toString('hex');
  const labels = { [LABEL_NODE_GC]: instance };
  const configs: Array<{ id: string; name: string }> = [];
  let serviceId: string | null = null;
  try {
    for (const [i, chunk] of chunkKept(options.kept).entries()) {
      const configName = `plt-node-gc-${suffix}-${i}`;
      const created = (await docker.createConfig({ Name: configName, Labels: labels, Data: Buffer.from(chunk).toString('base64') })) as { id?: string; ID?: string };
      configs.push({ id: created.id ?? created.ID ?? configName, name: configName });
    }
    const service = await docker.createService(jobSpec(options, `plt-node-gc-${suffix}`, labels, self, configs));
    serviceId = service.id;
    const ended = await waitForTasks(docker, serviceId, targets.map((n) => n.ID), timeoutMs, pollMs);
    const lines = await jobOutput(docker, serviceId, [...ended.entries()].filter(([, t]) => t.Status?.State === 'complete').length);
    const reports: NodeImageReport[] = [];
    for (const node of targets) {
      const task = ended.get(node.ID);
      const line = lines.find((l) => l.nodeId === node.ID);
      if (line) reports.push({ node: name(node), removed: line.removed, refused: line.refused, errors: line.errors });
      else if (task) reports.push({ node: name(node), removed: [], refused: [], errors: [`job task ${task.Status?.State ?? '?'}: ${task.Status?.Err ?? 'no output'}`] });
      else skipped.push({ node: name(node), reason: `no answer within ${timeoutMs} ms` });
    }
    for (const r of reports) if (r.removed.length > 0 || r.errors.length > 0) logger?.info({ ...r }, 'release images collected on a node');
    return { nodes: reports, skipped };
  } catch (err) {
    throw dockerError('collect release images on the swarm nodes', err);
  } finally {
    if (serviceId) await docker.getService(serviceId).remove().catch(() => undefined);
    for (const c of configs) await removeConfig(docker, c.id);
  }
}

/** Removes collection jobs and configs an earlier run of this instance left behind (platformd stopped during one). */
export async function removeNodeGcLeftovers(docker: Docker, instance: string): Promise<void> {
  const filters = { label: [`${LABEL_NODE_GC}=${instance}`] };
  for (const s of await docker.listServices({ filters })) await docker.getService(s.ID).remove().catch(() => undefined);
  for (const c of (await docker.listConfigs({ filters })) as Array<{ ID: string }>) await removeConfig(docker, c.ID);
}

async function removeConfig(docker: Docker, id: string): Promise<void> {
  // A config stays in use until Swarm has removed the job's tasks: try again for a few seconds.
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      await docker.getConfig(id).remove();
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** The kept map as JSON objects of at most CONFIG_CHUNK_BYTES each (at least one, maybe `{}`). */
export function chunkKept(kept: ReadonlyMap<string, Iterable<string>>): string[] {
  const chunks: string[] = [];
  let current: Record<string, string[]> = {};
  let size = 2;
  for (const [app, builds] of kept) {
    const entry = [...builds];
    const bytes = JSON.stringify(app).length + JSON.stringify(entry).length + 2;
    if (size + bytes > CONFIG_CHUNK_BYTES && Object.keys(current).length > 0) {
      chunks.push(JSON.stringify(current));
      current = {};
      size = 2;
    }
    current[app] = entry;
    size += bytes;
  }
  chunks.push(JSON.stringify(current));
  return chunks;
}

function jobSpec(
  options: NodeImageCollectionOptions,
  name: string,
  labels: Record<string, string>,
  self: string,
  configs: Array<{ id: string; name: string }>,
): Docker.CreateServiceOptions {
  return {
    Name: name,
    Labels: labels,
    // Once on every eligible node, never restarted (Swarm API 1.41).
    Mode: { GlobalJob: {} } as Docker.CreateServiceOptions['Mode'],
    TaskTemplate: {
      ContainerSpec: {
        Image: options.image,
        Command: ['python3', '-c', NODE_GC_SCRIPT],
        // The stack image runs as its dyno user; the node's socket is root's.
        User: '0',
        Env: [`PLATFORM_GC_NOT_AFTER=${Math.floor(options.notAfter.getTime() / 1000)}`],
        Labels: labels,
        Mounts: [{ Type: 'bind', Source: options.socket ?? '/var/run/docker.sock', Target: '/var/run/docker.sock' }],
        Configs: configs.map((c, i) => ({
          File: { Name: `/platform-gc/kept-${i}.json`, UID: '0', GID: '0', Mode: 0o400 },
          ConfigID: c.id,
          ConfigName: c.name,
        })),
      },
      RestartPolicy: { Condition: 'none' },
      Placement: { Constraints: [`node.id!=${self}`] },
      Resources: { Limits: { MemoryBytes: 256 * 1024 * 1024 } },
      LogDriver: { Name: 'json-file', Options: { 'max-size': '1m' } },
    },
  } as Docker.CreateServiceOptions;
}

/** Per node, the first task of the job that ended; waits until each of `nodes` has one or the time is up. */
async function waitForTasks(docker: Docker, serviceId: string, nodes: string[], timeoutMs: number, pollMs: number): Promise<Map<string, TaskInfo>> {
  const ended = new Map<string, TaskInfo>();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const tasks = (await docker.listTasks({ filters: { service: [serviceId] } })) as TaskInfo[];
    // Removed meanwhile (platformd shutting down, another collection's clean-up): nothing more will end.
    if (tasks.length === 0 && (await docker.getService(serviceId).inspect().then(() => false, (err: unknown) => isNotFound(err)))) break;
    for (const task of tasks) {
      const node = task.NodeID ?? '';
      if (nodes.includes(node) && !ended.has(node) && TERMINAL.has(task.Status?.State ?? '')) ended.set(node, task);
    }
    if (nodes.every((n) => ended.has(n))) break;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return ended;
}

interface ScriptLine {
  nodeId: string;
  removed: string[];
  refused: string[];
  errors: string[];
}

/** The job's output lines (one JSON object per node's task); read again briefly until `expected` are there. */
async function jobOutput(docker: Docker, serviceId: string, expected: number): Promise<ScriptLine[]> {
  let lines: ScriptLine[] = [];
  for (let attempt = 0; attempt < 10; attempt++) {
    const stream = (await docker.getService(serviceId).logs({ stdout: true, stderr: false, follow: false })) as unknown as NodeJS.ReadableStream | Buffer;
    const text = Buffer.isBuffer(stream) ? demux(stream) : await collect(docker, stream);
    lines = text.split('\n').flatMap((l) => {
      try {
        const parsed = JSON.parse(l.slice(l.indexOf('{'))) as ScriptLine;
        return parsed && typeof parsed.nodeId === 'string' ? [parsed] : [];
      } catch {
        return [];
      }
    });
    if (new Set(lines.map((l) => l.nodeId)).size >= expected) break;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return lines;
}

async function collect(docker: Docker, stream: NodeJS.ReadableStream): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  docker.modem.demuxStream(stream, out, new PassThrough().resume());
  await new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', resolve);
  });
  return Buffer.concat(chunks).toString('utf8');
}

/** Docker's multiplexed log frames (8-byte header: stream, 0, 0, 0, big-endian length) → the stdout text. */
function demux(buffer: Buffer): string {
  const parts: Buffer[] = [];
  for (let i = 0; i + 8 <= buffer.length; ) {
    const length = buffer.readUInt32BE(i + 4);
    if (buffer[i] === 1) parts.push(buffer.subarray(i + 8, i + 8 + length));
    i += 8 + length;
  }
  return Buffer.concat(parts).toString('utf8');
}
