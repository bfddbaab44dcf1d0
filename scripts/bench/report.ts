import { mb, ms, num, summarize, table } from './stats.ts';

export type Unit = 'ms' | 'req/s' | 'lines/s' | 'bytes' | 'ratio' | 'count';

export interface Target {
  /** Lower is better (`max`) or higher is better (`min`). */
  kind: 'max' | 'min';
  value: number;
}

export interface Row {
  bench: string;
  runtime: string;
  unit: Unit;
  values: number[];
  target?: Target;
  note?: string;
}

export interface Breakdown {
  title: string;
  /** Each stage's duration in ms per repetition. */
  stages: Array<{ name: string; values: number[] }>;
  note?: string;
}

export function format(unit: Unit, value: number | undefined): string {
  if (value === undefined) return '–';
  switch (unit) {
    case 'ms':
      return ms(value);
    case 'bytes':
      return mb(value);
    case 'ratio':
      return `${num(value, 2)}×`;
    default:
      return num(value);
  }
}

/** Collects figures as the benchmarks run and renders them as markdown. */
export function createReport() {
  const rows: Row[] = [];
  const breakdowns: Breakdown[] = [];
  const notes: string[] = [];
  const sections: Array<{ title: string; body: string }> = [];
  return {
    rows,
    breakdowns,
    notes,
    add(row: Row) {
      rows.push(row);
    },
    breakdown(b: Breakdown) {
      breakdowns.push(b);
    },
    note(text: string) {
      notes.push(text);
    },
    /** A free-form markdown section (e.g. the router's side-by-side table). */
    section(title: string, body: string) {
      sections.push({ title, body });
    },
    render(): string {
      const out: string[] = [];
      out.push(
        table(
          ['benchmark', 'runtime', 'median', 'min', 'max', 'n', 'target', 'verdict'],
          rows.map((r) => {
            const s = summarize(r.values);
            const target = r.target
              ? `${r.target.kind === 'max' ? '≤' : '≥'} ${format(r.unit, r.target.value)}`
              : 'report';
            let verdict = '';
            if (!s) verdict = r.target && r.note ? `**MISSED** (${r.note})` : (r.note ?? 'no data');
            else if (r.target) {
              const met = r.target.kind === 'max' ? s.median <= r.target.value : s.median >= r.target.value;
              verdict = met ? 'met' : '**MISSED**';
            }
            if (s && r.note) verdict = verdict ? `${verdict} (${r.note})` : r.note;
            return [
              r.bench,
              r.runtime,
              format(r.unit, s?.median),
              format(r.unit, s?.min),
              format(r.unit, s?.max),
              String(s?.n ?? 0),
              target,
              verdict,
            ];
          }),
        ),
      );
      for (const b of breakdowns) {
        out.push('', `**${b.title}**${b.note ? ` — ${b.note}` : ''}`, '');
        out.push(
          table(
            ['stage', 'median', 'min', 'max'],
            b.stages.map((st) => {
              const s = summarize(st.values);
              return [st.name, ms(s?.median), ms(s?.min), ms(s?.max)];
            }),
          ),
        );
      }
      for (const sec of sections) out.push('', `**${sec.title}**`, '', sec.body);
      if (notes.length) out.push('', ...notes.map((n) => `- ${n}`));
      return out.join('\n');
    },
  };
}

export type Report = ReturnType<typeof createReport>;
