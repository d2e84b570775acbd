// The Redshift warehouse and S3 stage settings the Data API unit tests share (nothing is reached:
// the clients are mocked in each test file).
import type { RedshiftConfig } from '../../activities/warehouse/redshift/redshift-warehouse.js';
import type { S3StageConfig } from '../../activities/stage/s3-stage.js';

export const cfg: RedshiftConfig = {
  type: 'redshift',
  awsRegion: 'us-east-1',
  database: 'dev',
  schema: 'analytics',
  workgroup: 'bi',
  copyRoleArn: 'arn:aws:iam::123456789012:role/tributary-load',
  maxConcurrentMerges: 2,
  varcharOverflow: 'widen',
};

export const stageCfg: S3StageConfig = {
  type: 's3',
  bucket: 'tributary-stage',
  prefix: 'tributary/',
  awsRegion: 'us-east-1',
  forcePathStyle: false,
  retentionDays: 7,
  retentionBy: 'lifecycle',
  sliceCount: 4,
  maxFileMB: 256,
};
