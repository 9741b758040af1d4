/** Settings read from the environment by the in-process benchmarks (metrics, python-grader). */

/** A whole number ≥ min from `name`, or `fallback` when unset. */
export function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Error(`${name} must be a whole number ≥ ${min} (got '${raw}')`);
  return Number(raw);
}

/** Calls `call(0 … count-1)` with at most `inFlight` of them pending at once (each lane starts the next index as soon as its call settles). */
export async function drive(count: number, inFlight: number, call: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) await call(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(inFlight, count)) }, lane));
}
