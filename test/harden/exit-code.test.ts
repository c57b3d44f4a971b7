import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedChecks, type HardenReport } from './harness/report';

const ROOT = join(__dirname, '..', '..');

function clean(): HardenReport {
  return {
    measured_at: '2026-12-04T00:00:00.000Z',
    fuzz_cases: 10,
    fuzz_cases_by_function: {},
    failures_found: 0,
    http_5xx: 0,
    forged_tried: 5,
    forged_accepted: 0,
    faults_injected: 3,
    faults_survived: 3,
    fault_runs: 1,
    fault_runs_converged: 1,
    fault_runs_failed_cleanly: 0,
    fault_violations: [],
    secrets_checked: 4,
    texts_scanned: 9,
    secrets_found: 0,
    secret_findings: [],
    violations: [],
    webhook_burst: {
      requests: 10,
      concurrency: 2,
      seconds: 1,
      perSecond: 10,
      p50Ms: 1,
      p99Ms: 2,
      errors: 0,
      http5xx: 0,
      lostUpdates: 0,
      retried: 0,
      failedAfterRetries: 0,
    },
  };
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'test/bench/harden.ts', ...args],
      { cwd: ROOT, timeout: 240_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('npm run harden verdict', () => {
  it('names every kind of failed check, and none for a clean report', () => {
    expect(failedChecks(clean())).toEqual([]);
    expect(
      failedChecks({ ...clean(), crash_points: 20, crash_lost: 0, header_swaps: 5, header_swaps_repaired: 5 }),
    ).toEqual([]);
    const cases: Array<[string, (r: HardenReport) => void, RegExp]> = [
      [
        'fault',
        (r) => r.fault_violations.push({ scenario: 's', run: 0, faults: 2, outcome: 'violation' }),
        /fault run/,
      ],
      ['lost', (r) => (r.webhook_burst!.lostUpdates = 1), /lost 1 acknowledged/],
      ['dropped', (r) => (r.webhook_burst!.failedAfterRetries = 2), /failed after retries/],
      ['5xx', (r) => (r.http_5xx = 1), /5xx/],
      ['forgery', (r) => (r.forged_accepted = 1), /forged/],
      ['secret', (r) => (r.secrets_found = 1), /secret/],
      ['crash', (r) => Object.assign(r, { crash_points: 20, crash_lost: 1 }), /crash matrix lost 1/],
      ['swap', (r) => Object.assign(r, { header_swaps: 5, header_swaps_repaired: 4 }), /forged-header/],
      [
        'violation',
        (r) => r.violations.push({ fn: 'f', property: 'no-crash', detail: 'd', request: { method: 'GET', path: '/' } }),
        /violation/,
      ],
    ];
    for (const [name, spoil, expected] of cases) {
      const report = clean();
      spoil(report);
      expect(failedChecks(report), name).toEqual([expect.stringMatching(expected)]);
    }
  });

  it('exits 0 when every check holds and 1 when one check fails (forced through --force-failure)', async () => {
    const ok = await run(['--only', 'fuzz', '--runs', '2', '--concurrency', '2', '--json']);
    expect(ok.code, ok.stderr.slice(-2000)).toBe(0);
    expect(JSON.parse(ok.stdout.trim().split('\n').pop()!).failed_checks).toEqual([]);
    const forced = await run(['--only', 'fuzz', '--runs', '2', '--concurrency', '2', '--json', '--force-failure']);
    expect(forced.code).toBe(1);
    expect(forced.stderr).toContain('FAILED: forced failure');
    expect(JSON.parse(forced.stdout.trim().split('\n').pop()!).failed_checks).toHaveLength(1);
  }, 300_000);
});
