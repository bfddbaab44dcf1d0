import { cliError, CliErrorCodes } from './errors.ts';

/**
 * `config:set` arguments: each must contain `=`; the key is what precedes the first `=`,
 * the value everything after it (`B==x` → B is `=x`, `C=` → C is empty).
 */
export function parseConfigSetArgs(args: readonly string[]): Record<string, string> {
  if (args.length === 0) {
    throw cliError(
      CliErrorCodes.badArgs,
      'Usage: platform config:set KEY1=VALUE1 [KEY2=VALUE2 ...]',
      'Must specify KEY and VALUE to set.',
    );
  }
  const vars: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) {
      throw cliError(CliErrorCodes.badArgs, `${arg} is invalid. Must be in the format FOO=bar.`);
    }
    vars[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  return vars;
}

export interface ScaleChange {
  type: string;
  /** An absolute count (number), or a relative change as a string (`"+1"`, `"-2"`), as the Heroku CLI sends. */
  quantity: number | string;
  size?: string;
}

/** Heroku's `ps:scale` argument rule: `TYPE=N`, `TYPE+N`, `TYPE-N`, optionally `:SIZE`. */
const SCALE_RE = /^([\w-]+)([=+-]\d+)(?::([\w-]+))?$/;

export function parseScaleArgs(args: readonly string[]): ScaleChange[] {
  return args.map((arg) => {
    const m = SCALE_RE.exec(arg);
    if (!m) {
      throw cliError(
        CliErrorCodes.badArgs,
        `${arg} is invalid. Usage: platform ps:scale TYPE1=AMOUNT1 [TYPE2=AMOUNT2 ...]`,
        'TYPE must be alphanumeric with dashes and underscores; AMOUNT is a number, or +N / -N to change the current count (e.g. web=3 worker+1).',
      );
    }
    const [, type, amount, size] = m as unknown as [string, string, string, string | undefined];
    const change: ScaleChange = { type, quantity: amount.startsWith('=') ? Number(amount.slice(1)) : amount };
    if (size) change.size = size;
    return change;
  });
}

/** `v12`, `12` → 12; anything else (a release id) is passed through as a string. */
export function parseReleaseRef(ref: string): number | string {
  const m = /^v?(\d+)$/i.exec(ref.trim());
  return m ? Number(m[1]) : ref.trim();
}
