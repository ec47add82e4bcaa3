// Polling inside the extension host: the host suites wait on panel state and engine answers that
// arrive asynchronously, with no event to await.

/** Polls `probe` every 100 ms until it gives a value, or fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(what: string, probe: () => Thenable<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
