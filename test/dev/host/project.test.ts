import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFunctions, loadProject, parseProject } from '../../../lib/dev/do/project';
import { parseDotenv, substituteVariables } from '../../../lib/dev/do/templating';

const DIR = mkdtempSync(join(tmpdir(), 'project-test-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const fn = (extra = '') =>
  `packages:\n  - name: app\n    functions:\n      - name: f\n        runtime: nodejs:22\n${extra}`;
const parse = (text: string, env: Record<string, string> = {}) => parseProject(text, DIR, { env });
const trigger = (name: string, cron = '0 6 * * *') =>
  `          - name: ${name}\n            sourceType: scheduler\n            sourceDetails:\n              cron: "${cron}"\n`;

describe('parseProject', () => {
  it('merges project, package and function settings with DO defaults', () => {
    // Prepare
    const text = [
      'parameters: {a: top, b: top}',
      'environment: {E1: top, E2: top}',
      'packages:',
      '  - name: app',
      '    web: raw',
      '    parameters: {b: pkg}',
      '    environment: {E2: pkg}',
      '    functions:',
      '      - name: f',
      '        runtime: nodejs:22',
      '        parameters: {c: 3}',
      '        environment: {E3: fn}',
      '      - name: g',
      '        web: false',
      '        webSecure: shh',
      '        limits: {timeout: 9000, memory: 512}',
    ].join('\n');
    // Act
    const [f, g] = listFunctions(parse(text));
    // Assess
    expect(f).toMatchObject({
      pkg: 'app',
      name: 'f',
      web: 'raw',
      webSecure: false,
      runtime: 'nodejs:22',
      limits: { timeout: 3000, memory: 256 },
    });
    expect(f?.parameters).toEqual({ a: 'top', b: 'pkg', c: 3 });
    expect(f?.environment).toEqual({ E1: 'top', E2: 'pkg', E3: 'fn' });
    expect(g).toMatchObject({
      web: false,
      webSecure: 'shh',
      runtime: 'nodejs:default',
      limits: { timeout: 9000, memory: 512 },
    });
  });

  it('defaults web to true when neither function nor package sets it', () => {
    expect(listFunctions(parse(fn()))[0]?.web).toBe(true);
  });

  it('substitutes ${VAR} from env, else .env, and reports unresolved names as <VAR>', () => {
    // Prepare
    writeFileSync(join(DIR, '.env'), 'FROM_FILE="file value"\nSHADOWED=file\n# comment\n');
    const text = fn(
      '        environment:\n          A: "${FROM_ENV}"\n          B: "${FROM_FILE}"\n          C: "${SHADOWED}"\n          D: "${MISSING}"\n',
    );
    // Act
    const project = loadProjectFromText(text, { FROM_ENV: 'env value', SHADOWED: 'env' });
    // Assess
    expect(listFunctions(project)[0]?.environment).toEqual({
      A: 'env value',
      B: 'file value',
      C: 'env',
      D: '<MISSING>',
    });
    expect(project.unresolvedVariables).toEqual(['MISSING']);
  });

  it('escapes newlines in ${VAR} but not in ${|VAR}', () => {
    expect(substituteVariables('a: "${V}"\nb: ${|V}', { V: 'x\ny' }, {}).text).toBe('a: "x\\ny"\nb: x\ny');
    expect(
      listFunctions(parse(fn('        parameters:\n          a: "${V}"\n'), { V: 'x\ny' }))[0]?.parameters,
    ).toEqual({ a: 'x\ny' });
  });

  it('collects triggers with their body and enabled flag', () => {
    const text = fn(`        triggers:\n${trigger('t1')}            enabled: false\n`).replace(
      'cron: "0 6 * * *"',
      'cron: "0 6 * * *"\n              withBody: {mode: daily}',
    );
    expect(listFunctions(parse(text))[0]?.triggers).toEqual([
      { name: 't1', cron: '0 6 * * *', body: { mode: 'daily' }, enabled: false },
    ]);
  });

  it('skips falsy keys like the deployer does', () => {
    expect(() => parse(`cleanNamespace: false\n${fn('        misspelled: 0\n')}`)).not.toThrow();
  });

  it('warns about web functions whose timeout reaches the 30 s cut-over', () => {
    expect(parse(fn('        limits: {timeout: 60000}\n')).warnings.join()).toMatch(
      /web calls turn async after 30000 ms/,
    );
  });

  it.each([
    ['an invalid top-level key', `bogus: 1\n${fn()}`, "Invalid key 'bogus' found in project.yml"],
    [
      'an invalid package key',
      'packages:\n  - name: app\n    timeout: 5\n',
      "Invalid key 'timeout' found in 'package' in project.yml",
    ],
    [
      'timeout outside limits',
      fn('        timeout: 5000\n'),
      "Invalid key 'timeout' found in 'functions' clause in project.yml",
    ],
    [
      'webSecure: true',
      fn('        webSecure: true\n'),
      "'webSecure' member of a function must be a boolean false or a string",
    ],
    [
      'a non-string environment value',
      fn('        environment: {PORT: 8080}\n'),
      "All environment values must be strings but 'PORT' has type 'number'",
    ],
    [
      'a non-numeric limit',
      fn('        limits: {memory: "256"}\n'),
      "'memory' member of a 'limits' clause must be a number",
    ],
    [
      'a forbidden annotation',
      fn('        annotations: {web-export: true}\n'),
      `the 'web-export' annotation may not be set explicitly; use 'web=true|false|"raw"'`,
    ],
    [
      'a default package with parameters',
      'packages:\n  - name: default\n    parameters: {a: 1}\n',
      'The default package does not support attaching environment, parameters, or binding',
    ],
    [
      'top-level environment with a default package',
      'environment: {A: b}\npackages:\n  - name: default\n',
      'The default package does not support attaching environment, parameters, or binding',
    ],
    ['an unknown runtime', fn().replace('nodejs:22', 'nodejs:20'), "'nodejs:20' is not a valid runtime value"],
    [
      'an out-of-range minute in cron',
      fn(`        triggers:\n${trigger('t', '61 6 * * *')}`),
      "the cron expression '61 6 * * *' is not valid crontab syntax",
    ],
    [
      'a day name in cron',
      fn(`        triggers:\n${trigger('t', '0 4 * * MON')}`),
      "the cron expression '0 4 * * MON' is not valid crontab syntax",
    ],
    [
      'an unknown trigger key',
      fn(`        triggers:\n${trigger('t')}            when: now\n`),
      "Invalid key 'when' found in 'triggers' clause in project.yml",
    ],
    [
      'more than 3 triggers',
      fn(`        triggers:\n${['a', 'b', 'c', 'd'].map((n) => trigger(n)).join('')}`),
      'at most 3 scheduled triggers',
    ],
    [
      'a timeout above 15 minutes',
      fn('        limits: {timeout: 900001}\n'),
      "function 'app/f': limits.timeout 900001 is outside 1..900000 ms",
    ],
    [
      'memory above 1 GB',
      fn('        limits: {memory: 2048}\n'),
      "function 'app/f': limits.memory 2048 is outside 128..1024 MB",
    ],
    ['a tab anywhere', fn('        limits:\n\t\ttimeout: 1\n'), 'YAML configuration may not contain tabs'],
  ])('rejects %s', (_case, text, message) => {
    expect(() => parse(text)).toThrow(`Invalid project configuration file (project.yml): ${message}`);
  });

  it('accepts a custom runtime list', () => {
    expect(() =>
      parseProject(fn().replace('nodejs:22', 'nodejs:24'), DIR, { env: {}, runtimes: ['nodejs:24'] }),
    ).not.toThrow();
  });
});

describe('parseDotenv', () => {
  it('handles export, quotes, escapes and inline comments', () => {
    expect(parseDotenv('export A=1\nB="x\\ny"\nC=\'raw\\n\'\nD=val # note\n#E=no\n')).toEqual({
      A: '1',
      B: 'x\ny',
      C: 'raw\\n',
      D: 'val',
    });
  });
});

function loadProjectFromText(text: string, env: Record<string, string>) {
  writeFileSync(join(DIR, 'project.yml'), text);
  return loadProject(DIR, { env });
}
