import { isValidCron } from 'cron-validator';

type Dict = Record<string, unknown>;

/** Runtime kinds the local host accepts, mirroring DO's `GET /api/v1` runtimes plus `nodejs:default`. */
export const DEFAULT_RUNTIMES: readonly string[] = ['nodejs:18', 'nodejs:22', 'nodejs:default'];

const FORBIDDEN_ANNOTATIONS: Readonly<Record<string, string>> = {
  'require-whisk-auth': 'webSecure',
  'web-export': 'web=true|false|"raw"',
  'raw-http': 'web=raw',
};

/** True for a plain object (not null, not an array). */
export function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validateEnvironment(value: unknown): string | undefined {
  if (!isDict(value)) return 'the environment clause must be a dictionary';
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') return `All environment values must be strings but '${key}' has type '${typeof v}'`;
  }
  return undefined;
}

function validateLimits(value: unknown): string | undefined {
  if (!isDict(value)) return "a 'limits' clause must be a dictionary";
  for (const [key, v] of Object.entries(value)) {
    if (key !== 'timeout' && key !== 'memory' && key !== 'logs')
      return `Invalid key '${key}' found in 'limits' clause in project.yml`;
    if (typeof v !== 'number') return `'${key}' member of a 'limits' clause must be a number`;
  }
  return undefined;
}

function validateSourceDetails(value: unknown): string | undefined {
  if (!isDict(value)) return 'the sourceDetails field of a trigger specification must be a dictionary';
  let hasCron = false;
  for (const [key, v] of Object.entries(value)) {
    if (key === 'cron') {
      hasCron = true;
      if (typeof v !== 'string') return "the 'cron' member of scheduler 'sourceDetails' must be a string";
      // Deployer semantics: cron-validator defaults, i.e. five numeric fields, no names, no aliases.
      if (!isValidCron(v)) return `the cron expression '${v}' is not valid crontab syntax`;
    } else if (key === 'withBody') {
      if (!isDict(v)) return "the 'withBody' member of scheduler sourceDetails must be a dictionary";
    } else if (key === 'interval' || key === 'once') {
      return `the ${key} member of scheduler sourceDetails is defined but not yet implemented`;
    } else {
      return `Invalid key '${key}' found in scheduler 'sourceDetails' in project.yml`;
    }
  }
  return hasCron ? undefined : "no trigger time was specified for a trigger with sourcetype 'scheduler'";
}

function validateTriggers(value: unknown): string | undefined {
  if (!Array.isArray(value)) return "a 'triggers' clause must be an array";
  for (const trigger of value) {
    if (!isDict(trigger)) return 'an individual trigger must be a dictionary';
    for (const [key, v] of Object.entries(trigger)) {
      if (key === 'name') {
        if (typeof v !== 'string') return `a trigger name must be a string but the provided type is '${typeof v}'`;
      } else if (key === 'sourceType') {
        if (v !== 'scheduler') return "only triggers with sourcetype 'scheduler' are supported at this time";
      } else if (key === 'sourceDetails') {
        const err = validateSourceDetails(v);
        if (err) return err;
      } else if (key === 'enabled' || key === 'overwrite') {
        if (typeof v !== 'boolean') return `the '${key}' property of a trigger must be boolean`;
      } else {
        return `Invalid key '${key}' found in 'triggers' clause in project.yml`;
      }
    }
    if (!('name' in trigger)) return "the 'name' field of a trigger is required";
    if (!('sourceType' in trigger)) return "the 'sourceType' field of a trigger required";
    if (!('sourceDetails' in trigger)) return "the 'sourceDetails' property of a trigger is required";
  }
  return undefined;
}

/** The deployer's message for one member of a function, or undefined when it is valid. */
function functionMemberError(key: string, v: unknown, runtimes: readonly string[]): string | undefined {
  switch (key) {
    case 'name':
    case 'file':
    case 'runtime':
    case 'main':
    case 'docker':
      if (typeof v !== 'string') return `'${key}' member of a function must be a string`;
      if (key === 'runtime' && !runtimes.includes(v)) return `'${v}' is not a valid runtime value`;
      return undefined;
    case 'binary':
    case 'clean':
    case 'remoteBuild':
    case 'localBuild':
      if (typeof v !== 'boolean') return `'${key}' member of a function must be a boolean`;
      return undefined;
    case 'sequence':
      if (!Array.isArray(v) || v.length === 0 || typeof v[0] !== 'string') {
        return `'${key}' member of a function must be an array of one or more strings naming functions`;
      }
      return undefined;
    case 'web':
      if (!(typeof v === 'boolean' || v === 'raw'))
        return "web member of a function must be a boolean or the string 'raw'";
      return undefined;
    case 'webSecure':
      if (typeof v !== 'string') return "'webSecure' member of a function must be a boolean false or a string";
      return undefined;
    case 'environment':
      return validateEnvironment(v);
    case 'annotations':
      if (!isDict(v)) return `${key} must be a dictionary`;
      for (const annotation of Object.keys(v)) {
        const use = FORBIDDEN_ANNOTATIONS[annotation];
        if (use) return `the '${annotation}' annotation may not be set explicitly; use '${use}'`;
      }
      return undefined;
    case 'parameters':
      if (!isDict(v)) return `${key} must be a dictionary`;
      return undefined;
    case 'limits':
      return validateLimits(v);
    case 'triggers':
      return validateTriggers(v);
    default:
      return `Invalid key '${key}' found in 'functions' clause in project.yml`;
  }
}

