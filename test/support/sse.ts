import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** A live Server-Sent Events stream read over real HTTP (fetch), parsed with eventsource-parser. */
export interface SseReader {
  /** HTTP status of the stream's response. */
  status: number;
  /** Content type of the response. */
  contentType: string | null;
  /** Every event so far (comments excluded). */
  events: EventSourceMessage[];
  /** Number of comment lines (keep-alives) so far. */
  comments: number;
  /** Resolves once `count` events arrived (rejects after `timeoutMs`). */
  waitForEvents(count: number, timeoutMs?: number): Promise<EventSourceMessage[]>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  /** Closes the connection from the client side. */
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: EventSourceMessage[] = [];
  let comments = 0;
  const waiters = new Set<() => void>();
  const parser = createParser({
    onEvent: (event) => {
      events.push(event);
      for (const w of [...waiters]) w();
    },
    onComment: () => {
      comments++;
    },
  });
  const ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    } finally {
      for (const w of [...waiters]) w();
    }
  })();
  let done = false;
  ended.finally(() => (done = true)).catch(() => undefined);
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    events,
    get comments() {
      return comments;
    },
    ended,
    close: () => abort.abort(),
    waitForEvents(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (events.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(events.slice(0, count));
          } else if (done) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(
              new Error(
                `stream ended after ${events.length} of ${count} events: ${JSON.stringify(events.map((e) => e.data))}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `timed out with ${events.length} of ${count} events: ${JSON.stringify(events.map((e) => e.data))}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/** Statuses of the events received so far. */
export function statusesOf(reader: SseReader): string[] {
  return reader.events.map((e) => JSON.parse(e.data).status);
}

/** Polls `predicate` until true (rejects after `timeoutMs`); for state the test cannot await directly. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
