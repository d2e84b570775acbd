// The part of the pipeline config that the environment decides (warehouse, stage, secrets
// provider), and the check that the config the release gets is one the workers accept.
import { validateConfig } from '../../config/load.js';
import type { TributaryConfig } from '../../config/schema.js';
import { mergeValues, type Values } from './values.js';

export interface CloudReferences {
  awsRegion: string;
  stageBucket: string;
  stagePrefix: string;
  stageRetentionDays: number;
  workgroup: string;
  database: string;
  schema: string;
  warehouseSecretArn: string;
  copyRoleArn: string;
  /** Prefix of the source secrets' names in Secrets Manager. */
  secretsPrefix: string;
  temporal?: { address?: string; namespace?: string };
}

/** The secrets of one environment: tributary/<stack>/<secret name in the config>. */
export const secretsPrefix = (stack: string): string => `tributary/${stack}/`;

export function environmentConfig(r: CloudReferences): Values {
  return {
    warehouse: {
      type: 'redshift',
      awsRegion: r.awsRegion,
      database: r.database,
      schema: r.schema,
      workgroup: r.workgroup,
      secretArn: r.warehouseSecretArn,
      copyRoleArn: r.copyRoleArn,
    },
    // The bucket's lifecycle rule expires old batches; the workers do not sweep.
    stage: { type: 's3', bucket: r.stageBucket, prefix: r.stagePrefix, awsRegion: r.awsRegion, retentionDays: r.stageRetentionDays, retentionBy: 'lifecycle' },
    secrets: { provider: 'aws', awsRegion: r.awsRegion, prefix: r.secretsPrefix },
    ...(r.temporal ? { temporal: r.temporal } : {}),
  };
}

/** The config file the release's ConfigMap will hold, validated as the workers validate it. */
export function checkReleaseConfig(stack: string, values: Values, environment: Values): TributaryConfig {
  const merged = mergeValues(values, { config: environment });
  return validateConfig(`the Helm values of stack "${stack}"`, merged.config);
}
