import type { StageConfig } from '../../config/schema.js';
import type { SecretProvider } from '../secrets/provider.js';
import { FileStage } from './file-stage.js';
import { S3Stage, s3Client } from './s3-stage.js';
import type { Stage } from './stage.js';

export type { Stage, StagedFile, StageWriter } from './stage.js';

/** `secrets` resolves the S3 stage's optional access-key secret. */
export function createStage(cfg: StageConfig, secrets?: SecretProvider): Stage {
  if (cfg.type === 'file') return new FileStage(cfg.path);
  return new S3Stage(cfg, s3Client(cfg, secrets));
}
