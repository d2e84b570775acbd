// The two IAM roles of an environment: the one Redshift assumes for COPY, and the one the
// workers assume through IRSA. Their policies are in policies.ts.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { copyRolePolicy, copyRoleTrust, workerPolicy, workerRoleTrust, type WorkerIdentity } from './policies.js';

export function createCopyRole(name: string, stage: { bucketArn: pulumi.Input<string>; prefix: string }, tags: Record<string, string>): aws.iam.Role {
  const role = new aws.iam.Role(name, { description: 'Redshift COPY of Tributary staged files (read-only, stage prefix)', assumeRolePolicy: JSON.stringify(copyRoleTrust()), tags });
  new aws.iam.RolePolicy(
    name,
    { role: role.id, policy: pulumi.output(stage.bucketArn).apply((bucketArn) => JSON.stringify(copyRolePolicy({ bucketArn, prefix: stage.prefix }))) },
    { parent: role },
  );
  return role;
}

export interface WorkerRoleArgs {
  identity: WorkerIdentity;
  bucketArn: pulumi.Input<string>;
  prefix: string;
  workgroupArn: pulumi.Input<string>;
  secretArns: pulumi.Input<string>[];
  tags: Record<string, string>;
}

export function createWorkerRole(name: string, args: WorkerRoleArgs): aws.iam.Role {
  const role = new aws.iam.Role(name, { description: 'Tributary workers (IRSA)', assumeRolePolicy: JSON.stringify(workerRoleTrust(args.identity)), tags: args.tags });
  new aws.iam.RolePolicy(
    name,
    {
      role: role.id,
      policy: pulumi
        .all([args.bucketArn, args.workgroupArn, pulumi.all(args.secretArns), role.uniqueId])
        .apply(([bucketArn, workgroupArn, secretArns, roleId]) => JSON.stringify(workerPolicy({ stage: { bucketArn, prefix: args.prefix }, workgroupArn, secretArns, roleId }))),
    },
    { parent: role },
  );
  return role;
}
