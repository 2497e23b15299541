const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * A count with its noun, singular or plural as the count asks: `1 rejected row`, `2 rejected rows`,
 * `1,200 rows`. `plural` defaults to the singular plus `s`.
 */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${COUNT.format(n)} ${n === 1 ? singular : plural}`;
}

/** `is` or `are`, `was` or `were`: the verb that agrees with a count. */
export function agree(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}
