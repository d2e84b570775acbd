// Pulumi's mocks in place of AWS and Kubernetes: the program runs for real, and every resource
// it registers is kept with its resolved inputs, plus the outputs the real provider would add
// (ARNs, generated names), shaped as AWS shapes them.
import * as pulumi from '@pulumi/pulumi';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  state: Record<string, unknown>;
}

function outputsOf(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case 'aws:s3/bucket:Bucket': {
      const bucket = `${name}-20261127a1b2`; // autonaming adds a suffix
      return { bucket, arn: `arn:aws:s3:::${bucket}` };
    }
    case 'aws:iam/role:Role':
      return { name, arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, uniqueId: `AROA${Buffer.from(name).toString('hex').slice(0, 17).toUpperCase()}` };
    case 'aws:redshiftserverless/namespace:Namespace':
      return {
        arn: `arn:aws:redshift-serverless:${REGION}:${ACCOUNT}:namespace/0f1e2d3c-${name}`,
        adminPasswordSecretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:redshift!${String(inputs.namespaceName)}-tributary-Ab12Cd`,
      };
    case 'aws:redshiftserverless/workgroup:Workgroup':
      return { arn: `arn:aws:redshift-serverless:${REGION}:${ACCOUNT}:workgroup/9a8b7c6d-${name}` };
    case 'aws:secretsmanager/secret:Secret':
      return { arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${String(inputs.name)}-Xy9Zq1` };
    case 'kubernetes:helm.sh/v3:Release':
      return { status: { status: 'deployed', revision: 1 } };
    default:
      return {};
  }
}

/** Runs `program` against the mocks for one stack and returns everything it registered. */
export async function runWithMocks<T>(stack: string, config: Record<string, string>, program: () => T): Promise<{ result: T; resources: Registered[] }> {
  const resources: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        const state = { ...inputs, ...outputsOf(args.type, args.name, inputs) };
        resources.push({ type: args.type, name: args.name, inputs, state });
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        throw new Error(`the program called ${args.token}; it should need no provider function`);
      },
    },
    'tributary',
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config);
  const result = program();
  // Every registration, including those waiting on other resources' outputs, has finished.
  await pulumi.runtime.disconnect();
  return { result, resources };
}
