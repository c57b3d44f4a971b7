// Reliability and security harness: fuzzing, fault matrix, load and a secret scan against the local stack.
// Usage: npx tsx test/bench/harden.ts [--only fuzz|faults|load|crash] [--runs N] [--fault-runs N] [--deliveries N] [--logins N]
//          [--seed N] [--json] [--force-failure]
//   npm run harden   everything (2,000 fuzz cases per entry point by default)
//   npm run fuzz     fuzzing only, 10,000 cases per entry point
// Exits 1 when any check fails (fault not survived, lost update, 5xx, accepted forgery, secret found), 2 on a crash.
// `--force-failure` adds one failed check, to prove that the exit code binds (test/harden/exit-code.test.ts).
import { cpus, loadavg } from 'node:os';
import { startHarness } from '../harden/harness/context';
import type { FaultRun } from '../harden/harness/faults';
import type { FuzzResult } from '../harden/harness/fuzz';
import {
  assemble,
  crashPhase,
  failedChecks,
  faultPhase,
  fuzzPhase,
  loadPhase,
  type HardenReport,
} from '../harden/harness/report';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const only = (() => {
  const i = args.indexOf('--only');
  return i >= 0 ? args[i + 1] : undefined;
})();
const json = flag('json');
const say = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);

function table(report: HardenReport, seconds: number): string {
  const rows: Array<[string, string | number]> = [
    [
      'measured',
      `${report.measured_at.slice(0, 10)} (${seconds.toFixed(0)} s, ${cpus().length} vCPU, load ${loadavg()[0]!.toFixed(1)})`,
    ],
    ['fuzz cases tried', report.fuzz_cases],
    ...Object.entries(report.fuzz_cases_by_function).map(([fn, n]): [string, number] => [`  ${fn}`, n]),
    ['failures found', report.failures_found],
    ['HTTP 5xx', report.http_5xx],
    ['forged signatures accepted', `${report.forged_accepted} of ${report.forged_tried}`],
    ['faults injected', report.faults_injected],
    ['faults survived', report.faults_survived],
    [
      'fault runs (converged / failed cleanly / violations)',
      `${report.fault_runs_converged} / ${report.fault_runs_failed_cleanly} / ${report.fault_violations.length}`,
    ],
    ['secrets checked / texts scanned', `${report.secrets_checked} / ${report.texts_scanned}`],
    ['secrets found', report.secrets_found],
  ];
  if (report.crash_points !== undefined)
    rows.push(['crash points / lost', `${report.crash_points} / ${report.crash_lost}`]);
  if (report.header_swaps !== undefined)
    rows.push(['header swaps / repaired', `${report.header_swaps} / ${report.header_swaps_repaired}`]);
  const b = report.webhook_burst;
  if (b)
    rows.push([
      'webhook burst',
      `${b.requests} at ${b.concurrency}: ${b.perSecond}/s, p50 ${b.p50Ms} ms, p99 ${b.p99Ms} ms, ${b.errors} errors (${b.http5xx} 5xx), ${b.failedAfterRetries} failed after retries, ${b.lostUpdates} lost updates`,
    ]);
  const s = report.login_storm;
  if (s)
    rows.push([
      'login storm',
      `${s.requests} at ${s.concurrency}: ${s.perSecond}/s, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, ${s.errors} errors (${s.http5xx} 5xx), ${s.distinctUsers} distinct users`,
    ]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const seed = option('seed', 20260801);
  // Tens of thousands of web calls in a few minutes: lift the host's DO-like 600 activations/min namespace limit (DO
  // raises it on request), as bench:webhooks does; the 120 concurrent activations stay. `npm test` runs at the real limits.
  const h = await startHarness({ host: { poolCap: 16, limits: { perMinute: 100_000 } } });
  h.recording = true;
  let fuzz: FuzzResult[] = [];
  let faults: FaultRun[] = [];
  let load: Pick<HardenReport, 'webhook_burst' | 'login_storm'> = {};
  try {
    if (!only || only === 'fuzz')
      fuzz = await fuzzPhase(h, option('runs', only === 'fuzz' ? 10_000 : 2_000), option('concurrency', 8), seed, say);
    if (!only || only === 'load')
      load = await loadPhase(h, {
        deliveries: option('deliveries', 1000),
        concurrency: 64,
        logins: option('logins', 200),
      });
    if (!only || only === 'faults') faults = await faultPhase(h, option('fault-runs', 4), seed, say);
    const crash = !only || only === 'crash' ? await crashPhase(h, say) : {};
    const report = { ...(await assemble(h, fuzz, faults, load)), ...crash };
    if (flag('force-failure')) report.forced_failures = ['--force-failure was given'];
    const seconds = (Date.now() - started) / 1000;
    say(table(report, seconds));
    for (const v of report.violations.slice(0, 10))
      say(`  ${v.fn} ${v.property}: ${v.detail} — ${v.request.method} ${v.request.path}`);
    for (const v of report.fault_violations.slice(0, 10)) say(`  ${v.scenario} run ${v.run}: ${v.detail}`);
    for (const f of report.secret_findings.slice(0, 10)) say(`  secret ${f.secret} (${f.encoding}) in ${f.where}`);
    for (const c of report.crash_failures ?? [])
      say(`  crash ${c.fn} after Spaces request ${c.afterRequest}: ${c.detail}`);
    for (const s of report.header_swap_failures ?? []) say(`  header swap ${s.kind}: ${s.detail}`);
    const failed = failedChecks(report);
    for (const line of failed) say(`FAILED: ${line}`);
    if (json) process.stdout.write(`${JSON.stringify({ ...report, seconds, failed_checks: failed })}\n`);
    process.exitCode = failed.length > 0 ? 1 : 0;
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(2);
});
