import { Cron } from 'croner';
import type { FunctionSpec, TriggerSpec } from '../do/project';
import type { ActivationRecord } from './activations';
import type { Invoker } from './invoker';

/** A trigger together with the function it fires. */
export interface BoundTrigger {
  trigger: TriggerSpec;
  fn: FunctionSpec;
}

/** A trigger as listed by the host. */
export interface TriggerInfo {
  name: string;
  fn: string;
  cron: string;
  enabled: boolean;
  nextRun?: string;
}

/** Scheduled triggers of one host: fired on demand, or on their cron schedule (UTC) when started. */
export class TriggerRunner {
  private readonly triggers = new Map<string, BoundTrigger>();
  private readonly jobs = new Map<string, Cron>();

  constructor(
    functions: Iterable<FunctionSpec>,
    private readonly invoker: Invoker,
    private readonly log: (line: string) => void,
  ) {
    for (const fn of functions) for (const trigger of fn.triggers) this.triggers.set(trigger.name, { trigger, fn });
  }

  /** Names of every declared trigger. */
  names(): string[] {
    return [...this.triggers.keys()];
  }

  /** Runs the trigger's function as a non-web invocation with `withBody` as params; resolves with the finished activation. */
  async fire(name: string): Promise<ActivationRecord> {
    const bound = this.triggers.get(name);
    if (!bound) throw new Error(`unknown trigger '${name}' (known: ${this.names().join(', ') || 'none'})`);
    const started = this.invoker.start(
      bound.fn,
      { ...bound.fn.parameters, ...bound.trigger.body },
      { enforceLimits: false },
    );
    if (!started.ok) throw new Error(`trigger '${name}' was refused: ${started.error}`);
    return (await started.done).record;
  }

  /** Every trigger with its function and, when scheduled, its next run (ISO, UTC). */
  describe(): TriggerInfo[] {
    return [...this.triggers.values()].map(({ trigger, fn }) => {
      const job = this.jobs.get(trigger.name);
      return {
        name: trigger.name,
        fn: `${fn.pkg}/${fn.name}`,
        cron: trigger.cron,
        enabled: trigger.enabled,
        nextRun: job?.nextRun()?.toISOString(),
      };
    });
  }

  /** Schedules every enabled trigger with croner in UTC. */
  schedule(): void {
    for (const [name, { trigger }] of this.triggers) {
      if (!trigger.enabled) continue;
      // Unnamed jobs: croner's names are process-global, and several hosts may run in one process.
      const job = new Cron(trigger.cron, { timezone: 'UTC', protect: true }, () => {
        this.log(`trigger ${name} fired (${trigger.cron})`);
        this.fire(name).catch((err: unknown) => this.log(`trigger ${name} failed: ${String(err)}`));
      });
      this.jobs.set(name, job);
    }
  }

  /** Stops every scheduled job. */
  stop(): void {
    for (const job of this.jobs.values()) job.stop();
    this.jobs.clear();
  }
}
