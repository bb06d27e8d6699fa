/**
 * The one retry pause: `baseMs · 2^attempt`, capped at `maxMs`. Each caller keeps its own numbers
 * (and says what its attempt counts from); only the arithmetic lives here.
 *
 * `jitter`, a random source in [0, 1), spreads the pause over [d/2, d] ("equal jitter"): clients
 * that failed together do not all come back in the same millisecond, yet each still waits at least
 * half the pause.
 */
export function exponentialBackoff(o: { attempt: number; baseMs: number; maxMs: number; jitter?: () => number }): number {
  const d = Math.min(o.baseMs * 2 ** o.attempt, o.maxMs);
  return o.jitter ? Math.round(d / 2 + (o.jitter() * d) / 2) : d;
}
