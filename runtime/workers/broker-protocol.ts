/**
 * The messages between a thread channel's endpoints and its broker
 * (channel-broker.ts says what each means), and the broker's record of an
 * endpoint in another thread: the credits lent to it.
 */
import type { MessagePort } from "node:worker_threads";
import type { SerializedError } from "./protocol.js";

export type ToBroker =
  | { t: "send"; id: number; v: unknown; claim?: Int32Array; ci?: number; poll?: boolean }
  | { t: "recv"; id: number; claim?: Int32Array; ci?: number; poll?: boolean }
  | { t: "close"; id: number; ret?: number }
  | { t: "withdraw"; id: number }
  | { t: "attach"; port: MessagePort }
  | { t: "vals"; vs: unknown[] }
  | { t: "return"; n: number };

export type FromBroker =
  | { t: "done"; id: number; v: unknown; ok: boolean; credits?: number }
  | { t: "err"; id: number; error: SerializedError }
  | { t: "withdrawn"; id: number }
  | { t: "notready"; id: number }
  | { t: "credit"; n: number }
  | { t: "revoke" };

/** Who made a request: a port to another thread, or an endpoint of this thread (answered by a direct call). */
export interface Requester {
  answer(m: FromBroker): void;
}

/** An endpoint in another thread, and the credits lent to it. */
export class Remote implements Requester {
  open = true;
  /** Credits lent and not yet come back as values or returned (change it with `ChannelBroker.adjust`). */
  held = 0;
  /** A revoke is on its way: lend nothing until the return. */
  revoking = false;

  constructor(private readonly port: MessagePort) {}

  answer(m: FromBroker): void {
    if (this.open) this.port.postMessage(m);
  }
}

/**
 * Most credits one endpoint holds: the whole buffer (at most 1024) while it
 * is the only endpoint of another thread that is sending, half when others
 * are too, so that two streaming workers both keep going. A sender that
 * waits gets the room it needs back by a revoke either way.
 */
export function window(capacity: number, shared: boolean): number {
  const whole = Math.min(capacity, 1024);
  return shared ? Math.max(1, Math.ceil(whole / 2)) : whole;
}
