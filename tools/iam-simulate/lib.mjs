// Shared mapping from an xacct REQUEST object to an @cloud-copilot/iam-simulate
// `Simulation`, and from iam-simulate's response back to an xacct decision.
//
// Used by runner.mjs (differential test) and bench.mjs (benchmark). See NOTES.md
// for the field mapping and for every place where this adapter refuses a
// request as "unsupported" instead of letting iam-simulate silently change it.

import {
  isConditionKeyArray,
  runSimulation,
  typeForContextKey
} from '@cloud-copilot/iam-simulate';

const ACCOUNT_ID = /^[0-9]{12}$/;

/** Thrown for REQUEST content that iam-simulate cannot express faithfully. */
export class Unsupported extends Error {}

function unsupported(message) {
  return new Unsupported(`unsupported: ${message}`);
}

function isPlainObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * True when `policy` is exactly RCPFullAWSAccess (or an equivalent policy):
 * every statement is Allow / Principal "*" / Action "*" / Resource "*" with no
 * condition. iam-simulate attaches this policy to every RCP level by itself
 * and its RCP validator rejects Allow statements, so such policies are dropped.
 */
function isFullAccessRcp(policy) {
  if (!isPlainObject(policy)) return false;
  const statements = [policy.Statement].flat();
  if (statements.length === 0) return false;
  const star = (v) => v === '*' || (Array.isArray(v) && v.length === 1 && v[0] === '*');
  return statements.every(
    (s) =>
      isPlainObject(s) &&
      s.Effect === 'Allow' &&
      (s.Principal === '*' || (isPlainObject(s.Principal) && Object.keys(s.Principal).length === 1 && star(s.Principal.AWS))) &&
      star(s.Action) &&
      star(s.Resource) &&
      s.Condition === undefined &&
      s.NotAction === undefined &&
      s.NotResource === undefined &&
      s.NotPrincipal === undefined
  );
}

/** Cache of context-key name (lower case) -> 'array' | 'single' | 'unknown'. */
const keyKindCache = new Map();

async function contextKeyKind(key) {
  const lower = key.toLowerCase();
  let kind = keyKindCache.get(lower);
  if (kind === undefined) {
    try {
      kind = isConditionKeyArray(await typeForContextKey(lower)) ? 'array' : 'single';
    } catch {
      kind = 'unknown';
    }
    keyKindCache.set(lower, kind);
  }
  return kind;
}

function scalarToString(key, v) {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  throw unsupported(`context key '${key}' has a value of type ${v === null ? 'null' : typeof v}`);
}

/**
 * Convert the REQUEST context to iam-simulate's `contextVariables`
 * (Record<string, string | string[]>). iam-simulate decides single- vs
 * multi-valued from its key catalog, not from the value's shape: it keeps only
 * the first element of an array given for a single-valued key and wraps a
 * scalar given for an ArrayOf* key. Both rewrite the request silently, so they
 * are reported as unsupported here.
 */
async function convertContext(context) {
  const out = {};
  if (context === undefined || context === null) return out;
  if (!isPlainObject(context)) throw unsupported('context must be an object');
  for (const [key, value] of Object.entries(context)) {
    const kind = await contextKeyKind(key);
    if (Array.isArray(value)) {
      if (kind === 'single') {
        throw unsupported(
          `context key '${key}' is single-valued in iam-simulate's catalog but has an array value (iam-simulate would keep only the first element)`
        );
      }
      out[key] = value.map((v) => scalarToString(key, v));
    } else {
      if (kind === 'array') {
        throw unsupported(
          `context key '${key}' is multi-valued (ArrayOf*) in iam-simulate's catalog but has a scalar value (iam-simulate would wrap it in an array)`
        );
      }
      out[key] = scalarToString(key, value);
    }
  }
  return out;
}

function accountFromArn(arn) {
  if (typeof arn !== 'string' || !arn.startsWith('arn:')) return undefined;
  const parts = arn.split(':');
  return parts.length >= 6 && parts[4] !== '' ? parts[4] : undefined;
}

/**
 * Build an iam-simulate `Simulation` from an xacct REQUEST object.
 * Throws Unsupported for requests the package cannot express.
 */
