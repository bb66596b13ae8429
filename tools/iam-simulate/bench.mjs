#!/usr/bin/env node
// Benchmark: node bench.mjs <request.json> <iterations> [--cold] [--api unsafe|checked]
//
// Runs one xacct REQUEST through iam-simulate `iterations` times in this process (after a
// warm-up) and prints one JSON line:
//   {"tool":"iam-simulate","api":"runUnsafeSimulation","mode":"compiled","evaluations":N,
//    "seconds":S,"per_second":R}
//
// api: `unsafe` calls runUnsafeSimulation(), the package's fastest public entry point:
// synchronous, no input validation, no context normalisation. `checked` calls
// runSimulation(), which validates every policy and normalises the context on each call.
// Without --api, the fastest one that decides this request as runSimulation() does: before
// timing, runUnsafeSimulation()'s decision is checked against runSimulation()'s, and when it
// differs or throws (0.1.173 throws a TypeError on every request with a resource policy; it
// also ignores session policies) runSimulation() is timed and the output says why
// (`unsafe_unavailable`). `--api unsafe` on such a request exits 1 instead.
//
// mode: `compiled` (default) converts the REQUEST to a Simulation object once, before the clock
// starts; each timed call then evaluates it (runUnsafeSimulation still loads the policy
// objects on every call: the package offers no way to keep them). `--cold` times parse +
// compile + evaluate per call: the Simulation, serialised to JSON text once, is parsed with
// JSON.parse and evaluated on every call, as xacct's cold figure reads REQUEST.json text.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { Unsupported, runSimulation, toOutput, toSimulation } from './lib.mjs';

function usage(msg) {
  process.stderr.write(
    `${msg}\nusage: node bench.mjs <request.json> <iterations> [--cold] [--api unsafe|checked]\n`
  );
  process.exit(2);
}

const args = process.argv.slice(2);
const [file, iterArg] = args;
if (!file || !iterArg) usage('missing arguments');
const iterations = Number.parseInt(iterArg, 10);
if (!Number.isSafeInteger(iterations) || iterations < 1) usage(`bad iteration count '${iterArg}'`);
let cold = false;
let api = 'unsafe';
// Without --api: the fastest API that decides this request as runSimulation does.
let auto = true;
for (let i = 2; i < args.length; i++) {
  if (args[i] === '--cold') cold = true;
  else if (args[i] === '--api' && (args[i + 1] === 'unsafe' || args[i + 1] === 'checked')) {
    api = args[++i];
    auto = false;
  } else usage(`unknown argument '${args[i]}'`);
}

let simulation;
try {
  simulation = await toSimulation(JSON.parse(readFileSync(file, 'utf8')));
} catch (e) {
  process.stderr.write(`${e instanceof Unsupported ? '' : 'cannot load request: '}${e.message}\n`);
  process.exit(1);
}

const checked = toOutput(await runSimulation(simulation, {}));
if (checked.error) {
  process.stderr.write(`iam-simulate rejects this request: ${checked.error}\n`);
  process.exit(1);
}
const DECISIONS = { Allowed: 'Allow', ExplicitlyDenied: 'ExplicitDeny', ImplicitlyDenied: 'ImplicitDeny' };
// Why runUnsafeSimulation cannot stand in for runSimulation on this request, if it cannot.
let unsafeUnavailable;
try {
  const unsafeDecision = DECISIONS[runUnsafeSimulation(simulation, {})];
  if (unsafeDecision !== checked.decision) {
    unsafeUnavailable = `runUnsafeSimulation decides ${unsafeDecision}, runSimulation ${checked.decision}`;
  }
} catch (e) {
  // 0.1.173 loads a resource policy without metadata and then reads metadata().name:
  // every request with a resource policy throws a TypeError.
  unsafeUnavailable = `runUnsafeSimulation throws: ${e?.message ?? e}`;
}
if (unsafeUnavailable !== undefined) {
  if (api === 'unsafe' && !auto) {
    process.stderr.write(`${unsafeUnavailable}\n`);
    process.exit(1);
  }
  api = 'checked';
}

const text = JSON.stringify(simulation);
const allowed = (result) => (result === 'Allowed' ? 1 : 0);

// Warm-up: let V8 optimise the hot paths and fill iam-data's file cache.
const warmup = Math.min(Math.max(Math.ceil(iterations / 10), 200), 5000);
let sink = 0;
let seconds;
if (api === 'unsafe') {
  // Synchronous: no promise per call, as a caller of the fastest API would write it.
  const evaluate = cold
    ? () => allowed(runUnsafeSimulation(JSON.parse(text), {}))
    : () => allowed(runUnsafeSimulation(simulation, {}));
  for (let i = 0; i < warmup; i++) sink += evaluate();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) sink += evaluate();
  seconds = (performance.now() - start) / 1000;
} else {
  const evaluate = cold
    ? async () => (await runSimulation(JSON.parse(text), {})).overallResult.length
    : async () => (await runSimulation(simulation, {})).overallResult.length;
  for (let i = 0; i < warmup; i++) sink += await evaluate();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) sink += await evaluate();
  seconds = (performance.now() - start) / 1000;
}
if (sink < 0) process.stderr.write('unreachable\n');

process.stdout.write(
  JSON.stringify({
    tool: 'iam-simulate',
    api: api === 'unsafe' ? 'runUnsafeSimulation' : 'runSimulation',
    mode: cold ? 'cold' : 'compiled',
    decision: checked.decision,
    ...(unsafeUnavailable !== undefined && { unsafe_unavailable: unsafeUnavailable }),
    evaluations: iterations,
    seconds: Number(seconds.toFixed(6)),
    per_second: Number((iterations / seconds).toFixed(1))
  }) + '\n'
);
