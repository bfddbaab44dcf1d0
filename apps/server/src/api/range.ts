import { PlatformError } from '@platform/types';

export interface RangeSpec {
  field: string;
  /** Exclusive start value (from a `]value..` Next-Range), if any. */
  after: string | null;
  max: number;
  order: 'asc' | 'desc';
}

/**
 * Parses Heroku's `Range: <field> [<start>]..[<end>]; max=N, order=desc` loosely (`,` or `;` separators).
 * Only the fields in `allowed` are accepted.
 */
export function parseRange(header: string | undefined, allowed: string[], defaultField: string): RangeSpec {
  const spec: RangeSpec = { field: defaultField, after: null, max: 200, order: 'asc' };
  if (!header || header.trim() === '') return spec;
  const m = /^\s*([a-z_]+)\s*(\]?)([^.;,\s]*)\.\.([^;,\s]*)\s*(.*)$/.exec(header);
  if (!m) throw new PlatformError('PLT_RANGE_INVALID', `Invalid Range header: ${JSON.stringify(header)}.`);
  const [, field, exclusive, start, , rest] = m as unknown as [string, string, string, string, string, string];
  if (!allowed.includes(field)) {
    throw new PlatformError('PLT_RANGE_INVALID', `Range field must be one of: ${allowed.join(', ')}.`);
  }
  spec.field = field;
  if (start) spec.after = exclusive ? start : null;
  for (const part of rest.split(/[;,]/)) {
    const [k, v] = part.split('=').map((s) => s.trim());
    if (!k) continue;
    if (k === 'max') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new PlatformError('PLT_RANGE_INVALID', 'Range max must be a positive integer.');
      spec.max = Math.min(n, 1000);
    } else if (k === 'order') {
      if (v !== 'asc' && v !== 'desc') throw new PlatformError('PLT_RANGE_INVALID', 'Range order must be asc or desc.');
      spec.order = v;
    }
  }
  return spec;
}
