import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { APP_NAME_RE } from '@platform/types';
import { REPO_ROOT } from './platform.ts';

/**
 * The sample-app corpus (test/corpus/<name>/): each app carries a `corpus.json` saying what a user would check
 * after `git push platform main`. test/e2e/corpus.ts turns every manifest into a test; test/corpus/README.md
 * documents the fields. Patterns are regular expressions, matched case-insensitively, multi-line.
 */
export const CORPUS_DIR = path.join(REPO_ROOT, 'test', 'corpus');

export interface HttpCheck {
  /** Request path through the router (Host `<app>.localhost`). */
  path: string;
  /** Expected status (default 200). */
  status?: number;
  /** Substrings the body must contain. */
  body?: string[];
  /** Patterns the body must match. */
  bodyMatches?: string[];
  /** Substrings the body must not contain (a stack trace, say). */
  bodyAbsent?: string[];
  /** The body parsed as JSON must contain these fields with these values (vitest's toMatchObject). */
  json?: Record<string, unknown>;
}

export interface StreamCheck {
  /** Path of a response that stays open (server-sent events, a long poll). */
  path: string;
  /** Substrings that must arrive while the response is still open. */
  receive: string[];
}

export interface WebSocketCheck {
  path: string;
  /** Messages sent once the first message from the server arrived. */
  send: string[];
  /** Substrings that must each appear in some message from the server. */
  receive: string[];
}

export interface RunCheck {
  /** One shell line for `platform run` (as a user types it). */
  command: string;
  /** Expected exit code (default 0). */
  code?: number;
  /** Substrings of the combined output (the dyno's stdout and stderr). */
  output?: string[];
  /** Patterns the combined output must match. */
  outputMatches?: string[];
}

export interface BuildExpectation {
  /** The push must be rejected (default false): the build fails, no release is made. */
  fails?: boolean;
  /** Patterns the `git push` output must match (the build's `remote:` lines). */
  output?: string[];
  /** Patterns the `git push` output must not match. */
  outputAbsent?: string[];
}

export interface Checks {
  build?: BuildExpectation;
  http?: HttpCheck[];
}

export interface CorpusManifest {
  /** What shape of repository this is and what a user expects of it. */
  description: string;
  /** Part of the representative subset deployed on the docker runtime too. */
  docker?: boolean;
  /** Why an app is not in the docker subset, when that is not a matter of time. */
  dockerNote?: string;
  /** Why the app deploys on the docker runtime only (a Dockerfile deploy); the process suite leaves it out. */
  dockerOnly?: string;
  /**
   * Config vars set after apps:create, before the first push. `{{tempDir}}` becomes a fresh directory any dyno may
   * write; `{{pythonIndex}}` the base URL of the suite's local Python package index (tidewords, tinywsgi, a django stand-in: see
   * test/support/python-index.ts; `PIP_INDEX_URL={{pythonIndex}}/simple/`), `{{pythonIndexHost}}` its host.
   */
  config?: Record<string, string>;
  build?: BuildExpectation;
  /** The formation right after the first deploy, exactly: process type → quantity (Heroku scales only web to 1). */
  formation?: Record<string, number>;
  /** `platform ps:scale` after the deploy, before the checks below. */
  scale?: Record<string, number>;
  http?: HttpCheck[];
  stream?: StreamCheck[];
  websocket?: WebSocketCheck[];
  run?: RunCheck[];
  /** Patterns that must appear in `platform logs -n 1500` (build, release, app and router lines). */
  logs?: string[];
  /** Patterns that must not appear in `platform logs -n 1500` once the checks above ran. */
  logsAbsent?: string[];
  /** A second push (files written over the first commit) and what must hold after it: the warm-cache build. */
  redeploy?: Checks & { files: Record<string, string> };
}

export interface CorpusApp {
  /** The folder name, also the app name on the platform (with a runtime prefix). */
  name: string;
  dir: string;
  manifest: CorpusManifest;
}

