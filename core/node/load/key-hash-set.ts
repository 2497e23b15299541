/**
 * The keys a load has applied so far, as 64-bit hashes in flat typed arrays (8 bytes a slot, about
 * 16 MB per million keys): enough to tell, chunk by chunk, which rows repeat a key an earlier chunk
 * wrote, without keeping a string or an object per key on V8's heap. Two different keys share a
 * hash with a probability of about n²/2⁶⁵ (one in 700,000 for 5 million keys).
 */
export class KeyHashSet {
  /** Slot i holds its hash's high half at 2i and low half at 2i + 1: one cache line per probe. */
  private slots = new Uint32Array(2 * 1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Whether the hash `hi`/`lo` (see `pushKeyHash`) is in the set. */
  has(hi: number, lo: number): boolean {
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const h = slots[2 * i]!;
      const l = slots[2 * i + 1]!;
      if (h === hi && l === lo) return true;
      if (h === 0 && l === 0) return false;
    }
  }

  add(hi: number, lo: number): void {
    if ((this.count + 1) * 4 > this.slots.length) this.grow();
    if (insert(this.slots, hi, lo)) this.count++;
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) {
      const h = old[i]!;
      const l = old[i + 1]!;
      if (h !== 0 || l !== 0) insert(slots, h, l);
    }
    this.slots = slots;
  }
}

/** Linear probing into interleaved slots; false when the hash was there already. */
function insert(slots: Uint32Array, hi: number, lo: number): boolean {
  const mask = (slots.length >>> 1) - 1;
  for (let i = lo & mask; ; i = (i + 1) & mask) {
    const h = slots[2 * i]!;
    const l = slots[2 * i + 1]!;
    if (h === 0 && l === 0) {
      slots[2 * i] = hi;
      slots[2 * i + 1] = lo;
      return true;
    }
    if (h === hi && l === lo) return false;
  }
}

/**
 * Hashes a key identity (see `keyFunction`: a number, a string or a boolean) to 64 bits, two
 * independent 32-bit lanes (the mixing of cyrb53), and pushes them onto `out` as two unsigned
 * numbers, high half first; never 0/0 (the empty slot). No object per key: this runs once per row.
 * The type is part of the hash: 1 and '1' differ.
 */
export function pushKeyHash(key: unknown, out: number[]): void {
  let h1 = 0xdeadbeef ^ (typeof key === 'string' ? 1 : typeof key === 'number' ? 2 : 3);
  let h2 = 0x41c6ce57;
  if (typeof key === 'number' && Number.isSafeInteger(key)) {
    // A whole number mixes as its two 32-bit halves: no string is made for it.
    const low = key >>> 0;
    const high = Math.floor(key / 4294967296) | 0;
    h1 = Math.imul(h1 ^ low, 2654435761);
    h2 = Math.imul(h2 ^ low, 1597334677);
    h1 = Math.imul(h1 ^ high, 2654435761);
    h2 = Math.imul(h2 ^ high, 1597334677);
  } else {
    const text = String(key);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const hi = h2 >>> 0;
  const lo = h1 >>> 0;
  out.push(hi, hi === 0 && lo === 0 ? 1 : lo);
}
