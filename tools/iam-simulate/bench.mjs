#!/usr/bin/env node
// Benchmark: node bench.mjs <request.json> <iterations>
// Runs one xacct REQUEST through iam-simulate's runSimulation() `iterations`
// times in this process (after a warm-up) and prints one JSON line:
//   {"tool":"iam-simulate","evaluations":N,"seconds":S,"per_second":R}
// Only the runSimulation() calls are timed: reading/parsing the file and
// converting it to iam-simulate's Simulation shape happen before the clock
// starts. runSimulation() itself re-validates every policy and re-normalises the
// context on each call; that is part of the package's evaluation API and is
// timed. The decision of the first run is checked so that a request iam-simulate
// rejects is reported instead of being benchmarked.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Unsupported, runSimulation, toOutput, toSimulation } from './lib.mjs';

function usage(msg) {
  process.stderr.write(`${msg}\nusage: node bench.mjs <request.json> <iterations>\n`);
  process.exit(2);
}

const [file, iterArg] = process.argv.slice(2);
if (!file || !iterArg) usage('missing arguments');
const iterations = Number.parseInt(iterArg, 10);
if (!Number.isSafeInteger(iterations) || iterations < 1) usage(`bad iteration count '${iterArg}'`);

let simulation;
try {
  simulation = await toSimulation(JSON.parse(readFileSync(file, 'utf8')));
} catch (e) {
  process.stderr.write(`${e instanceof Unsupported ? '' : 'cannot load request: '}${e.message}\n`);
  process.exit(1);
}

const first = toOutput(await runSimulation(simulation, {}));
if (first.error) {
  process.stderr.write(`iam-simulate rejects this request: ${first.error}\n`);
  process.exit(1);
}

// Warm-up: let V8 optimise the hot paths and fill iam-data's file cache.
const warmup = Math.min(Math.max(Math.ceil(iterations / 10), 200), 5000);
let sink = 0;
for (let i = 0; i < warmup; i++) {
  const r = await runSimulation(simulation, {});
  sink += r.overallResult.length;
}

const start = performance.now();
for (let i = 0; i < iterations; i++) {
  const r = await runSimulation(simulation, {});
  sink += r.overallResult.length;
}
const seconds = (performance.now() - start) / 1000;
if (sink < 0) process.stderr.write('unreachable\n');

process.stdout.write(
  JSON.stringify({
    tool: 'iam-simulate',
    evaluations: iterations,
    seconds: Number(seconds.toFixed(6)),
    per_second: Number((iterations / seconds).toFixed(1))
  }) + '\n'
);