const FIELDS: Record<string, readonly string[]> = {
  manifest: ['description', 'docker', 'dockerNote', 'dockerOnly', 'config', 'build', 'formation', 'scale', 'http', 'stream', 'websocket', 'run', 'logs', 'logsAbsent', 'redeploy'],
  build: ['fails', 'output', 'outputAbsent'],
  http: ['path', 'status', 'body', 'bodyMatches', 'bodyAbsent', 'json'],
  stream: ['path', 'receive'],
  websocket: ['path', 'send', 'receive'],
  run: ['command', 'code', 'output', 'outputMatches'],
  redeploy: ['files', 'build', 'http'],
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every problem of one manifest (unknown keys, wrong types, bad patterns), so a typo never silently skips a check. */
export function manifestProblems(raw: unknown): string[] {
  const problems: string[] = [];
  const keys = (where: string, kind: string, v: unknown) => {
    if (!isObject(v)) return void problems.push(`${where} must be an object`);
    for (const k of Object.keys(v)) if (!FIELDS[kind]!.includes(k)) problems.push(`${where}: unknown field "${k}"`);
  };
  const strings = (where: string, v: unknown, patterns = false) => {
    if (v === undefined) return;
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) return void problems.push(`${where} must be a list of strings`);
    if (patterns) {
      for (const p of v as string[]) {
        try {
          new RegExp(p);
        } catch (err) {
          problems.push(`${where}: ${(err as Error).message}`);
        }
      }
    }
  };
  const list = (where: string, kind: string, v: unknown, each: (w: string, item: Record<string, unknown>) => void) => {
    if (v === undefined) return;
    if (!Array.isArray(v)) return void problems.push(`${where} must be a list`);
    v.forEach((item, i) => {
      keys(`${where}[${i}]`, kind, item);
      if (isObject(item)) each(`${where}[${i}]`, item);
    });
  };
  const counts = (where: string, v: unknown) => {
    if (v === undefined) return;
    if (!isObject(v) || Object.values(v).some((n) => !Number.isInteger(n) || (n as number) < 0)) problems.push(`${where} must map process types to counts`);
  };
  const build = (where: string, v: unknown) => {
    if (v === undefined) return;
    keys(where, 'build', v);
    if (!isObject(v)) return;
    strings(`${where}.output`, v.output, true);
    strings(`${where}.outputAbsent`, v.outputAbsent, true);
  };
  const http = (where: string, v: unknown) =>
    list(where, 'http', v, (w, c) => {
      if (typeof c.path !== 'string' || !c.path.startsWith('/')) problems.push(`${w}.path must start with /`);
      strings(`${w}.body`, c.body);
      strings(`${w}.bodyMatches`, c.bodyMatches, true);
      strings(`${w}.bodyAbsent`, c.bodyAbsent);
      if (c.json !== undefined && !isObject(c.json)) problems.push(`${w}.json must be an object`);
    });

  keys('corpus.json', 'manifest', raw);
  if (!isObject(raw)) return problems;
  if (typeof raw.description !== 'string' || raw.description.trim() === '') problems.push('description is required');
  if (raw.dockerOnly !== undefined && (typeof raw.dockerOnly !== 'string' || raw.docker !== true)) {
    problems.push('dockerOnly must say why, in an app of the docker subset ("docker": true)');
  }
  build('build', raw.build);
  counts('formation', raw.formation);
  counts('scale', raw.scale);
  http('http', raw.http);
  list('stream', 'stream', raw.stream, (w, c) => strings(`${w}.receive`, c.receive));
  list('websocket', 'websocket', raw.websocket, (w, c) => {
    strings(`${w}.send`, c.send);
    strings(`${w}.receive`, c.receive);
  });
  list('run', 'run', raw.run, (w, c) => {
    if (typeof c.command !== 'string') problems.push(`${w}.command must be a string`);
    strings(`${w}.output`, c.output);
    strings(`${w}.outputMatches`, c.outputMatches, true);
  });
  strings('logs', raw.logs, true);
  strings('logsAbsent', raw.logsAbsent, true);
  if (raw.redeploy !== undefined) {
    keys('redeploy', 'redeploy', raw.redeploy);
    if (isObject(raw.redeploy)) {
      if (!isObject(raw.redeploy.files)) problems.push('redeploy.files must map paths to contents');
      build('redeploy.build', raw.redeploy.build);
      http('redeploy.http', raw.redeploy.http);
    }
  }
  const fails = isObject(raw.build) && raw.build.fails === true;
  if (fails && ['formation', 'scale', 'http', 'stream', 'websocket', 'run', 'redeploy'].some((k) => raw[k] !== undefined)) {
    problems.push('a build that fails has nothing to run: only build (and logs) may be checked');
  }
  return problems;
}

/** Every app of the corpus, sorted by name; throws listing every invalid manifest. */
export function loadCorpus(): CorpusApp[] {
  const apps: CorpusApp[] = [];
  const problems: string[] = [];
  for (const name of readdirSync(CORPUS_DIR).sort()) {
    const dir = path.join(CORPUS_DIR, name);
    const file = path.join(dir, 'corpus.json');
    if (!existsSync(file)) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      problems.push(`${name}/corpus.json: ${(err as Error).message}`);
      continue;
    }
    const found = manifestProblems(raw);
    if (!APP_NAME_RE.test(name)) found.push(`the folder name must be a valid app name (${APP_NAME_RE})`);
    problems.push(...found.map((p) => `${name}/corpus.json: ${p}`));
    apps.push({ name, dir, manifest: raw as CorpusManifest });
  }
  if (problems.length) throw new Error(`invalid corpus manifests:\n${problems.join('\n')}`);
  return apps;
}
