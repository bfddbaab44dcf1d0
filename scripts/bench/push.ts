import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fixtureRepo, git } from '../../test/support/apps.ts';
import type { Report } from './report.ts';
import { tracePush, type Session } from './session.ts';
import { mb, ms, summarize, table } from './stats.ts';
import { statusBytes } from './proc.ts';

/** Bytes of the pack `git push` sends for a first push of `repo`'s main (what the server must take in). */
function packSize(repo: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['pack-objects', '--revs', '--stdout', '-q'], { cwd: repo, env, stdio: ['pipe', 'pipe', 'inherit'] });
    let size = 0;
    child.stdout.on('data', (c: Buffer) => (size += c.length));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(size) : reject(new Error(`git pack-objects exited ${code}`))));
    child.stdin.end('main\n');
  });
}

/** Sideband progress of the server's unpack is not the deploy yet: the first hook line is. */
const PROGRESS_RE = /^remote: (Resolving|Unpacking|Checking|Counting|Compressing|Total|Enumerating)/;

/**
 * `git push` of a fresh app whose history holds `sizes[i]` bytes of random data (incompressible, so the pack is
 * that big), to platformd as users run it: the time to upload and unpack (push → first line of the deploy), the
 * time to deploy (→ exit), and platformd's own peak RSS during the push (VmHWM after resetting it through
 * /proc/<pid>/clear_refs) beside its RSS just before. A push held in memory whole would lift the peak by the pack
 * size while receiving; a streamed one by a few stream buffers. The whole push adds the build (the source tar and the
 * slug pass through platformd as streams too).
 */
export async function benchPush(s: Session, report: Report, o: { sizes: number[]; reps: number; log: (line: string) => void }) {
  const pid = s.server.child.pid!;
  const rows: string[][] = [];
  for (const size of o.sizes) {
    const repo = await fixtureRepo('procfile-app', s.env);
    try {
      await writeFile(path.join(repo, 'data.bin'), randomBytes(size));
      await git(repo, s.env, ['add', '-A']);
      await git(repo, s.env, ['commit', '-q', '-m', 'data']);
      const pack = await packSize(repo, s.env);
      const total: number[] = [];
      const upload: number[] = [];
      const lift: number[] = [];
      const receiveLift: number[] = [];
      let before = 0;
      let peak = 0;
      for (let rep = 1; rep <= o.reps; rep++) {
        const app = `push-${s.runtime}-${Math.round(size / 1e6)}mb-${rep}`;
        await s.createApp(app);
        await writeFile(`/proc/${pid}/clear_refs`, '5'); // VmHWM := VmRSS
        before = await statusBytes(pid, 'VmRSS');
        // The pack is in (and unpacked by git) when the deploy's first line arrives: the peak so far is the receive's.
        let received: Promise<number> | undefined;
        const trace = await tracePush(repo, s.env, `${s.server.apiUrl}/${app}.git`, (text) => {
          if (!received && text.startsWith('remote: ') && !PROGRESS_RE.test(text)) received = statusBytes(pid, 'VmHWM');
        });
        peak = await statusBytes(pid, 'VmHWM');
        receiveLift.push((await (received ?? Promise.resolve(NaN))) - before);
        if (trace.code !== 0) throw new Error(`push of ${mb(pack)} failed:\n${trace.lines.slice(-15).map((l) => l.text).join('\n')}`);
        total.push(trace.exitAt);
        upload.push(trace.lines.find((l) => l.text.startsWith('remote: ') && !PROGRESS_RE.test(l.text))?.t ?? NaN);
        lift.push(peak - before);
        o.log(`push ${mb(pack)} ${rep}/${o.reps}: ${ms(trace.exitAt)}, platformd RSS ${mb(before)}, +${mb(receiveLift.at(-1))} receiving, +${mb(lift.at(-1))} in all`);
      }
      const median = (v: number[]) => summarize(v)?.median;
      report.add({ bench: `git push of a ${mb(pack)} pack, push → exit (deployed)`, runtime: s.runtime, unit: 'ms', values: total });
      report.add({ bench: `platformd peak RSS lift while receiving a ${mb(pack)} pack`, runtime: s.runtime, unit: 'bytes', values: receiveLift });
      report.add({ bench: `platformd peak RSS lift, whole ${mb(pack)} push (build and slug too)`, runtime: s.runtime, unit: 'bytes', values: lift });
      rows.push([mb(pack), ms(median(upload)), ms(median(total)), mb(before), mb(median(receiveLift)), mb(median(lift))]);
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  }
  report.section(
    `git push by pack size (${s.runtime}): time and platformd's memory (medians of ${o.reps}; RSS from /proc/<pid>/status)`,
    table(['pack', 'upload + unpack', 'push → deployed', 'platformd RSS before', 'peak lift, receiving', 'peak lift, whole push'], rows),
  );
}
