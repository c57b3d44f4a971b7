import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { readEnvFile, substituteVariables, type TemplateVars } from './templating';
import { DEFAULT_RUNTIMES, isDict, validateProjectConfig } from './validate';

/** How a function is exposed over HTTP: parsed web, raw web, or not at all. */
export type WebMode = true | false | 'raw';

/** A scheduled trigger attached to a function. */
export interface TriggerSpec {
  name: string;
  cron: string;
  body: Record<string, unknown>;
  enabled: boolean;
}

/** A function declared in project.yml, with package and project settings merged in. */
export interface FunctionSpec {
  name: string;
  pkg: string;
  runtime: string;
  main: string;
  web: WebMode;
  webSecure: false | string;
  limits: { timeout: number; memory: number; logs?: number };
  environment: Record<string, string>;
  parameters: Record<string, unknown>;
  annotations: Record<string, unknown>;
  triggers: TriggerSpec[];
}

/** A package declared in project.yml. */
export interface PackageSpec {
  name: string;
  functions: FunctionSpec[];
}

/** A validated project.yml. */
export interface Project {
  projectDir: string;
  packages: PackageSpec[];
  unresolvedVariables: string[];
  /** Problems that do not stop a deploy but will bite at run time (e.g. a web timeout ≥ 30 s). */
  warnings: string[];
}

/** Options for {@link loadProject}. */
export interface LoadProjectOptions {
  /** Variables for `${VAR}`; defaults to `process.env`. */
  env?: TemplateVars;
  /** Env file replacing `<projectDir>/.env` (like `--env`). */
  envFile?: string;
  /** Accepted runtime kinds. */
  runtimes?: readonly string[];
}

/** DO platform defaults and limits (docs details/limits). */
export const DO_LIMITS = {
  defaultTimeout: 3000,
  maxTimeout: 900_000,
  defaultMemory: 256,
  minMemory: 128,
  maxMemory: 1024,
  maxTriggers: 3,
  webCutoverMs: 30_000,
} as const;

/** Thrown for an invalid project.yml, with the deployer's message format. */
export class ProjectConfigError extends Error {
  override readonly name = 'ProjectConfigError';
  constructor(reason: string) {
    super(`Invalid project configuration file (project.yml): ${reason}`);
  }
}

type Dict = Record<string, unknown>;
const dict = (v: unknown): Dict => (isDict(v) ? v : {});

function toTriggers(value: unknown): TriggerSpec[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isDict).map((t) => {
    const details = dict(t.sourceDetails);
    return {
      name: String(t.name),
      cron: String(details.cron),
      body: dict(details.withBody),
      enabled: t.enabled !== false,
    };
  });
}

function toFunction(fn: Dict, pkg: Dict, top: Dict): FunctionSpec {
  const webRaw = fn.web ?? pkg.web;
  const web: WebMode = webRaw === 'raw' ? 'raw' : webRaw === undefined || webRaw === null ? true : Boolean(webRaw);
  const limits = dict(fn.limits);
  const spec: FunctionSpec = {
    name: String(fn.name),
    pkg: String(pkg.name),
    runtime: typeof fn.runtime === 'string' && fn.runtime ? fn.runtime : 'nodejs:default',
    main: typeof fn.main === 'string' && fn.main ? fn.main : 'main',
    web,
    webSecure: typeof fn.webSecure === 'string' ? fn.webSecure : false,
    limits: {
      timeout: typeof limits.timeout === 'number' ? limits.timeout : DO_LIMITS.defaultTimeout,
      memory: typeof limits.memory === 'number' ? limits.memory : DO_LIMITS.defaultMemory,
    },
    environment: { ...dict(top.environment), ...dict(pkg.environment), ...dict(fn.environment) } as Record<
      string,
      string
    >,
    parameters: { ...dict(top.parameters), ...dict(pkg.parameters), ...dict(fn.parameters) },
    annotations: { ...dict(pkg.annotations), ...dict(fn.annotations) },
    triggers: toTriggers(fn.triggers),
  };
  if (typeof limits.logs === 'number') spec.limits.logs = limits.logs;
  return spec;
}

