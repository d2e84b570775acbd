import { loadConfig } from '../../config/load.js';
import { pipelineRegions } from '../../config/resolve.js';

/** `tributary validate FILE`: exit 0 and a summary, or exit 1 with every problem. */
export function validate(file: string): number {
  const cfg = loadConfig(file);
  console.log(`${file}: valid`);
  console.log(`  ${Object.keys(cfg.sources).length} sources, ${cfg.pipelines.length} pipelines, warehouse ${cfg.warehouse.type}, stage ${cfg.stage.type}, secrets ${cfg.secrets.provider}`);
  for (const p of cfg.pipelines) {
    console.log(`  ${p.name.padEnd(24)} ${p.kind.padEnd(9)} ${p.source.padEnd(12)} regions ${pipelineRegions(cfg, p).join(',')}  schedule "${p.schedule}"`);
  }
  return 0;
}
