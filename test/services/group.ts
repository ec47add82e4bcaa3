// Starting several services at once: when any fails to start, every one that did start is stopped
// before the error reaches the suite, so a failed `before` leaves nothing running.

/** A started service: servers stop(), in-process fixtures close(). */
export type Stoppable = { stop(): Promise<void> } | { close(): Promise<void> };

function shutDown(service: Stoppable): Promise<void> {
  return 'stop' in service ? service.stop() : service.close();
}

type Starters = Record<string, () => Promise<Stoppable>>;
export type Started<T extends Starters> = { [K in keyof T]: Awaited<ReturnType<T[K]>> };

/**
 * Starts the services concurrently and returns them by name. If any start fails, the started ones are
 * stopped and one error names each service that failed (its message carries the service's log tail).
 */
export async function startAll<T extends Starters>(starters: T): Promise<Started<T>> {
  const names = Object.keys(starters);
  const results = await Promise.allSettled(names.map((name) => starters[name]!()));
  const failed = names.flatMap((name, i) => (results[i]!.status === 'rejected' ? [name] : []));
  if (!failed.length) {
    return Object.fromEntries(names.map((name, i) => [name, (results[i] as PromiseFulfilledResult<Stoppable>).value])) as Started<T>;
  }
  const running = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stopErrors = (await Promise.allSettled(running.map(shutDown)))
    .flatMap((r) => (r.status === 'rejected' ? [`(and stopping a started service failed: ${(r.reason as Error)?.message ?? r.reason})`] : []));
  const reasons = names.flatMap((name, i) => {
    const result = results[i]!;
    return result.status === 'rejected' ? [`${name} did not start: ${(result.reason as Error)?.message ?? String(result.reason)}`] : [];
  });
  throw new Error([...reasons, ...stopErrors].join('\n'));
}

/** Stops every service given (undefined ones skipped), all of them even when one stop fails. */
export async function stopAll(...services: (Stoppable | undefined)[]): Promise<void> {
  const results = await Promise.allSettled(services.map((service) => (service ? shutDown(service) : undefined)));
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (errors.length) throw new AggregateError(errors, `stopping services failed: ${errors.map((e) => e.message).join('; ')}`);
}