/** Checks DO limits the deployer does not check; returns a fatal reason, pushing soft problems into `warnings`. */
function checkPlatformLimits(packages: PackageSpec[], warnings: string[]): string | undefined {
  const triggerNames = new Set<string>();
  for (const fn of packages.flatMap((p) => p.functions)) {
    const id = `${fn.pkg}/${fn.name}`;
    const { timeout, memory } = fn.limits;
    if (timeout <= 0 || timeout > DO_LIMITS.maxTimeout)
      return `function '${id}': limits.timeout ${timeout} is outside 1..${DO_LIMITS.maxTimeout} ms`;
    if (memory < DO_LIMITS.minMemory || memory > DO_LIMITS.maxMemory)
      return `function '${id}': limits.memory ${memory} is outside ${DO_LIMITS.minMemory}..${DO_LIMITS.maxMemory} MB`;
    if (fn.limits.logs !== undefined && fn.limits.logs > 256)
      return `function '${id}': limits.logs ${fn.limits.logs} exceeds 256 KB`;
    if (fn.web !== false && timeout >= DO_LIMITS.webCutoverMs) {
      warnings.push(
        `function '${id}' is a web function with limits.timeout ${timeout} ms: web calls turn async after ${DO_LIMITS.webCutoverMs} ms`,
      );
    }
    for (const t of fn.triggers) {
      if (triggerNames.has(t.name)) return `trigger name '${t.name}' is used more than once`;
      triggerNames.add(t.name);
    }
  }
  if (triggerNames.size > DO_LIMITS.maxTriggers)
    return `at most ${DO_LIMITS.maxTriggers} scheduled triggers are allowed per namespace (found ${triggerNames.size})`;
  return undefined;
}

/** Parses project.yml text exactly as the deployer would (templating, tab check, validation) plus DO limit checks. */
export function parseProject(yamlText: string, projectDir: string, options: LoadProjectOptions = {}): Project {
  const fileVars = readEnvFile(options.envFile ?? join(projectDir, '.env'));
  const { text, unresolvedVariables } = substituteVariables(yamlText, options.env ?? process.env, fileVars);
  if (text.includes('\t')) throw new ProjectConfigError('YAML configuration may not contain tabs');
  let config: unknown;
  try {
    config = parse(text);
  } catch (err) {
    throw new ProjectConfigError(err instanceof Error ? err.message : String(err));
  }
  const reason = validateProjectConfig(config, options.runtimes ?? DEFAULT_RUNTIMES);
  if (reason) throw new ProjectConfigError(reason);
  const top = dict(config);
  const rawPackages = Array.isArray(top.packages) ? top.packages.filter(isDict) : [];
  const packages = rawPackages.map((pkg) => {
    const fns = pkg.functions ?? pkg.actions;
    return {
      name: String(pkg.name),
      functions: (Array.isArray(fns) ? fns.filter(isDict) : []).map((f) => toFunction(f, pkg, top)),
    };
  });
  const warnings: string[] = [];
  const limitError = checkPlatformLimits(packages, warnings);
  if (limitError) throw new ProjectConfigError(limitError);
  return { projectDir, packages, unresolvedVariables, warnings };
}

/** Loads and validates `<projectDir>/project.yml`; throws {@link ProjectConfigError} with the deployer's wording when invalid. */
export function loadProject(projectDir: string, options: LoadProjectOptions = {}): Project {
  const dir = resolve(projectDir);
  return parseProject(readFileSync(join(dir, 'project.yml'), 'utf8'), dir, options);
}

/** Lists every function of a project, in declaration order. */
export function listFunctions(project: Project): FunctionSpec[] {
  return project.packages.flatMap((p) => p.functions);
}
