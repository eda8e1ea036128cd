// The listeners of one kind of driver event. Every feed (serial, HID,
// simulated, remote) hands out subscriptions the same way: adding returns
// the function that removes, and close() forgets them all.

export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  /** Subscribes; returns the function that unsubscribes. */
  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => {
      this.set.delete(listener);
    };
  }

  emit(value: T): void {
    for (const l of this.set) l(value);
  }

  clear(): void {
    this.set.clear();
  }
}
