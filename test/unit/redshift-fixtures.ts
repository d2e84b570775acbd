// What the Redshift unit tests at the Data API boundary share: the warehouse and S3 stage settings,
// the mocked Data API client with its result fields, and the warehouse on it. Nothing is reached:
// each test file mocks the client (mockDataApi) and scripts its answers.
import { mockClient } from 'aws-sdk-client-mock';
import { RedshiftDataClient, type Field } from '@aws-sdk/client-redshift-data';
import { S3Client } from '@aws-sdk/client-s3';
import type { ActivityDeps } from '../../activities/deps.js';
import { DataApi, DEFAULT_POLL } from '../../activities/warehouse/redshift/data-api.js';
import { RedshiftWarehouse, type RedshiftConfig } from '../../activities/warehouse/redshift/redshift-warehouse.js';
import { S3Stage, type S3StageConfig } from '../../activities/stage/s3-stage.js';

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

/** Every RedshiftDataClient's commands answered by aws-sdk-client-mock from here on (once per test file). */
export const mockDataApi = () => mockClient(RedshiftDataClient);

export const noSleep = () => Promise.resolve();
export const str = (v: string | null): Field => (v === null ? { isNull: true } : { stringValue: v });
export const num = (v: number): Field => ({ longValue: v });

/** The warehouse on the mocked Data API, polling without sleeping; its S3 stage is never called (one file per manifest). */
export function redshiftWarehouse(): RedshiftWarehouse {
  const stage = new S3Stage(stageCfg, new S3Client({ region: 'us-east-1' }));
  return new RedshiftWarehouse({ stage } as unknown as ActivityDeps, cfg, new DataApi(new RedshiftDataClient({ region: 'us-east-1' }), cfg, DEFAULT_POLL, noSleep), noSleep);
}
