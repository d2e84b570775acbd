// One Secrets Manager secret per source per application, named tributary/<stack>/<name>. Pulumi
// creates the secret only: its value (read-only credentials) is written and rotated by the
// source's owners, so no password ever passes through Pulumi's state.
import * as aws from '@pulumi/aws';

export function createSourceSecrets(stack: string, prefix: string, names: string[], tags: Record<string, string>): Map<string, aws.secretsmanager.Secret> {
  return new Map(
    names.map((name) => [
      name,
      new aws.secretsmanager.Secret(`tributary-${stack}-${name}`, {
        name: `${prefix}${name}`,
        description: `Tributary ${stack}: credentials of source "${name}" (read-only; written and rotated by the source's owners)`,
        recoveryWindowInDays: 7,
        tags: { ...tags, 'tributary.io/source-secret': name },
      }),
    ]),
  );
}
