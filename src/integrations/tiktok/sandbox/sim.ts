import type { World } from './world.js';

/**
 * Keeps the demo world alive: each real second simulates `speed` seconds of shop life (new orders
 * from each traffic source, shipping, delivery, returns, chats, cancellation requests). Timestamps
 * stay wall-clock; only the pace of events is accelerated, so SLAs in the app remain meaningful.
 */
export interface SimOptions {
  speed: number;
  /** New orders per shop per simulated hour. */
  ordersPerHour?: number;
  tickMs?: number;
  /** Called after each step of simulated time (the coupons' buyers decide on cards they received). */
  afterAdvance?: () => void;
}

export class SandboxSimulation {
  private timer: NodeJS.Timeout | undefined;
  private simTime = 0;
  /** Simulated second at which each open order takes its next step. */
  private nextStep = new Map<string, number>();
  private awaitingShip = new Map<string, number>();
  private awaitingAnswer = new Map<string, number>();

  constructor(private readonly world: World, private readonly o: SimOptions) {}

  start(): void {
    if (this.timer || this.o.speed <= 0) return;
    const tick = this.o.tickMs ?? 1000;
    this.timer = setInterval(() => this.advance((tick / 1000) * this.o.speed), tick);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Advance simulated time by `simSeconds` (tests call this directly). */
  advance(simSeconds: number): void {
    const w = this.world;
    const r = w.r;
    const rate = (this.o.ordersPerHour ?? 4) / 3600;
    this.simTime += simSeconds;
    for (const shop of w.shops) {
      let expected = rate * simSeconds;
      while (expected > 0) {
        if (r.next() < Math.min(1, expected)) {
          const o = w.createOrder(shop.id);
          this.nextStep.set(o.id, this.simTime + r.int(2, 12) * 3600);
          if (r.chance(0.04)) w.requestCancel(o.id);
        }
        expected -= 1;
      }
    }
    for (const [id, at] of this.nextStep) {
      if (at > this.simTime) continue;
      const o = w.orders.get(id);
      if (!o || o.status === 'CANCELLED') {
        this.nextStep.delete(id);
        continue;
      }
      if (o.status === 'AWAITING_SHIPMENT') {
        // A buyer's cancellation request holds the parcel until it is decided.
        if ([...w.cancellations.values()].some((c) => c.orderId === id && c.status === 'CANCELLATION_REQUEST_PENDING')) continue;
        w.ship(id);
        this.nextStep.set(id, this.simTime + r.int(24, 72) * 3600);
        if (r.chance(0.1)) w.buyerMessage(o, 'where');
      } else if (o.status === 'IN_TRANSIT') {
        w.setOrderStatus(id, 'DELIVERED');
        w.maybeAfterSales(o, w.nowSec(), false);
        this.nextStep.delete(id);
      } else {
        this.nextStep.delete(id);
      }
    }
    // Buyer cancellations the seller left unanswered for 48 hours are approved by the platform.
    w.autoDecide();
    // Partial refund offers: the buyer answers within a few simulated hours, mostly accepting.
    for (const rt of w.returns.values()) {
      if (rt.status !== 'AWAITING_BUYER_RESPONSE') {
        this.awaitingAnswer.delete(rt.id);
        continue;
      }
      const due = this.awaitingAnswer.get(rt.id);
      if (due === undefined) this.awaitingAnswer.set(rt.id, this.simTime + r.int(1, 8) * 3600);
      else if (due <= this.simTime) {
        this.awaitingAnswer.delete(rt.id);
        w.answerPartialRefund(rt.id, r.chance(0.7));
      }
    }
    // Returns the seller approved: the buyer ships within a simulated day.
    for (const rt of w.returns.values()) {
      if (rt.status !== 'AWAITING_BUYER_SHIP') {
        this.awaitingShip.delete(rt.id);
        continue;
      }
      const due = this.awaitingShip.get(rt.id);
      if (due === undefined) this.awaitingShip.set(rt.id, this.simTime + r.int(6, 24) * 3600);
      else if (due <= this.simTime) {
        w.setReturnStatus(rt.id, 'BUYER_SHIPPED_ITEM', { role: 'BUYER', note: 'Buyer shipped the item back' });
        this.awaitingShip.delete(rt.id);
      }
    }
    this.o.afterAdvance?.();
  }
}
