import type { Harness } from './context';
import { crashMatrix, headerSwaps, type CrashPoint, type HeaderSwap } from './crash';
import { burstUnderFaults, callbacksUnderFaults, syncUnderFaults, type FaultRun } from './faults';
import { facebookSyncUnderFaults, multipartUnderFaults } from './faults-more';
import {
  callbackSource,
  genericSource,
  runFuzz,
  signedRequestSource,
  webhookSource,
  type CaseSource,
  type FuzzResult,
} from './fuzz';
import { loginStorm, webhookBurst, type LoadFigures } from './load';
import type { Violation } from './properties';
import { scanForSecrets, type SecretFinding } from './secrets';
import { facebookWebhookKind, shopifyWebhookKind } from './signed-webhooks';

/** Everything `npm run harden` measured; the JSON form keeps these snake_case keys. */
export interface HardenReport {
  measured_at: string;
  fuzz_cases: number;
  fuzz_cases_by_function: Record<string, number>;
  failures_found: number;
  http_5xx: number;
  forged_tried: number;
  forged_accepted: number;
  faults_injected: number;
  faults_survived: number;
  fault_runs: number;
  fault_runs_converged: number;
  fault_runs_failed_cleanly: number;
  fault_violations: FaultRun[];
  secrets_checked: number;
  texts_scanned: number;
  secrets_found: number;
  secret_findings: SecretFinding[];
  webhook_burst?: LoadFigures & { lostUpdates: number; retried: number; failedAfterRetries: number };
  login_storm?: LoadFigures & { distinctUsers: number };
  violations: Violation[];
  /** Crash matrix: crashes injected at Spaces request boundaries, and acknowledged updates lost after settling. */
  crash_points?: number;
  crash_lost?: number;
  crash_failures?: CrashPoint[];
  /** Forged-header deliveries sent, and those that ended with the catalog the Admin API returns. */
  header_swaps?: number;
  header_swaps_repaired?: number;
  header_swap_failures?: HeaderSwap[];
  /** Failures added on purpose (`--force-failure`), to prove that the exit code binds. */
  forced_failures?: string[];
}

