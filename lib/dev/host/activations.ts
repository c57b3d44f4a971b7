import { randomBytes } from 'node:crypto';

/** OpenWhisk's activation outcome categories. */
export type ActivationStatus = 'success' | 'application error' | 'action developer error' | 'whisk internal error';

/** An activation record as served by `GET /api/v1/namespaces/<ns>/activations/<id>`. */
export interface ActivationRecord {
  activationId: string;
  /** `<pkg>/<fn>` */
  name: string;
  namespace: string;
  start: number;
  end?: number;
  duration?: number;
  response?: { status: ActivationStatus; success: boolean; result: Record<string, unknown> };
  logs: string[];
  annotations: Array<{ key: string; value: unknown }>;
}

/** A 32-hex-digit id, as used for activation and transaction ids. */
export function newActivationId(): string {
  return randomBytes(16).toString('hex');
}

/** In-memory activation records of one host, with a way to await completion. */
export class ActivationStore {
  private readonly records = new Map<string, { record: ActivationRecord; done: Promise<ActivationRecord> }>();

  /** Registers a started activation and the promise of its completion. */
  add(record: ActivationRecord, done: Promise<ActivationRecord>): void {
    this.records.set(record.activationId, { record, done });
  }

  /** Returns the record (possibly still running) or undefined. */
  get(activationId: string): ActivationRecord | undefined {
    return this.records.get(activationId)?.record;
  }

  /** Resolves once the activation has ended; rejects for an unknown id. */
  wait(activationId: string): Promise<ActivationRecord> {
    const entry = this.records.get(activationId);
    return entry ? entry.done : Promise.reject(new Error(`unknown activation ${activationId}`));
  }

  /** Every record, oldest first. */
  list(): ActivationRecord[] {
    return [...this.records.values()].map((e) => e.record);
  }
}
