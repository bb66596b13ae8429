#!/usr/bin/env node
// Executable evidence for the semantics listed in NOTES.md. Each probe is a
// REQUEST run through the same adapter as runner.mjs; the printed `got` is what
// iam-simulate answered, `aws` is what AWS documentation leads us to expect.
// Run: node probes.mjs   (prints one line per probe, marks differences with !=)
import { evaluateRequest } from './lib.mjs';

const A = '111111111111';
const B = '222222222222';
const V = '2012-10-17';
const allow = (Action, Resource, Condition) => ({
  Version: V,
  Statement: [{ Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) }]
});
const deny = (Action, Resource, Condition) => ({
  Version: V,
  Statement: [{ Effect: 'Deny', Action, Resource, ...(Condition ? { Condition } : {}) }]
});
const rp = (Principal, Action, Resource = '*', Effect = 'Allow', extra = {}) => ({
  Version: V,
  Statement: [{ Effect, Principal, Action, Resource, ...extra }]
});
const user = `arn:aws:iam::${A}:user/alice`;
const role = `arn:aws:iam::${A}:role/R`;
const sess = `arn:aws:sts::${A}:assumed-role/R/s1`;
const FULL_SCP = allow('*', '*');
const FULL_RCP = rp('*', '*');
const sqs = (acct = A, q = 'q1') => `arn:aws:sqs:us-east-1:${acct}:${q}`;
const base = { action: 'sqs:SendMessage', resource: sqs() };
const s3o = (key) => ({ action: 's3:GetObject', resource: `arn:aws:s3:::bkt/${key}`, resourceAccount: A });

