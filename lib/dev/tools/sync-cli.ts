import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEnvFile } from '../do/templating';
import { LOCAL_ENV_FILE, readLocalEnv } from '../local-env';
import type { PollDeps } from '../../poll/deps';
import type { MerchantResult } from '../../poll/merchant-result';

/**
 * `npm run sync -- [--platform shopify|facebook] [--shop <shop> | --page <id> | --all]`: runs the
 * daily poll's sync code in-process against the configured Spaces and platforms (`.env` plus the
 * environment, as `npm start` and the deployer read them), with a progress bar and a summary table.
 */

const USAGE = `Usage: npm run sync -- [--platform shopify|facebook] (--shop <name[.myshopify.com]> | --page <page id> | --all)
  --shop <shop>   sync one Shopify store's whole catalog (paginated, or bulk past SHOPIFY_BULK_THRESHOLD)
  --page <id>     sync one connected Facebook Page
  --all           every connected shop and page in the registry (filter with --platform)
  --full          walk whole catalogs even where an incremental poll (changes since the last sync) would do
Reads .env and the environment (SPACES_*, SHOPIFY_*, FACEBOOK_*, TOKEN_ENCRYPTION_KEY, …); when they name no
store (SPACES_ENDPOINT unset), the settings of the running \`npm start\` from ${LOCAL_ENV_FILE}.`;

/** Parsed command line. */
export interface SyncArgs {
  platform?: 'shopify' | 'facebook';
  shop?: string;
  page?: string;
  all: boolean;
  /** Walk whole catalogs instead of an incremental poll. */
  full?: boolean;
}

/** Parses the arguments; returns an error message for anything it does not understand. */
export function parseSyncArgs(argv: readonly string[]): SyncArgs | { error: string } {
  const args: SyncArgs = { all: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i] ?? '';
    if (flag === '--all') args.all = true;
    else if (flag === '--full') args.full = true;
    else if (flag === '--shop') args.shop = value();
    else if (flag === '--page') args.page = value();
    else if (flag === '--platform') {
      const p = value();
      if (p !== 'shopify' && p !== 'facebook') return { error: `--platform must be shopify or facebook, not "${p}"` };
      args.platform = p;
    } else if (flag === '--help' || flag === '-h') return { error: '' };
    else return { error: `unknown argument "${flag}"` };
  }
  const targets = [args.shop, args.page, args.all || undefined].filter(Boolean).length;
  if (targets !== 1) return { error: 'give exactly one of --shop, --page or --all' };
  if ((args.shop && args.platform === 'facebook') || (args.page && args.platform === 'shopify'))
    return { error: '--platform contradicts the target' };
  return args;
}

/** `.env`, then development keys kept by `npm start` (sandbox), then the process environment. */
export function loadCliEnv(
  cwd: string,
  processEnv: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const fileVars = existsSync(join(cwd, '.env')) ? readEnvFile(join(cwd, '.env')) : {};
  const devKeysFile = join(cwd, '.data', 'dev-keys.json');
  const devKeys: Record<string, string> = existsSync(devKeysFile) ? JSON.parse(readFileSync(devKeysFile, 'utf8')) : {};
  return { ...devKeys, ...fileVars, ...processEnv };
}

/**
 * {@link loadCliEnv}, and when that names no store (`SPACES_ENDPOINT` unset) the running `npm start`'s
 * `.data/local.env` underneath it; `note` is the one line saying so (null when the file was not used).
 */
export function resolveCliEnv(
  cwd: string,
  processEnv: Record<string, string | undefined>,
): { env: Record<string, string | undefined>; note: string | null } {
  const own = loadCliEnv(cwd, processEnv);
  if (own.SPACES_ENDPOINT) return { env: own, note: null };
  const local = readLocalEnv(cwd);
  if (!local) return { env: own, note: null };
  const defined = Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined && v !== ''));
  return {
    env: { ...local, ...defined },
    note:
      `SPACES_* not set: using the settings of npm start (PID ${local.LOCAL_PID ?? '?'}, ` +
      `${local.LOCAL_HOST_URL ?? 'host'}) from ${LOCAL_ENV_FILE}.`,
  };
}

/** Seconds as `1m05s` / `12s`. */
const duration = (ms: number) => {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};

