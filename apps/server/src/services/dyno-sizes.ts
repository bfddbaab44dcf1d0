import type { DynoSize } from '@platform/types';

/** The size a dyno gets when nothing chooses one: a formation row's default, a one-off without `size`. */
export const DEFAULT_DYNO_SIZE = 'standard';

/**
 * Heroku's dyno sizes this platform honours, by lowercase name; memory in MiB, `pids` the process/thread cap.
 * Names are matched case-insensitively (the CLI sends `Standard-2X`).
 */
export const DYNO_SIZES: Readonly<Record<string, DynoSize>> = {
  'standard': { memoryMb: 512, pids: 256 },
  'standard-1x': { memoryMb: 512, pids: 256 },
  'basic': { memoryMb: 512, pids: 256 },
  'eco': { memoryMb: 512, pids: 256 },
  'standard-2x': { memoryMb: 1024, pids: 512 },
  'performance-m': { memoryMb: 2560, pids: 16_384 },
  'performance-l': { memoryMb: 14_336, pids: 32_768 },
};

/** The size named `name` (any case), or undefined for a name this platform does not know. */
export function dynoSizeNamed(name: string): DynoSize | undefined {
  const key = name.toLowerCase();
  return Object.hasOwn(DYNO_SIZES, key) ? DYNO_SIZES[key] : undefined;
}

/**
 * The size names of the one-off dynos this server started, as their requests gave them (`Standard-2X`), kept
 * while each runs: the process manager's dyno status carries no size, and formation dynos take theirs from the
 * formation. One-offs never outlive their server (the manager stops them at start-up), so memory is enough.
 */
export function createOneOffSizes() {
  const sizes = new Map<string, string>(); // by dyno id
  return {
    /** Remembers `size` for the dyno until it exits. */
    remember(oneOff: { status: { id: string }; exited: Promise<unknown> }, size: string): void {
      const { id } = oneOff.status;
      sizes.set(id, size);
      const forget = () => sizes.delete(id);
      oneOff.exited.then(forget, forget);
    },
    sizeOf: (dynoId: string): string | undefined => sizes.get(dynoId),
  };
}

export type OneOffSizes = ReturnType<typeof createOneOffSizes>;
