import { type LocalWarehouse, openLocalWarehouse } from '../pg/local-warehouse.ts';

/**
 * The engine's handle on the embedded `local` warehouse: started on first use (a connection test,
 * a table list), then kept for the engine's life and stopped when the engine closes.
 */
export class Warehouse {
  #opened: Promise<LocalWarehouse> | null = null;

  constructor(private readonly dataDir: string) {}

  /** Starts (or reuses) the warehouse. A failed start is not cached: the next call tries again. */
  open(): Promise<LocalWarehouse> {
    if (!this.#opened) {
      const opening = openLocalWarehouse(this.dataDir);
      this.#opened = opening;
      opening.catch(() => {
        if (this.#opened === opening) this.#opened = null;
      });
    }
    return this.#opened;
  }

  /** Stops the warehouse if this engine started using it (it stays up while others use it). */
  async stop(): Promise<void> {
    const opening = this.#opened;
    this.#opened = null;
    const opened = await opening?.catch(() => null);
    await opened?.stop();
  }
}
