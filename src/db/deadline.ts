/**
 * `work`, or a rejection with `timedOut()` once `ms` have passed, whichever comes first. The work
 * is not cancelled: its late result is dropped (it stays handled). One promise and one timer per
 * call, without `Promise.race` and `finally`: this wraps every statement of every request.
 */
export function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  timedOut: () => Error = () => new Error(`no answer within ${ms} ms`),
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timedOut()), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
