// The endpoint (server or cluster) a unit was planned for, found again when it is extracted: the
// config may have dropped it since, which no retry mends.
import { badInput } from '../errors.js';

/** The unit's endpoint among `endpoints`; bad input when the config no longer has it. */
export function unitEndpoint<E extends { id: string }>(endpoints: readonly E[], unit: { pipeline: string; source: string }): E {
  const endpoint = endpoints.find((e) => e.id === unit.source);
  if (!endpoint) throw badInput(`pipeline ${unit.pipeline}: source ${unit.source} is no longer in the config`);
  return endpoint;
}
