/** What the service's stdout is written through: Bun's stdout writer, or a stand-in in tests. */
export interface StdoutWriter {
  write(chunk: string): unknown;
  /** A number once all is written; a promise while the output has not taken all of it. */
  flush(): unknown;
}

/** Access lines gathered before one write: the batch that Bun's writer does not make itself. */
const BATCH_CHARS = 64 * 1024;
const FLUSH_EVERY_MS = 200;
/** Lines held while the output has not taken the last write: about a second of a GET load's access lines. */
const MAX_HELD_CHARS = 4 * 1024 * 1024;
/** The longest shutdown waits for a stalled output to take the last lines. */
const CLOSE_WAIT_MS = 1000;

/**
 * The service's stdout, shared by its log lines (pino's, written at once) and its access lines
 * (gathered and written 64 KiB at a time, every 200 ms and at close). Bun 1.4's writer ignores
 * its `highWaterMark` (oven-sh/bun#35987) and writes what it holds at each turn of the event
 * loop: one write(2) per 1-4 requests under a GET load, 4-12 % of a GET's CPU (ARCHITECTURE.md,
 * "The hot path, measured"). It also keeps, without limit, whatever stdout's reader has not
 * taken, and a synchronous writer (pino's own) blocks the event loop instead. Here the next
 * write waits until the writer has taken the last one, at most 4 MiB of lines wait meanwhile,
 * and the lines past that are dropped and counted: a log collector that stops reading costs
 * lines, never memory, and never a request. A line written at once reaches the kernel before
 * `line` returns whenever the output takes it, so a line logged right before the process exits
 * is not lost. A kill -9 loses at most the last 200 ms of access lines.
 */
export function createStdout(writer: StdoutWriter = Bun.stdout.writer({ highWaterMark: BATCH_CHARS })) {
  let held = "";
  let dropped = 0;
  /** The writer's promise to take the last write, while it has not. */
  let taking: Promise<unknown> | undefined;

  const handOver = () => {
    if (taking || !held) return;
    const chunk = held;
    held = "";
    try {
      void writer.write(chunk);
      const flushed = writer.flush();
      if (flushed instanceof Promise) {
        const taken = () => {
          taking = undefined;
          if (held.length >= BATCH_CHARS) handOver();
        };
        // Refused too when the reader went away (EPIPE): that chunk is lost, the next may go.
        taking = flushed.then(taken, taken);
      }
    } catch {
      dropped += lineCount(chunk);
    }
  };

  /** Holds `text` (whole lines) unless too much waits already; true when it was kept. */
  const hold = (text: string) => {
    if (held.length >= MAX_HELD_CHARS) {
      dropped += lineCount(text);
      return false;
    }
    held += text;
    return true;
  };

  const timer = setInterval(handOver, FLUSH_EVERY_MS);
  timer.unref();

  return {
    /** Written at once (a log line), with the access lines gathered before it, in their order. */
    line(text: string) {
      if (hold(text)) handOver();
    },
    /** Gathered into the next batch (an access line). */
    gather(text: string) {
      if (hold(text) && held.length >= BATCH_CHARS) handOver();
    },
    droppedLines: () => dropped,
    /** Hands over what is held and waits, at most a second, for the output to take it. */
    async close() {
      clearInterval(timer);
      let waited: Timer | undefined;
      const deadline = new Promise((resolve) => {
        waited = setTimeout(resolve, CLOSE_WAIT_MS);
      });
      await Promise.race([taking, deadline]);
      handOver();
      await Promise.race([taking, deadline]);
      clearTimeout(waited);
    },
  };
}

export type Stdout = ReturnType<typeof createStdout>;

function lineCount(text: string) {
  let lines = 0;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) lines++;
  return lines;
}