const probes = [
  // ---- resource ARN matching (resource/resource.js singleResourceMatchesRequest)
  ['res: * in resource-id crosses "/"', 'Allow', { ...base, principal: user, action: 'iam:GetRole', resource: `arn:aws:iam::${A}:role/a/b/R`, identityPolicies: [allow('iam:GetRole', `arn:aws:iam::${A}:role/*`)] }],
  ['res: * in resource-id crosses ":"', 'Allow', { principal: user, action: 'logs:PutLogEvents', resource: `arn:aws:logs:us-east-1:${A}:log-group:g:log-stream:s`, identityPolicies: [allow('logs:PutLogEvents', `arn:aws:logs:us-east-1:${A}:log-group:*`)] }],
  ['res: * in region segment does not cross ":"', 'ImplicitDeny', { ...base, principal: user, identityPolicies: [allow('sqs:SendMessage', `arn:aws:sqs:*${A}:q1`)] }],
  ['res: wildcard inside the resource-type part', 'Allow', { principal: user, action: 'iam:GetRole', resource: `arn:aws:iam::${A}:role/R`, identityPolicies: [allow('iam:GetRole', `arn:aws:iam::${A}:ro*/R`)] }],
  ['res: wildcard right after type w/o separator', 'Allow', { principal: user, action: 'iam:GetRole', resource: `arn:aws:iam::${A}:role/R`, identityPolicies: [allow('iam:GetRole', `arn:aws:iam::${A}:rol*`)] }],
  ['res: * in S3 ARN crosses "/" (bucket and key)', 'Allow', { ...s3o('a/b/c'), principal: user, identityPolicies: [allow('s3:*', 'arn:aws:s3:::bk*c')] }],
  ['res: resource-id is case-sensitive', 'ImplicitDeny', { ...base, principal: user, identityPolicies: [allow('sqs:SendMessage', sqs(A, 'Q1'))] }],
  ['res: service/region/account segments case-insensitive', 'ImplicitDeny', { ...base, principal: user, identityPolicies: [allow('sqs:SendMessage', `arn:aws:SQS:US-EAST-1:${A}:q1`)] }],
  ['res: short ARN in identity policy padded with *', 'ImplicitDeny?', { ...base, principal: user, identityPolicies: [allow('sqs:SendMessage', 'arn:aws:sqs')] }],
  ['res: ? matches one char', 'Allow', { ...base, principal: user, identityPolicies: [allow('sqs:SendMessage', sqs(A, 'q?'))] }],
  ['res: resource-policy statement without Resource matches', 'Allow', { ...base, principal: user, resourcePolicy: { Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: user }, Action: 'sqs:SendMessage' }] } }],
  // ---- actions (action/action.js)
  ['act: action name case-insensitive in policy', 'Allow', { ...base, principal: user, identityPolicies: [allow('SQS:sendmessage', '*')] }],
  ['act: request action case-insensitive', 'Allow', { ...base, action: 'SQS:SENDMESSAGE', principal: user, identityPolicies: [allow('sqs:SendMessage', '*')] }],
  ['act: unknown action rejected', 'ImplicitDeny', { ...base, action: 'sqs:Bogus', principal: user, identityPolicies: [allow('*', '*')] }],
  ['act: wildcard in service prefix of a policy Action', 'Allow?', { ...base, principal: user, identityPolicies: [allow('sq*:SendMessage', '*')] }],
  ['act: resource of wrong type for action rejected', 'ImplicitDeny', { principal: user, action: 's3:GetObject', resource: 'arn:aws:s3:::bkt', resourceAccount: A, identityPolicies: [allow('*', '*')] }],
  ['act: wildcard-only action with ARN resource rejected', 'Allow', { principal: user, action: 's3:ListAllMyBuckets', resource: `arn:aws:s3:::bkt`, resourceAccount: A, identityPolicies: [allow('*', '*')] }],
  ['act: wildcard-only action with "*"', 'Allow', { principal: user, action: 's3:ListAllMyBuckets', resource: '*', resourceAccount: A, identityPolicies: [allow('*', '*')] }],
  ['act: sts:GetCallerIdentity always allowed', 'Allow', { principal: user, action: 'sts:GetCallerIdentity', resource: '*', resourceAccount: A, identityPolicies: [deny('*', '*')] }],
  // ---- conditions (condition/condition.js)
  ['cond: multi-valued key, no qualifier, 1 value', 'Allow?', { ...base, principal: user, context: { 'aws:PrincipalOrgPaths': ['o-1/r-1/ou-1/'] }, identityPolicies: [allow('sqs:*', '*', { StringLike: { 'aws:PrincipalOrgPaths': 'o-1/*' } })] }],
  ['cond: multi-valued key, StringNotEquals, no qualifier', 'Allow?', { ...base, principal: user, context: { 'aws:PrincipalOrgPaths': ['a', 'b'] }, identityPolicies: [allow('sqs:*', '*', { StringNotEquals: { 'aws:PrincipalOrgPaths': 'zzz' } })] }],
  ['cond: ForAnyValue:...IfExists on missing key', 'Allow', { ...base, principal: user, identityPolicies: [allow('sqs:*', '*', { 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': 'x' } })] }],
  ['cond: ForAllValues on missing key', 'Allow', { ...base, principal: user, identityPolicies: [allow('sqs:*', '*', { 'ForAllValues:StringEquals': { 'aws:TagKeys': 'x' } })] }],
  ['cond: ForAllValues on empty list', 'Allow', { ...base, principal: user, context: { 'aws:TagKeys': [] }, identityPolicies: [allow('sqs:*', '*', { 'ForAllValues:StringEquals': { 'aws:TagKeys': 'x' } })] }],
  ['cond: Null on empty list (key present)', 'Allow?', { ...base, principal: user, context: { 'aws:TagKeys': [] }, identityPolicies: [allow('sqs:*', '*', { Null: { 'aws:TagKeys': 'true' } })] }],
  ['cond: negated op on missing key matches', 'Allow', { ...base, principal: user, identityPolicies: [allow('sqs:*', '*', { StringNotEquals: { 'aws:PrincipalAccount': B } })] }],
  ['cond: condition key name case-insensitive', 'Allow', { ...base, principal: user, context: { 'AWS:PRINCIPALACCOUNT': A }, identityPolicies: [allow('sqs:*', '*', { StringEquals: { 'aws:principalaccount': A } })] }],
  ['cond: StringEquals value case-sensitive', 'ImplicitDeny', { ...base, principal: user, context: { 'aws:PrincipalTag/t': 'Red' }, identityPolicies: [allow('sqs:*', '*', { StringEquals: { 'aws:PrincipalTag/t': 'red' } })] }],
  ['cond: StringEquals treats * literally', 'ImplicitDeny', { ...base, principal: user, context: { 'aws:PrincipalTag/t': 'red' }, identityPolicies: [allow('sqs:*', '*', { StringEquals: { 'aws:PrincipalTag/t': 'r*' } })] }],
  ['cond: ArnEquals honours wildcards (same as ArnLike)', 'Allow', { ...base, principal: user, context: { 'aws:PrincipalArn': user }, identityPolicies: [allow('sqs:*', '*', { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${A}:user/*` } })] }],
  ['cond: aws:PrincipalArn not auto-populated', 'Allow', { ...base, principal: user, identityPolicies: [allow('sqs:*', '*', { ArnEquals: { 'aws:PrincipalArn': user } })] }],
  ['cond: Bool case-insensitive', 'Allow', { ...base, principal: user, context: { 'aws:SecureTransport': 'TRUE' }, identityPolicies: [allow('sqs:*', '*', { Bool: { 'aws:SecureTransport': 'true' } })] }],
  ['cond: Numeric lenient parse ("10abc" == 10)', 'ImplicitDeny', { ...base, principal: user, context: { 'aws:MultiFactorAuthAge': '10abc' }, identityPolicies: [allow('sqs:*', '*', { NumericEquals: { 'aws:MultiFactorAuthAge': '10' } })] }],
  ['cond: Date epoch seconds vs ISO', 'Allow', { ...base, principal: user, context: { 'aws:CurrentTime': '1700000000' }, identityPolicies: [allow('sqs:*', '*', { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } })] }],
  ['cond: unknown operator accepted, never matches', 'error', { ...base, principal: user, context: { 'aws:PrincipalAccount': A }, identityPolicies: [allow('sqs:*', '*', { StringEqualz: { 'aws:PrincipalAccount': A } })] }],
  ['cond: IfExists on present multi-valued key, no qualifier', 'Allow?', { ...base, principal: user, context: { 'aws:PrincipalOrgPaths': ['a'] }, identityPolicies: [allow('sqs:*', '*', { StringEqualsIfExists: { 'aws:PrincipalOrgPaths': 'a' } })] }],
  ['cond: ForAnyValue on single-valued key', 'Allow', { ...base, principal: user, context: { 'aws:PrincipalAccount': A }, identityPolicies: [allow('sqs:*', '*', { 'ForAnyValue:StringEquals': { 'aws:PrincipalAccount': A } })] }],
  ['cond: Deny + ForAllValues on missing key denies', 'ExplicitDeny', { ...base, principal: user, identityPolicies: [allow('sqs:*', '*'), deny('*', '*', { 'ForAllValues:StringEquals': { 'aws:TagKeys': 'x' } })] }],
  ['cond: IpAddress CIDR', 'Allow', { ...base, principal: user, context: { 'aws:SourceIp': '10.1.2.3' }, identityPolicies: [allow('sqs:*', '*', { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } })] }],
  // ---- policy variables (util.js convertIamString / replaceIamStringToken)
  ['var: ${aws:username} in S3 object ARN', 'Allow', { ...s3o('alice/x'), principal: user, context: { 'aws:username': 'alice' }, identityPolicies: [allow('s3:*', 'arn:aws:s3:::bkt/${aws:username}/*')] }],
  ['var: ${aws:username} as first resource-id segment (sqs)', 'Allow', { ...base, resource: sqs(A, 'alice'), principal: user, context: { 'aws:username': 'alice' }, identityPolicies: [allow('sqs:*', sqs(A, '${aws:username}'))] }],
  ['var: ${aws:PrincipalAccount} in account segment', 'Allow', { ...base, principal: user, context: { 'aws:PrincipalAccount': A }, identityPolicies: [allow('sqs:*', 'arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:q1')] }],
  ['var: ${aws:PrincipalAccount} inside ArnLike value', 'Allow', { ...base, principal: user, context: { 'aws:PrincipalAccount': A, 'aws:PrincipalArn': user }, identityPolicies: [allow('sqs:*', '*', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::${aws:PrincipalAccount}:user/*' } })] }],
  ['var: ${aws:username} in a condition value', 'Allow', { ...base, principal: user, context: { 'aws:username': 'alice', 'aws:PrincipalTag/owner': 'alice' }, identityPolicies: [allow('sqs:*', '*', { StringEquals: { 'aws:PrincipalTag/owner': '${aws:username}' } })] }],
  ['var: missing variable never matches', 'ImplicitDeny', { ...s3o('alice/x'), principal: user, identityPolicies: [allow('s3:*', 'arn:aws:s3:::bkt/${aws:username}/*')] }],
  ['var: StringNotEquals with unresolvable variable', 'ImplicitDeny?', { ...base, principal: user, context: { 'aws:PrincipalTag/owner': 'x' }, identityPolicies: [allow('sqs:*', '*', { StringNotEquals: { 'aws:PrincipalTag/owner': '${aws:username}' } })] }],
  ["var: default ${k, 'd'} used when key missing", 'Allow', { ...s3o('d/x'), principal: user, identityPolicies: [allow('s3:*', "arn:aws:s3:::bkt/${aws:username, 'd'}/*")] }],
  ["var: default ${k,'d'} without the space", 'Allow?', { ...s3o('d/x'), principal: user, identityPolicies: [allow('s3:*', "arn:aws:s3:::bkt/${aws:username,'d'}/*")] }],
  ["var: default used when key present but empty", 'ImplicitDeny?', { ...s3o('d/x'), principal: user, context: { 'aws:username': '' }, identityPolicies: [allow('s3:*', "arn:aws:s3:::bkt/${aws:username, 'd'}/*")] }],
  ['var: ${?} is a literal ?', 'Allow', { ...s3o('a?b'), principal: user, identityPolicies: [allow('s3:*', 'arn:aws:s3:::bkt/a${?}b')] }],
  ['var: ${?} is not a wildcard', 'ImplicitDeny', { ...s3o('axb'), principal: user, identityPolicies: [allow('s3:*', 'arn:aws:s3:::bkt/a${?}b')] }],
  ['var: ${$} is a literal $', 'Allow', { ...s3o('a$b'), principal: user, identityPolicies: [allow('s3:*', 'arn:aws:s3:::bkt/a${$}b')] }],
  ['var: value containing * is literal', 'ImplicitDeny', { ...s3o('abc'), principal: user, context: { 'aws:username': 'a*' }, identityPolicies: [allow('s3:*', 'arn:aws:s3:::bkt/${aws:username}')] }],
  ['var: 2008-10-17 policy does not substitute', 'ImplicitDeny', { ...s3o('alice/x'), principal: user, context: { 'aws:username': 'alice' }, identityPolicies: [{ Version: '2008-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::bkt/${aws:username}/*' }] }] }],
  ['var: policy without Version does not substitute', 'ImplicitDeny', { ...s3o('alice/x'), principal: user, context: { 'aws:username': 'alice' }, identityPolicies: [{ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::bkt/${aws:username}/*' }] }] }],
  ['var: multi-valued key as variable never matches', 'ImplicitDeny', { ...s3o('x'), principal: user, context: { 'aws:TagKeys': ['x'] }, identityPolicies: [allow('s3:*', 'arn:aws:s3:::bkt/${aws:TagKeys}')] }],
  // ---- principals (principal/principal.js) and same/cross account (services/DefaultServiceAuthorizer.js)
  ['pr: same-account RP naming user, no identity policy', 'Allow', { ...base, principal: user, resourcePolicy: rp({ AWS: user }, 'sqs:SendMessage') }],
  ['pr: same-account RP naming account only', 'ImplicitDeny', { ...base, principal: user, resourcePolicy: rp({ AWS: A }, 'sqs:SendMessage') }],
  ['pr: cross-account RP naming user, no identity policy', 'ImplicitDeny', { ...base, resource: sqs(B), principal: user, resourcePolicy: rp({ AWS: user }, 'sqs:SendMessage') }],
  ['pr: cross-account RP naming account + identity', 'Allow', { ...base, resource: sqs(B), principal: user, identityPolicies: [allow('sqs:*', '*')], resourcePolicy: rp({ AWS: `arn:aws:iam::${A}:root` }, 'sqs:SendMessage') }],
  ['pr: cross-account identity only', 'ImplicitDeny', { ...base, resource: sqs(B), principal: user, identityPolicies: [allow('sqs:*', '*')] }],
  ['pr: principal ARN match is case-sensitive', 'ImplicitDeny', { ...base, principal: user, resourcePolicy: rp({ AWS: `arn:aws:iam::${A}:user/Alice` }, 'sqs:SendMessage') }],
  ['pr: session matches RP naming its role (name case-insensitive)', 'Allow', { ...base, principal: sess, resourcePolicy: rp({ AWS: `arn:aws:iam::${A}:role/r` }, 'sqs:SendMessage') }],
  ['pr: wildcard in principal ARN not supported', 'ImplicitDeny', { ...base, principal: user, resourcePolicy: rp({ AWS: `arn:aws:iam::${A}:user/*` }, 'sqs:SendMessage') }],
  ['pr: account-id principal (root) with identity allow', 'Allow', { ...base, principal: A, identityPolicies: [allow('sqs:*', '*')] }],
  ['pr: account-id principal (root) without policies', 'Allow', { ...base, principal: A }],
  ['pr: root vs RP naming the account', 'Allow', { ...base, principal: A, resourcePolicy: rp({ AWS: A }, 'sqs:SendMessage') }],
  ['pr: root cannot be named directly (…:root = account)', 'Allow', { ...base, principal: A, resourcePolicy: rp({ AWS: `arn:aws:iam::${A}:root` }, 'sqs:SendMessage') }],
  ['pr: federated-user session matches RP naming its IAM user', 'Allow?', { ...base, principal: `arn:aws:sts::${A}:federated-user/alice`, resourcePolicy: rp({ AWS: user }, 'sqs:SendMessage') }],
  ['pr: unique-id (AIDA…) principal never matches', 'ImplicitDeny?', { ...base, principal: user, resourcePolicy: rp({ AWS: 'AIDAEXAMPLEEXAMPLE' }, 'sqs:SendMessage') }],
  ['pr: Service principal match is case-sensitive', 'ImplicitDeny?', { ...base, principal: 'sns.amazonaws.com', resourcePolicy: rp({ Service: 'SNS.amazonaws.com' }, 'sqs:SendMessage') }],
  ['pr: cross-account RP Deny naming the account', 'ExplicitDeny', { ...base, resource: sqs(B), principal: user, identityPolicies: [allow('sqs:*', '*')], resourcePolicy: { Version: V, Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }, { Effect: 'Deny', Principal: { AWS: A }, Action: '*', Resource: '*' }] } }],
  ['pr: resourceAccount overrides the ARN account', 'ImplicitDeny', { ...base, resourceAccount: B, principal: user, identityPolicies: [allow('sqs:*', '*')] }],
  ['pr: service principal allowed by RP', 'Allow', { ...base, principal: 'sns.amazonaws.com', resourcePolicy: rp({ Service: 'sns.amazonaws.com' }, 'sqs:SendMessage') }],
  ['pr: service principal identity policies ignored', 'ImplicitDeny', { ...base, principal: 'sns.amazonaws.com', identityPolicies: [allow('*', '*')] }],
  ['pr: SCP deny applies to service principal', 'Allow', { ...base, principal: 'sns.amazonaws.com', resourcePolicy: rp({ Service: 'sns.amazonaws.com' }, 'sqs:SendMessage'), scps: [[FULL_SCP, deny('*', '*')]] }],
  ['pr: RCP deny applies to service principal', 'ExplicitDeny', { ...base, principal: 'sns.amazonaws.com', resourcePolicy: rp({ Service: 'sns.amazonaws.com' }, 'sqs:SendMessage'), rcps: [[FULL_RCP, rp('*', 'sqs:*', '*', 'Deny')]] }],
  ['pr: NotPrincipal Deny + PB always denies', 'ExplicitDeny', { ...base, principal: user, identityPolicies: [allow('sqs:*', '*')], permissionBoundary: allow('sqs:*', '*'), resourcePolicy: { Version: V, Statement: [{ Effect: 'Deny', NotPrincipal: { AWS: user }, Action: 'sqs:*', Resource: '*' }] } }],
  ['pr: NotPrincipal Deny excludes named user (no PB)', 'Allow', { ...base, principal: user, identityPolicies: [allow('sqs:*', '*')], resourcePolicy: { Version: V, Statement: [{ Effect: 'Deny', NotPrincipal: { AWS: user }, Action: 'sqs:*', Resource: '*' }] } }],
  ['pr: NotPrincipal naming account excludes its users', 'Allow', { ...base, principal: user, identityPolicies: [allow('sqs:*', '*')], resourcePolicy: { Version: V, Statement: [{ Effect: 'Deny', NotPrincipal: { AWS: A }, Action: 'sqs:*', Resource: '*' }] } }],
  // ---- permission boundary / session policy
  ['pb: same-account RP naming user bypasses PB implicit deny', 'Allow', { ...base, principal: user, permissionBoundary: allow('s3:*', '*'), resourcePolicy: rp({ AWS: user }, 'sqs:SendMessage') }],
  ['pb: role principal, RP naming role ARN, PB implicit deny', 'ImplicitDeny', { ...base, principal: role, permissionBoundary: allow('s3:*', '*'), resourcePolicy: rp({ AWS: role }, 'sqs:SendMessage') }],
  ['pb: session principal, RP naming session ARN, PB implicit deny', 'Allow', { ...base, principal: sess, permissionBoundary: allow('s3:*', '*'), resourcePolicy: rp({ AWS: sess }, 'sqs:SendMessage') }],
  ['pb: role principal, RP Principal "*", PB implicit deny', 'ImplicitDeny?', { ...base, principal: role, permissionBoundary: allow('s3:*', '*'), resourcePolicy: rp('*', 'sqs:SendMessage') }],
  ['pb: cross-account, PB implicit deny', 'ImplicitDeny', { ...base, resource: sqs(B), principal: user, identityPolicies: [allow('sqs:*', '*')], permissionBoundary: allow('s3:*', '*'), resourcePolicy: rp({ AWS: user }, 'sqs:SendMessage') }],
  ['sp: session policy implicit deny vs RP naming session ARN', 'Allow', { ...base, principal: sess, sessionPolicy: allow('s3:*', '*'), resourcePolicy: rp({ AWS: sess }, 'sqs:SendMessage') }],
  ['sp: session policy implicit deny vs RP naming role ARN', 'ImplicitDeny', { ...base, principal: sess, sessionPolicy: allow('s3:*', '*'), resourcePolicy: rp({ AWS: role }, 'sqs:SendMessage') }],
  ['sp: session policy + identity allow', 'Allow', { ...base, principal: role, sessionPolicy: allow('sqs:*', '*'), identityPolicies: [allow('sqs:*', '*')] }],
  ['sp: session policy on a user principal rejected', 'ImplicitDeny', { ...base, principal: user, sessionPolicy: allow('sqs:*', '*'), identityPolicies: [allow('sqs:*', '*')] }],
  // ---- SCP / RCP (core_engine/CoreSimulatorEngine.js analyzeControlPolicies)
  ['scp: empty level denies', 'ImplicitDeny', { ...base, principal: user, identityPolicies: [allow('sqs:*', '*')], scps: [[FULL_SCP], []] }],
  ['scp: applies to cross-account resource too', 'ExplicitDeny', { ...base, resource: sqs(B), principal: user, identityPolicies: [allow('sqs:*', '*')], resourcePolicy: rp({ AWS: user }, 'sqs:*'), scps: [[FULL_SCP, deny('sqs:*', '*')]] }],
  ['scp: Allow with NotAction', 'Allow', { ...base, principal: user, identityPolicies: [allow('sqs:*', '*')], scps: [[{ Version: V, Statement: [{ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }] }]] }],
  ['rcp: applies to services without RCP support (lambda)', 'Allow', { principal: user, action: 'lambda:InvokeFunction', resource: `arn:aws:lambda:us-east-1:${A}:function:f`, identityPolicies: [allow('lambda:*', '*')], rcps: [[FULL_RCP, rp('*', 'lambda:*', '*', 'Deny')]] }],
  ['rcp: RCP with Allow statement rejected', 'error', { ...base, principal: user, identityPolicies: [allow('sqs:*', '*')], rcps: [[FULL_RCP, rp('*', 'sqs:*')]] }],
  // ---- service-specific authorizers (services/*.js)
  ['kms: same-account identity allow without key policy', 'ImplicitDeny', { principal: user, action: 'kms:Decrypt', resource: `arn:aws:kms:us-east-1:${A}:key/k1`, identityPolicies: [allow('kms:*', '*')] }],
  ['kms: key policy trusting account + identity allow', 'Allow', { principal: user, action: 'kms:Decrypt', resource: `arn:aws:kms:us-east-1:${A}:key/k1`, identityPolicies: [allow('kms:*', '*')], resourcePolicy: rp({ AWS: `arn:aws:iam::${A}:root` }, 'kms:*') }],
  ['sts: AssumeRole same account, trust names account only, no identity', 'ImplicitDeny', { principal: user, action: 'sts:AssumeRole', resource: role, resourcePolicy: rp({ AWS: A }, 'sts:AssumeRole') }],
  ['sts: AssumeRole same account, trust names user', 'Allow', { principal: user, action: 'sts:AssumeRole', resource: role, resourcePolicy: rp({ AWS: user }, 'sts:AssumeRole') }],
  ['iam: DeletePolicy on AWS managed policy', 'ImplicitDeny', { principal: user, action: 'iam:DeletePolicy', resource: 'arn:aws:iam::aws:policy/ReadOnlyAccess', resourceAccount: A, identityPolicies: [allow('*', '*')] }]
];

// Expectation suffix '?' = AWS documentation is silent/ambiguous; 'error' = AWS
// would reject the policy. Markers: '!=' differs, '~' differs from an uncertain
// expectation, blank = agrees.
let differences = 0;
let uncertain = 0;
for (const [name, aws, req] of probes) {
  const out = await evaluateRequest(req);
  const got = out.decision ?? `error(${out.error})`;
  const expected = aws.replace(/\?$/, '');
  const same = expected === 'error' ? got.startsWith('error') : got === expected;
  let mark = '  ';
  if (!same && aws.endsWith('?')) {
    uncertain++;
    mark = '~ ';
  } else if (!same) {
    differences++;
    mark = '!=';
  }
  console.log(`${mark} ${name}: got ${got}; AWS-doc expectation ${aws}`);
}
console.log(`${probes.length} probes: ${differences} differ from AWS documentation, ${uncertain} differ where the documentation is ambiguous`);