export async function toSimulation(req) {
  if (!isPlainObject(req)) throw unsupported('request must be a JSON object');
  const { principal, action, resource } = req;
  if (typeof principal !== 'string' || typeof action !== 'string' || typeof resource !== 'string') {
    throw unsupported('principal, action and resource must be strings');
  }

  // iam-simulate reads the principal's account from field 5 of an ARN only; a
  // bare account id has no account in its model, so use the account's root ARN.
  const simPrincipal = ACCOUNT_ID.test(principal) ? `arn:aws:iam::${principal}:root` : principal;

  const resourceAccount =
    req.resourceAccount !== undefined && req.resourceAccount !== null
      ? req.resourceAccount
      : accountFromArn(resource);
  if (typeof resourceAccount !== 'string' || resourceAccount === '') {
    throw unsupported('resourceAccount is required when the resource ARN carries no account (iam-simulate needs the resource account)');
  }
  if (resource !== '*' && resource.includes('*')) {
    throw unsupported("request resource contains '*' (iam-simulate switches to wildcard/pattern simulation)");
  }

  const scps = req.scps ?? [];
  const rcps = req.rcps ?? [];
  if (!Array.isArray(scps) || !scps.every(Array.isArray)) throw unsupported('scps must be an array of arrays');
  if (!Array.isArray(rcps) || !rcps.every(Array.isArray)) throw unsupported('rcps must be an array of arrays');

  if (req.principalIsManagementAccount === true && scps.length > 0) {
    throw unsupported('principalIsManagementAccount with SCPs: iam-simulate has no management-account SCP exemption');
  }
  if (req.principalIsServiceLinkedRole === true && (scps.length > 0 || rcps.length > 0)) {
    throw unsupported('principalIsServiceLinkedRole with SCPs/RCPs: iam-simulate has no service-linked-role exemption');
  }

  const identityPolicies = (req.identityPolicies ?? []).map((policy, i) => ({
    name: `identity-${i}`,
    policy
  }));

  const serviceControlPolicies = scps.map((level, l) => ({
    orgIdentifier: `scp-level-${l}`,
    policies: level.map((policy, i) => ({ name: `scp-${l}-${i}`, policy }))
  }));

  const resourceControlPolicies = rcps.map((level, l) => {
    const kept = level.filter((p) => !isFullAccessRcp(p));
    if (kept.length === level.length) {
      throw unsupported(
        `RCP level ${l} has no RCPFullAWSAccess-equivalent policy; iam-simulate always attaches RCPFullAWSAccess to every level, so it cannot express a level without it`
      );
    }
    return {
      orgIdentifier: `rcp-level-${l}`,
      policies: kept.map((policy, i) => ({ name: `rcp-${l}-${i}`, policy }))
    };
  });

  const simulation = {
    request: {
      principal: simPrincipal,
      action,
      resource: { resource, accountId: resourceAccount },
      contextVariables: await convertContext(req.context)
    },
    identityPolicies,
    serviceControlPolicies,
    resourceControlPolicies,
    // Only effect: aws:ResourceTag/* and s3:BucketTag/* context keys are kept
    // for S3 bucket/object ARNs instead of being dropped. S3 Block Public Access
    // (additionalSettings.s3.blockPublicAccess) is left off.
    additionalSettings: { s3: { bucketAbacEnabled: true } }
  };
  if (req.resourcePolicy !== undefined && req.resourcePolicy !== null) {
    simulation.resourcePolicy = req.resourcePolicy;
  }
  if (req.permissionBoundary !== undefined && req.permissionBoundary !== null) {
    simulation.permissionBoundaryPolicies = [{ name: 'permission-boundary', policy: req.permissionBoundary }];
  }
  if (req.sessionPolicy !== undefined && req.sessionPolicy !== null) {
    simulation.sessionPolicy = req.sessionPolicy;
  }
  return simulation;
}

const DECISIONS = {
  Allowed: 'Allow',
  ExplicitlyDenied: 'ExplicitDeny',
  ImplicitlyDenied: 'ImplicitDeny'
};

function describeErrors(errors) {
  const parts = [errors.message];
  for (const [field, value] of Object.entries(errors)) {
    if (field === 'message') continue;
    // value is either an array of {path,message} or a map name -> array
    const flat = Array.isArray(value)
      ? value.map((e) => (isPlainObject(e) ? `${e.path}: ${e.message}` : String(e)))
      : Object.entries(value).flatMap(([name, errs]) =>
          [errs].flat().map((e) => (isPlainObject(e) ? `${name} ${e.path}: ${e.message}` : `${name}: ${e}`))
        );
    parts.push(`${field}: ${flat.join('; ')}`);
  }
  return parts.join(' | ');
}

/** Map a runSimulation() response to the runner's output object. */
export function toOutput(response) {
  if (response.resultType === 'error') {
    return { error: describeErrors(response.errors) };
  }
  if (response.resultType !== 'single') {
    return { error: `unsupported: iam-simulate returned resultType '${response.resultType}'` };
  }
  const ignored = response.result.ignoredContextKeys ?? [];
  if (ignored.length > 0) {
    return {
      error: `unsupported: context keys not valid for this action/resource in iam-simulate's catalog were dropped: ${ignored.join(', ')}`
    };
  }
  const decision = DECISIONS[response.overallResult];
  if (!decision) return { error: `unexpected overallResult '${response.overallResult}'` };
  return { decision };
}

/** Evaluate one parsed REQUEST object; never throws. */
export async function evaluateRequest(req) {
  let simulation;
  try {
    simulation = await toSimulation(req);
  } catch (e) {
    return { error: e instanceof Unsupported ? e.message : `adapter exception: ${e?.message ?? e}` };
  }
  try {
    return toOutput(await runSimulation(simulation, {}));
  } catch (e) {
    return { error: `iam-simulate exception: ${e?.message ?? e}` };
  }
}

export { runSimulation };
