import type { Log } from './log.js';

/**
 * Runs one chore every `everyMs`, never two at once, starting now. A failing chore is logged and
 * tried again next time; `stop` waits for the one in progress.
 */
export class Janitor {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> = Promise.resolve();

  constructor(
    private readonly chore: () => Promise<void>,
    private readonly everyMs: number,
    private readonly log: Log,
  ) {}

  start(): void {
    const tick = () => {
      this.current = this.chore().catch((error: unknown) => this.log.error({ err: error }, 'janitor chore failed'));
      void this.current.then(() => {
        if (this.timer) this.timer = setTimeout(tick, this.everyMs).unref();
      });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }
}
