#!/usr/bin/env node
// Differential-test runner: reads xacct REQUEST objects as JSON Lines on stdin
// and prints, for each line and in the same order, one JSON line:
//   {"decision":"Allow"|"ExplicitDeny"|"ImplicitDeny"}  or  {"error":"<message>"}
// as computed by @cloud-copilot/iam-simulate (runSimulation). Blank lines are
// echoed as errors so that line numbers keep lining up with the input.
import { createInterface } from 'node:readline';
import { evaluateRequest } from './lib.mjs';

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
const flush = () => {
  if (out.length > 0) {
    process.stdout.write(out.join(''));
    out.length = 0;
  }
};

for await (const line of rl) {
  let result;
  if (line.trim() === '') {
    result = { error: 'empty line' };
  } else {
    let req;
    try {
      req = JSON.parse(line);
    } catch (e) {
      req = undefined;
      result = { error: `invalid JSON: ${e.message}` };
    }
    if (req !== undefined) result = await evaluateRequest(req);
  }
  out.push(JSON.stringify(result) + '\n');
  if (out.length >= 256) flush();
}
flush();
