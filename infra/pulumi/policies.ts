// IAM policy documents, as pure functions of the ARNs they name, so each can be read and
// tested on its own. Every statement names its actions one by one and the narrowest resource
// the action supports; where an action supports no resource (Data API statement follow-ups),
// a condition, or the API itself, ties it to the caller's own statements.

export interface Statement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource?: string | string[];
  Principal?: Record<string, string | string[]> | '*';
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

const doc = (...Statement: Statement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });

export interface StageLocation {
  bucketArn: string;
  /** Key prefix of the stage, ending in "/". */
  prefix: string;
}

/** Lists only keys under the stage prefix. */
function listStage(stage: StageLocation): Statement {
  return { Sid: 'ListStagePrefix', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: stage.bucketArn, Condition: { StringLike: { 's3:prefix': [`${stage.prefix}*`] } } };
}

/** Redshift (provisioned or Serverless) may assume the COPY role. */
export function copyRoleTrust(): PolicyDocument {
  return doc({ Sid: 'RedshiftAssumesForCopy', Effect: 'Allow', Principal: { Service: ['redshift.amazonaws.com', 'redshift-serverless.amazonaws.com'] }, Action: ['sts:AssumeRole'] });
}

/** COPY reads staged files: read-only, the stage prefix of the stage bucket and nothing else. */
export function copyRolePolicy(stage: StageLocation): PolicyDocument {
  return doc({ Sid: 'ReadStagedFiles', Effect: 'Allow', Action: ['s3:GetObject'], Resource: `${stage.bucketArn}/${stage.prefix}*` }, listStage(stage));
}

/** "oidc.eks.<region>.amazonaws.com/id/<id>" from the OIDC provider's ARN. */
export function oidcIssuer(providerArn: string): string {
  const m = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/(.+)$/.exec(providerArn);
  if (!m) throw new Error(`expected an IAM OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/<issuer>), got "${providerArn}"`);
  return m[1]!;
}

export interface WorkerIdentity {
  oidcProviderArn: string;
  namespace: string;
  serviceAccount: string;
}

/** IRSA: only the workers' ServiceAccount in the environment's namespace may assume the role. */
export function workerRoleTrust(who: WorkerIdentity): PolicyDocument {
  const issuer = oidcIssuer(who.oidcProviderArn);
  return doc({
    Sid: 'WorkersServiceAccount',
    Effect: 'Allow',
    Principal: { Federated: who.oidcProviderArn },
    Action: ['sts:AssumeRoleWithWebIdentity'],
    Condition: { StringEquals: { [`${issuer}:sub`]: `system:serviceaccount:${who.namespace}:${who.serviceAccount}`, [`${issuer}:aud`]: 'sts.amazonaws.com' } },
  });
}

export interface WorkerGrants {
  stage: StageLocation;
  /** The Redshift Serverless workgroup the merges run on. */
  workgroupArn: string;
  /** Exactly the secrets the pipelines name, and the warehouse's. */
  secretArns: string[];
  /** The worker role's unique id (AROA…): its sessions are the workers' pods. */
  roleId: string;
}

/**
 * The workers: read and write staged files under the stage prefix (remove and abort included,
 * for retention and half-written files), run statements on the one workgroup, follow only the
 * statements this role ran, read exactly the pipeline secrets.
 */
export function workerPolicy(g: WorkerGrants): PolicyDocument {
  if (g.secretArns.length === 0) throw new Error('the workers need at least the warehouse secret');
  return doc(
    { Sid: 'StageReadWrite', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], Resource: `${g.stage.bucketArn}/${g.stage.prefix}*` },
    listStage(g.stage),
    { Sid: 'RunStatementsOnWorkgroup', Effect: 'Allow', Action: ['redshift-data:ExecuteStatement', 'redshift-data:BatchExecuteStatement'], Resource: g.workgroupArn },
    {
      Sid: 'FollowRoleStatements',
      Effect: 'Allow',
      Action: ['redshift-data:DescribeStatement', 'redshift-data:GetStatementResult', 'redshift-data:CancelStatement'],
      // These actions take no resource ARN. The owner condition limits them to statements of
      // this role, from any of its sessions: a retried merge resumes, on another pod, polling
      // the statement the first attempt submitted.
      Resource: '*',
      Condition: { StringLike: { 'redshift-data:statement-owner-iam-userid': `${g.roleId}:*` } },
    },
    // ListStatements takes no resource either, and lists only the caller role's own statements.
    { Sid: 'ListRoleStatements', Effect: 'Allow', Action: ['redshift-data:ListStatements'], Resource: '*' },
    { Sid: 'ReadPipelineSecrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [...g.secretArns].sort() },
  );
}

/** The stage bucket refuses plain-HTTP requests, whoever makes them. */
export function stageBucketPolicy(bucketArn: string): PolicyDocument {
  return doc({
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: ['s3:*'],
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  });
}