/** A one-line progress bar with counts and an ETA on a TTY, a plain line every 10% elsewhere. */
export function progressBar(
  write: (s: string) => void,
  isTty: boolean,
  label: string,
  total: number,
  now: () => number = Date.now,
) {
  let lastDecile = -1;
  const started = now();
  return (done: number) => {
    const ratio = total > 0 ? Math.min(1, done / total) : 0;
    if (isTty) {
      const filled = Math.round(ratio * 30);
      const elapsed = now() - started;
      const eta =
        done > 0 && done < total
          ? ` ETA ${duration((elapsed / done) * (total - done))}`
          : done >= total && total > 0
            ? ` in ${duration(elapsed)}`
            : '';
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}]`;
      write(`\r${label} ${bar} ${done}/${total || '?'} ${Math.round(ratio * 100)}%${eta}\x1b[K`);
      if (done >= total && total > 0) write('\n');
    } else if (Math.floor(ratio * 10) > lastDecile) {
      lastDecile = Math.floor(ratio * 10);
      write(`${label}: ${done}/${total || '?'}\n`);
    }
  };
}

/** Renders results as an aligned table. */
export function summaryTable(results: readonly MerchantResult[]): string {
  const rows = results.map((r) => [
    r.kind,
    r.id,
    r.status,
    r.productCount === undefined ? '' : String(r.productCount),
    r.mode ?? '',
    r.message ?? '',
  ]);
  const header = ['kind', 'id', 'status', 'products', 'mode', 'message'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 5 ? 0 : r[i]!.length))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 5 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w, i) => '-'.repeat(i === 5 ? 7 : w))), ...rows.map(line)].join('\n');
}

async function syncOneShop(shop: string, deps: PollDeps, out: CliOutput, full: boolean): Promise<MerchantResult> {
  const [{ countProducts }, { pollShop }] = await Promise.all([
    import('../../shopify/bulk-sync'),
    import('../../poll/shop-merchant'),
  ]);
  const total = await countProducts(deps.shopify.adminClient(shop)).catch(() => 0);
  const bar = progressBar(out.progress, out.isTty, shop, total);
  return pollShop(shop, deps, 'manual', bar, full);
}

/** Where the CLI writes. */
export interface CliOutput {
  log: (line: string) => void;
  progress: (chunk: string) => void;
  isTty: boolean;
}

/** Runs the CLI with an environment; resolves with the exit code (1 when any merchant failed). */
export async function runSyncCli(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  out: CliOutput,
): Promise<number> {
  const args = parseSyncArgs(argv);
  if ('error' in args) {
    out.log(args.error ? `${args.error}\n${USAGE}` : USAGE);
    return args.error ? 2 : 0;
  }
  const [{ createPollDeps }, { listMerchants }, { pollPage }, { forEachLimit }, { normalizeShop }] = await Promise.all([
    import('../../poll/deps'),
    import('../../poll/dispatcher'),
    import('../../poll/page-merchant'),
    import('../../concurrency'),
    import('../../shopify/shop-domain'),
  ]);
  const deps = await createPollDeps(env);
  const results: MerchantResult[] = [];
  // Without Facebook settings a Page sync would only record "not configured" in the merchant's status: skip it.
  const facebook = await deps.facebook();
  const noFacebook =
    'problem' in facebook
      ? `${facebook.problem}. Set FACEBOOK_APP_ID, FACEBOOK_APP_SECRET and ` +
        `FACEBOOK_VERIFY_TOKEN (or run npm start, which writes them to ${LOCAL_ENV_FILE}); ` +
        `the Pages' status was left untouched.`
      : null;
  let skippedPages = 0;
  if (args.shop) {
    const shop = normalizeShop(args.shop);
    if (!shop) {
      out.log(`"${args.shop}" is not a Shopify shop domain.`);
      return 2;
    }
    const { getShopRecord } = await import('../../shopify/connection');
    if (!(await getShopRecord(deps.store, shop))) {
      const { shops } = await listMerchants(deps);
      const known = shops.length
        ? `Connected shops: ${shops.join(', ')}.`
        : 'No shop is connected yet: connect one at <APP_URL>/shopify/<name>/login.';
      out.log(`${shop} is not connected. ${known}`);
      return 1;
    }
    results.push(await syncOneShop(shop, deps, out, args.full === true));
  } else if (args.page) {
    const { getPageRecord } = await import('../../facebook/registry');
    if (!(await getPageRecord(deps.store, args.page))) {
      const { pages } = await listMerchants(deps);
      const known = pages.length
        ? `Connected Pages: ${pages.join(', ')}.`
        : 'No Page is connected yet: connect one at <APP_URL>/facebook/login.';
      out.log(`Page ${args.page} is not connected. ${known}`);
      return 1;
    }
    if (noFacebook) {
      out.log(`Page ${args.page} was not synced: ${noFacebook}`);
      return 2;
    }
    results.push(await pollPage(args.page, deps, 'manual'));
  } else {
    const all = await listMerchants(deps);
    const shops = args.platform === 'facebook' ? [] : all.shops;
    let pages = args.platform === 'shopify' ? [] : all.pages;
    if (noFacebook && pages.length > 0) {
      out.log(`${pages.length} Facebook Page(s) not synced: ${noFacebook}`);
      skippedPages = pages.length;
      pages = [];
    }
    const bar = progressBar(out.progress, out.isTty, 'merchants', shops.length + pages.length);
    bar(0);
    const work = [...shops.map((id) => ['shop', id] as const), ...pages.map((id) => ['page', id] as const)];
    await forEachLimit(work, deps.settings.POLL_INPROCESS_CONCURRENCY, async ([kind, id]) => {
      const { pollShop } = await import('../../poll/shop-merchant');
      const full = args.full === true;
      results.push(
        kind === 'shop' ? await pollShop(id, deps, 'manual', undefined, full) : await pollPage(id, deps, 'manual'),
      );
      bar(results.length);
    });
  }
  out.log(`\n${summaryTable(results)}`);
  const failed = results.filter((r) => r.status === 'failed' || r.status === 'reauth_required').length;
  const skipped = skippedPages ? `; ${skippedPages} Page(s) skipped: Facebook settings missing` : '';
  const attention = failed ? `, ${failed} need attention` : '';
  out.log(`\n${results.length - failed} of ${results.length} synced${attention}${skipped}.`);
  return failed > 0 || skippedPages > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  const { env, note } = resolveCliEnv(process.cwd(), process.env);
  if (note) {
    console.error(note);
    const { localStackRunning } = await import('../local-env');
    if (!(await localStackRunning(env as Record<string, string>))) {
      console.error(
        'That npm start is not running: start it again (its ports change each time), ' +
          'or set SPACES_* and the platform settings.',
      );
      return 2;
    }
  }
  return runSyncCli(process.argv.slice(2), env, {
    log: (line) => console.log(line),
    progress: (chunk) => process.stderr.write(chunk),
    isTty: Boolean(process.stderr.isTTY),
  });
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  main()
    .then((code) => process.exit(code))
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    });
}