/** Fuzzes every web function with `runs` malformed cases, plus `runs` signed mutations for each signed entry point. */
export async function fuzzPhase(
  h: Harness,
  runs: number,
  concurrency: number,
  seed: number,
  progress: (line: string) => void,
): Promise<FuzzResult[]> {
  const session = await h.sessionCookie('0b9f6c1e-2d3a-4b5c-8d7e-9f0a1b2c3d4e');
  const shopifySecret = h.stack.env.SHOPIFY_API_SECRET!;
  const facebookSecret = h.stack.env.FACEBOOK_APP_SECRET!;
  h.stack.shopify!.seedShop('fuzz-callback.myshopify.com', { products: 5 });
  const sources: CaseSource[] = h.targets.map((t, i) => genericSource(t, seed + i, runs, session));
  sources.push(webhookSource(shopifyWebhookKind(shopifySecret), shopifySecret, seed, runs));
  sources.push(webhookSource(facebookWebhookKind(facebookSecret), facebookSecret, seed, runs));
  sources.push(callbackSource(h, 'fuzz-callback', seed, runs));
  for (const t of h.targets.filter((x) => /data-deletion|deauthorize/.test(x.fn)))
    sources.push(signedRequestSource(t, facebookSecret, seed, runs));
  const results: FuzzResult[] = [];
  for (const source of sources) {
    const started = Date.now();
    const result = await runFuzz(h, source, runs, { concurrency });
    results.push(result);
    progress(
      `fuzz ${source.fn} (${source.label}): ${result.cases} cases, ${result.violations.length} failures, ${result.http5xx} 5xx, forged accepted ${result.forgedAccepted}/${result.forgedTried} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  return results;
}

/** The fault matrix at `rate`, with slow timeouts included. */
export async function faultPhase(
  h: Harness,
  runs: number,
  seed: number,
  progress: (line: string) => void,
): Promise<FaultRun[]> {
  const intensity = { rate: 0.2, seed, timeouts: true };
  const all: FaultRun[] = [];
  const phases: Array<[string, () => Promise<FaultRun[]>]> = [
    ['shopify/sync', () => syncUnderFaults(h, intensity, runs)],
    ['shopify/callback', () => callbacksUnderFaults(h, intensity, runs)],
    ['webhook burst', () => burstUnderFaults(h, intensity, Math.max(1, Math.ceil(runs / 2)), 30)],
    ['multipart', () => multipartUnderFaults(h, intensity, runs)],
    ['facebook/sync', () => facebookSyncUnderFaults(h, intensity, runs)],
  ];
  for (const [name, phase] of phases) {
    const runsOf = await phase();
    all.push(...runsOf);
    const bad = runsOf.filter((r) => r.outcome === 'violation');
    progress(
      `faults ${name}: ${runsOf.length} runs, ${runsOf.reduce((n, r) => n + r.faults, 0)} faults, ${bad.length} violations${bad[0] ? ` (${bad[0].detail})` : ''}`,
    );
  }
  return all;
}

/** Assembles the report from the phases' results and a final secret scan of everything the run produced. */
export async function assemble(
  h: Harness,
  fuzz: FuzzResult[],
  faults: FaultRun[],
  load: Pick<HardenReport, 'webhook_burst' | 'login_storm'>,
): Promise<HardenReport> {
  const scan = await scanForSecrets(h);
  const byFunction: Record<string, number> = {};
  for (const r of fuzz) byFunction[r.fn] = (byFunction[r.fn] ?? 0) + r.cases;
  const violations = fuzz.flatMap((r) => r.violations);
  for (const crash of h.crashes.poll())
    violations.push({
      fn: crash.name,
      property: 'no-crash',
      detail: crash.error,
      request: { method: '-', path: crash.id },
    });
  const faultViolations = faults.filter((r) => r.outcome === 'violation');
  return {
    measured_at: new Date().toISOString(),
    fuzz_cases: fuzz.reduce((n, r) => n + r.cases, 0),
    fuzz_cases_by_function: byFunction,
    failures_found: violations.length + faultViolations.length + scan.findings.length,
    http_5xx: fuzz.reduce((n, r) => n + r.http5xx, 0),
    forged_tried: fuzz.reduce((n, r) => n + r.forgedTried, 0),
    forged_accepted: fuzz.reduce((n, r) => n + r.forgedAccepted, 0),
    faults_injected: faults.reduce((n, r) => n + r.faults, 0),
    faults_survived: faults.filter((r) => r.outcome !== 'violation').reduce((n, r) => n + r.faults, 0),
    fault_runs: faults.length,
    fault_runs_converged: faults.filter((r) => r.outcome === 'converged').length,
    fault_runs_failed_cleanly: faults.filter((r) => r.outcome === 'failed-cleanly').length,
    fault_violations: faultViolations,
    secrets_checked: scan.secrets,
    texts_scanned: scan.texts,
    secrets_found: scan.findings.length,
    secret_findings: scan.findings,
    ...load,
    violations,
  };
}

/**
 * Every check of the report that failed, in words; empty when all held. `npm run harden` exits non-zero unless this is
 * empty: a fault not survived, a lost update, a 5xx, an accepted forgery, a secret found, or any other violation.
 */
export function failedChecks(report: HardenReport): string[] {
  const out: string[] = [];
  if (report.violations.length > 0)
    out.push(`${report.violations.length} property violation(s) found by fuzzing or crash watch`);
  if (report.http_5xx > 0) out.push(`${report.http_5xx} HTTP 5xx answer(s) to fuzz cases`);
  if (report.forged_accepted > 0) out.push(`${report.forged_accepted} forged request(s) accepted`);
  if (report.fault_violations.length > 0) {
    const lost = report.faults_injected - report.faults_survived;
    out.push(`${report.fault_violations.length} fault run(s) violated a property (${lost} fault(s) not survived)`);
  }
  if (report.secrets_found > 0) out.push(`${report.secrets_found} secret(s) found in responses, logs or objects`);
  const burst = report.webhook_burst;
  if (burst && burst.lostUpdates > 0) out.push(`webhook burst lost ${burst.lostUpdates} acknowledged update(s)`);
  if (burst && burst.failedAfterRetries > 0)
    out.push(`webhook burst: ${burst.failedAfterRetries} delivery(ies) failed after retries`);
  if ((report.crash_lost ?? 0) > 0) out.push(`crash matrix lost ${report.crash_lost} acknowledged update(s)`);
  const unrepaired = (report.header_swaps ?? 0) - (report.header_swaps_repaired ?? 0);
  if (unrepaired > 0) out.push(`${unrepaired} forged-header delivery(ies) left data the Admin API does not return`);
  for (const forced of report.forced_failures ?? []) out.push(`forced failure: ${forced}`);
  return out;
}

/** The crash matrix and the forged-header deliveries, as report keys. */
export async function crashPhase(h: Harness, progress: (line: string) => void): Promise<Partial<HardenReport>> {
  const matrix = await crashMatrix(h);
  const swaps = await headerSwaps(h);
  const repaired = swaps.filter((s) => s.repaired).length;
  progress(
    `crash matrix: ${matrix.crash_points} crash points, ${matrix.crash_lost} lost; header swaps: ${repaired} of ${swaps.length} repaired`,
  );
  return {
    crash_points: matrix.crash_points,
    crash_lost: matrix.crash_lost,
    crash_failures: matrix.points.filter((p) => !p.survived),
    header_swaps: swaps.length,
    header_swaps_repaired: repaired,
    header_swap_failures: swaps.filter((s) => !s.repaired),
  };
}

/** Runs the webhook burst and the login storm at the given sizes. */
export async function loadPhase(
  h: Harness,
  sizes: { deliveries: number; concurrency: number; logins: number },
): Promise<Pick<HardenReport, 'webhook_burst' | 'login_storm'>> {
  const webhook_burst = await webhookBurst(h, {
    shop: 'harden-burst',
    products: 50,
    deliveries: sizes.deliveries,
    concurrency: sizes.concurrency,
  });
  const login_storm = await loginStorm(h, { n: sizes.logins, concurrency: sizes.logins, prefix: 'harden-storm' });
  return { webhook_burst, login_storm };
}
