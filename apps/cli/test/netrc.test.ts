import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  deleteNetrcEntry,
  parseNetrc,
  readNetrcEntry,
  removeNetrcEntry,
  saveNetrcEntry,
  setNetrcEntry,
} from '../src/netrc.ts';

const existing = `# my credentials
machine api.example.com
  login me@example.com
  password secret-1

machine other.test login bob password "with space"
macdef init
cd /pub
quit

default login anonymous password guest
`;

describe('netrc text', () => {
  it('parses machines, inline and multi-line entries, quotes, macdef and default', () => {
    const entries = parseNetrc(existing).map(({ machine, login, password }) => ({
      machine,
      login,
      password,
    }));
    expect(entries).toEqual([
      { machine: 'api.example.com', login: 'me@example.com', password: 'secret-1' },
      { machine: 'other.test', login: 'bob', password: 'with space' },
      { machine: null, login: 'anonymous', password: 'guest' },
    ]);
  });

  it('adds a new entry before `default`, leaving the rest byte for byte', () => {
    const out = setNetrcEntry(existing, 'platform.local', 'platform', 'tok');
    const at = existing.indexOf('default');
    expect(out).toBe(
      existing.slice(0, at) +
        'machine platform.local\n  login platform\n  password tok\n' +
        existing.slice(at),
    );
  });

  it('replaces only the matching entry', () => {
    const out = setNetrcEntry(existing, 'api.example.com', 'new@example.com', 'secret-2');
    expect(out).toBe(
      existing.replace(
        'machine api.example.com\n  login me@example.com\n  password secret-1',
        'machine api.example.com\n  login new@example.com\n  password secret-2',
      ),
    );
    expect(parseNetrc(out).find((e) => e.machine === 'other.test')?.password).toBe('with space');
  });

  it('appends to a file without a trailing newline and to an empty file', () => {
    expect(setNetrcEntry('machine a login x password y', 'b', 'l', 'p')).toBe(
      'machine a login x password y\nmachine b\n  login l\n  password p\n',
    );
    expect(setNetrcEntry('', 'b', 'l', 'p')).toBe('machine b\n  login l\n  password p\n');
  });

  it('removes one entry and nothing else', () => {
    const added = setNetrcEntry(existing, 'platform.local', 'platform', 'tok');
    expect(removeNetrcEntry(added, 'platform.local')).toBe(existing);
    expect(removeNetrcEntry(existing, 'absent')).toBe(existing);
  });
});

describe('netrc file round trip (temp HOME)', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'platform-cli-netrc-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('writes with mode 0600, updates in place and preserves other entries', async () => {
    const path = join(home, '.netrc');
    await writeFile(path, existing, { mode: 0o644 });
    await saveNetrcEntry(home, '127.0.0.1', 'me@example.com', 'token-a');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await saveNetrcEntry(home, '127.0.0.1', 'me@example.com', 'token-b');
    const text = await readFile(path, 'utf8');
    expect(text.match(/machine 127\.0\.0\.1/g)).toHaveLength(1);
    expect((await readNetrcEntry(home, '127.0.0.1'))?.password).toBe('token-b');
    expect((await readNetrcEntry(home, 'api.example.com'))?.password).toBe('secret-1');
    expect(await deleteNetrcEntry(home, '127.0.0.1')).toBe(true);
    expect(await readFile(path, 'utf8')).toBe(existing);
    expect(await deleteNetrcEntry(home, '127.0.0.1')).toBe(false);
  });

  it('creates the file when there is none', async () => {
    expect(await readNetrcEntry(home, 'h')).toBeUndefined();
    await saveNetrcEntry(home, 'h', 'platform', 't');
    expect(await readFile(join(home, '.netrc'), 'utf8')).toBe('machine h\n  login platform\n  password t\n');
    expect((await stat(join(home, '.netrc'))).mode & 0o777).toBe(0o600);
  });
});
