import type pg from 'pg';
import { createStageSql, type MoveShape } from './statements.ts';

/**
 * The load's staging table: a temp table made on first use (a chunk the server refused, an upsert's
 * first chunk, a staged load) and dropped once the load is over or may have outlived a commit.
 */
export class StageTable {
  #exists = false;

  constructor(
    private readonly client: pg.Client,
    /** The quoted table name (`MoveShape.stage`). */
    readonly name: string,
  ) {}

  /**
   * Makes the table for `shape` unless it exists. `withSource`: it also keeps each row's line and raw
   * cells (a staged load, whose rows leave memory).
   */
  async ensure(shape: MoveShape, withSource = false): Promise<void> {
    if (this.#exists) return;
    await this.client.query(createStageSql(shape, withSource));
    this.#exists = true;
  }

  /** Drops the table if it was made. */
  async drop(): Promise<void> {
    if (this.#exists) await this.client.query(`DROP TABLE IF EXISTS ${this.name}`);
    this.#exists = false;
  }
}