function validateFunction(fn: unknown, runtimes: readonly string[]): string | undefined {
  if (!isDict(fn)) return "each entry of 'functions' must be a dictionary";
  for (const [key, v] of Object.entries(fn)) {
    if (!v) continue; // the deployer skips falsy members
    const err = functionMemberError(key, v, runtimes);
    if (err) return err;
  }
  return undefined;
}

const DEFAULT_PACKAGE_ERROR = 'The default package does not support attaching environment, parameters, or binding';

function validatePackage(pkg: unknown, top: Dict, runtimes: readonly string[]): string | undefined {
  if (!isDict(pkg)) return "each entry of 'packages' must be a dictionary";
  const isDefault = pkg.name === 'default';
  if (isDefault) {
    for (const key of ['parameters', 'environment'] as const) {
      if (isDict(top[key]) && Object.keys(top[key]).length > 0) return DEFAULT_PACKAGE_ERROR;
    }
  }
  for (const [key, v] of Object.entries(pkg)) {
    if (!v) continue;
    if (key === 'name') {
      if (typeof v !== 'string') return "'name' member of a 'package' must be a string";
    } else if (key === 'functions' || key === 'actions') {
      if (!Array.isArray(v)) return "functions member of a 'package' must be an array";
      for (const fn of v) {
        const err = validateFunction(fn, runtimes);
        if (err) return err;
      }
    } else if (key === 'shared' || key === 'clean') {
      if (typeof v !== 'boolean') return `'${key}' member of a 'package' must be a boolean`;
      if (isDefault) return `'${key}' must be absent or false for the default package`;
    } else if (key === 'web') {
      if (!(typeof v === 'boolean' || v === 'raw'))
        return "web member of a 'package' must be a boolean or the string 'raw'";
    } else if (key === 'environment' || key === 'parameters' || key === 'annotations' || key === 'binding') {
      const err =
        key === 'environment' ? validateEnvironment(v) : isDict(v) ? undefined : `${key} must be a dictionary`;
      if (err) return err;
      if (isDefault && Object.keys(v as Dict).length > 0) return DEFAULT_PACKAGE_ERROR;
    } else {
      return `Invalid key '${key}' found in 'package' in project.yml`;
    }
  }
  return undefined;
}

/** The deployer's message for one top-level member of project.yml, or undefined when it is valid. */
function projectMemberError(key: string, v: unknown, config: Dict, runtimes: readonly string[]): string | undefined {
  switch (key) {
    case 'packages':
      if (!Array.isArray(v)) return 'packages member must be an array';
      for (const pkg of v) {
        const err = validatePackage(pkg, config, runtimes);
        if (err) return err;
      }
      return undefined;
    case 'targetNamespace':
      if (typeof v !== 'string' && !(isDict(v) && (typeof v.test === 'string' || typeof v.production === 'string'))) {
        return `${key} must be a string or a dictionary containing 'test' and/or 'production' members`;
      }
      return undefined;
    case 'environment':
      return validateEnvironment(v);
    case 'parameters':
      if (!isDict(v)) return `${key} member must be a dictionary`;
      return undefined;
    default:
      return `Invalid key '${key}' found in project.yml`;
  }
}

/** Returns the first deployer-style validation message for a parsed project.yml, or undefined when it is valid. */
export function validateProjectConfig(
  config: unknown,
  runtimes: readonly string[] = DEFAULT_RUNTIMES,
): string | undefined {
  if (!isDict(config)) return 'configuration is empty or unparseable';
  for (const [key, v] of Object.entries(config)) {
    if (!v) continue;
    const err = projectMemberError(key, v, config, runtimes);
    if (err) return err;
  }
  return undefined;
}
