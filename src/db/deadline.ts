/**
 * `work`, or a rejection with `timedOut()` once `ms` have passed, whichever comes first. The work
 * is not cancelled: its late result is dropped (the race keeps it handled).
 */
export function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  timedOut: () => Error = () => new Error(`no answer within ${ms} ms`),
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
