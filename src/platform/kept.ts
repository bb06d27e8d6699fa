/**
 * The latest `keep` items by key, the oldest dropped first: what a local stand-in (the e-mail and
 * WhatsApp providers of the demo and the tests) remembers having sent. Looking a key up is one map
 * read, not a scan of everything sent since the process started, and the memory stays bounded in
 * a demo that runs for weeks. A retry comes minutes after its first attempt, far inside the window.
 */
export class KeptByKey<T> {
  private readonly list: T[] = [];
  private readonly keys: string[] = [];
  private readonly byKey = new Map<string, T>();

  constructor(private readonly keep: number) {
    if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`keep must be a positive integer, got ${keep}`);
  }

  /** Oldest first. */
  get items(): readonly T[] {
    return this.list;
  }

  get(key: string): T | undefined {
    return this.byKey.get(key);
  }

  /** Keep `item` under `key` (a key already kept is replaced in the index, not in the list). */
  add(key: string, item: T): void {
    this.list.push(item);
    this.keys.push(key);
    this.byKey.set(key, item);
    // Trimmed once a tenth past the window, so a full window is not spliced on every send.
    if (this.list.length > this.keep + Math.floor(this.keep / 10)) {
      const drop = this.list.length - this.keep;
      const gone = this.list.splice(0, drop);
      // A key kept again later points at its newer item, which stays.
      this.keys.splice(0, drop).forEach((k, i) => {
        if (this.byKey.get(k) === gone[i]) this.byKey.delete(k);
      });
    }
  }
}
