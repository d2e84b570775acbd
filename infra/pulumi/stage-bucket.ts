// The S3 stage: private, encrypted at rest, TLS only, and staged batches expire after the
// stage retention (the same number the stage config gets).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { stageBucketPolicy } from './policies.js';

export interface StageBucketArgs {
  prefix: string;
  retentionDays: number;
  tags: Record<string, string>;
}

export function createStageBucket(name: string, args: StageBucketArgs, opts?: pulumi.ComponentResourceOptions): aws.s3.Bucket {
  const bucket = new aws.s3.Bucket(name, { tags: args.tags }, opts);
  const child = { ...opts, parent: bucket };
  new aws.s3.BucketPublicAccessBlock(name, { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, child);
  new aws.s3.BucketOwnershipControls(name, { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } }, child);
  // SSE-S3: Redshift's COPY and the workers read it with no KMS grant to manage.
  new aws.s3.BucketServerSideEncryptionConfiguration(name, { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] }, child);
  new aws.s3.BucketLifecycleConfiguration(
    name,
    {
      bucket: bucket.id,
      rules: [
        {
          id: 'stage-retention',
          status: 'Enabled',
          filter: { prefix: args.prefix },
          expiration: { days: args.retentionDays },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
      ],
    },
    child,
  );
  new aws.s3.BucketPolicy(name, { bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(stageBucketPolicy(arn))) }, child);
  return bucket;
}
