// The listeners of one kind of driver event. Every feed (serial, HID,
// simulated, remote) hands out subscriptions the same way: adding returns
// the function that removes, and close() forgets them all.
import type { DriverStatus, ThermometerNotice, ThermometerReading } from './contract.js';

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

/**
 * A thermometer feed's three kinds of event, subscribed to and sent the same
 * way by every thermometer (serial, remote, the kiosk's slot).
 */
export class ThermometerEvents {
  protected readonly readings = new Listeners<ThermometerReading>();
  protected readonly statuses = new Listeners<DriverStatus>();
  protected readonly notices = new Listeners<ThermometerNotice>();

  onReading(listener: (reading: ThermometerReading) => void): () => void {
    return this.readings.add(listener);
  }

  onStatus(listener: (status: DriverStatus) => void): () => void {
    return this.statuses.add(listener);
  }

  onNotice(listener: (notice: ThermometerNotice) => void): () => void {
    return this.notices.add(listener);
  }

  /** Forgets every subscriber (the feed is closing). */
  protected forgetListeners(): void {
    this.readings.clear();
    this.statuses.clear();
    this.notices.clear();
  }
}
