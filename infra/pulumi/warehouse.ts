// Redshift Serverless: one namespace (the database; its admin password is kept and rotated by
// Redshift in Secrets Manager, never in Pulumi's state) and one private workgroup.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { RedshiftSettings } from './settings.js';

export interface Warehouse {
  namespace: aws.redshiftserverless.Namespace;
  workgroup: aws.redshiftserverless.Workgroup;
}

export function createWarehouse(name: string, settings: RedshiftSettings, copyRoleArn: pulumi.Input<string>, tags: Record<string, string>): Warehouse {
  const namespace = new aws.redshiftserverless.Namespace(name, {
    namespaceName: name,
    dbName: settings.database,
    adminUsername: 'tributary',
    manageAdminPassword: true,
    iamRoles: [copyRoleArn],
    defaultIamRoleArn: copyRoleArn,
    tags,
  });
  const workgroup = new aws.redshiftserverless.Workgroup(name, {
    workgroupName: name,
    namespaceName: namespace.namespaceName,
    baseCapacity: settings.baseCapacity,
    publiclyAccessible: false,
    ...(settings.subnetIds.length > 0 ? { subnetIds: settings.subnetIds } : {}),
    ...(settings.securityGroupIds.length > 0 ? { securityGroupIds: settings.securityGroupIds } : {}),
    tags,
  });
  return { namespace, workgroup };
}
