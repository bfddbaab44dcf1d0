import { DYNO_NAME_RE, isValidProcessType } from '@platform/types';
import { cliError, CliErrorCodes } from '../../errors.ts';

export type DynoTarget = { kind: 'all' } | { kind: 'dyno'; name: string } | { kind: 'type'; type: string };

/**
 * What `ps:restart` / `ps:stop` act on: `-d NAME`, `-p TYPE`, or a positional that is a dyno
 * name when it contains a dot (`web.1`) and a process type otherwise (`web`).
 */
export function parseDynoTarget(
  positional: string | undefined,
  flags: { dynoName?: string; processType?: string },
): DynoTarget {
  const given = [positional, flags.dynoName, flags.processType].filter((v) => v !== undefined);
  if (given.length > 1)
    throw cliError(CliErrorCodes.badArgs, 'Give either a dyno name or a process type, not both.');
  if (flags.dynoName !== undefined || (positional !== undefined && positional.includes('.'))) {
    const name = (flags.dynoName ?? positional)!;
    if (!DYNO_NAME_RE.test(name))
      throw cliError(
        CliErrorCodes.badArgs,
        `${name} is not a dyno name.`,
        'Dyno names look like web.1 (see platform ps).',
      );
    return { kind: 'dyno', name };
  }
  const type = flags.processType ?? positional;
  if (type === undefined) return { kind: 'all' };
  if (!isValidProcessType(type))
    throw cliError(
      CliErrorCodes.badArgs,
      `${type} is not a process type.`,
      'Process types look like web or worker (see platform ps).',
    );
  return { kind: 'type', type };
}
