import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * `~/.netrc` reading and in-place editing. Edits replace only the text of the one
 * `machine` entry concerned, so other entries, comments and layout are preserved.
 * curl (and so `git push` over HTTP) matches entries by host name only, not port.
 */

export interface NetrcEntry {
  /** null for the `default` entry. */
  machine: string | null;
  login?: string;
  password?: string;
  account?: string;
  /** Offsets of the entry's text in the file: from `machine` to the end of its last token. */
  start: number;
  end: number;
}

interface Token {
  value: string;
  start: number;
  end: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const start = i;
    let value = '';
    if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
      i++; // closing quote
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) value += text[i++];
    }
    tokens.push({ value, start, end: Math.min(i, text.length) });
    // A macro definition runs until the next empty line; its body is not tokens.
    if (value === 'macdef' && ch !== '"') {
      const blank = text.indexOf('\n\n', i);
      const bodyEnd = blank === -1 ? text.length : blank;
      // keep the macdef as one opaque token run (name + body) so it stays attached to its entry
      tokens.push({ value: '\0macdef-body', start: i, end: bodyEnd });
      i = bodyEnd;
    }
  }
  return tokens;
}

export function parseNetrc(text: string): NetrcEntry[] {
  const entries: NetrcEntry[] = [];
  const tokens = tokenize(text);
  let current: NetrcEntry | undefined;
  for (let t = 0; t < tokens.length; t++) {
    const tok = tokens[t]!;
    if (tok.value === 'machine' || tok.value === 'default') {
      const name = tok.value === 'machine' ? tokens[++t] : undefined;
      current = { machine: name ? name.value : null, start: tok.start, end: (name ?? tok).end };
      entries.push(current);
      continue;
    }
    if (!current) continue;
    current.end = tok.end;
    if (tok.value === 'login' || tok.value === 'password' || tok.value === 'account') {
      const val = tokens[t + 1];
      if (val === undefined) continue;
      t++;
      current[tok.value] = val.value;
      current.end = val.end;
    }
  }
  return entries;
}

function quote(value: string): string {
  return /^[^\s"#]+$/.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

function formatEntry(host: string, login: string, password: string): string {
  return `machine ${quote(host)}\n  login ${quote(login)}\n  password ${quote(password)}`;
}

/** Returns the text with the entry for `host` replaced (or appended), everything else untouched. */
export function setNetrcEntry(text: string, host: string, login: string, password: string): string {
  const entry = formatEntry(host, login, password);
  const found = parseNetrc(text).find((e) => e.machine === host);
  if (found) return text.slice(0, found.start) + entry + text.slice(found.end);
  // `default` must stay last (curl stops at it), so insert before it.
  const dflt = parseNetrc(text).find((e) => e.machine === null);
  if (dflt) return text.slice(0, dflt.start) + entry + '\n' + text.slice(dflt.start);
  const sep = text.length === 0 || text.endsWith('\n') ? '' : '\n';
  return text + sep + entry + '\n';
}

/** Returns the text without the entry for `host` (and the line break that followed it). */
export function removeNetrcEntry(text: string, host: string): string {
  const found = parseNetrc(text).find((e) => e.machine === host);
  if (!found) return text;
  let end = found.end;
  while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
  if (text[end] === '\n') end++;
  return text.slice(0, found.start) + text.slice(end);
}

export function netrcPath(home: string): string {
  return join(home, '.netrc');
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** Writes through a temp file + rename so a crash never leaves a half-written .netrc; mode 0600. */
async function writeText(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

export async function readNetrcEntry(home: string, host: string): Promise<NetrcEntry | undefined> {
  return parseNetrc(await readText(netrcPath(home))).find((e) => e.machine === host);
}

export async function saveNetrcEntry(
  home: string,
  host: string,
  login: string,
  password: string,
): Promise<void> {
  const path = netrcPath(home);
  await writeText(path, setNetrcEntry(await readText(path), host, login, password));
}

/** Returns whether an entry was removed. */
export async function deleteNetrcEntry(home: string, host: string): Promise<boolean> {
  const path = netrcPath(home);
  const before = await readText(path);
  const after = removeNetrcEntry(before, host);
  if (after === before) return false;
  await writeText(path, after);
  return true;
}
