/** A progress line for long work in a terminal; silent when stderr is not a terminal. */
import { SingleBar } from 'cli-progress';

export interface Progress {
  update(pages: number): void;
  stop(): void;
}

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, stop() {} };
  const bar = new SingleBar({
    format: `${label}  {value} pages  {duration_formatted}`,
    stream,
    hideCursor: true,
    clearOnComplete: false,
  });
  let started = false;
  let stopped = false;
  return {
    update(pages) {
      if (stopped) return;
      if (!started) {
        bar.start(0, 0);
        started = true;
      }
      bar.update(pages);
    },
    stop() {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}
