// Registers Tributary's custom search attributes (names/search-attributes.ts) in the namespace
// from code: a dev server only registers its --search-attribute flags when it creates the
// namespace, and a production namespace is not ours to configure by hand. Idempotent.
import type { Client } from '@temporalio/client';
import { TRIBUTARY_SEARCH_ATTRIBUTES } from '../names/search-attributes.js';

const registered = new Set<string>();

/** Adds the attributes the namespace lacks; returns the names added. */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  if (registered.has(namespace)) return [];
  const ops = client.connection.operatorService;
  const existing = await ops.listSearchAttributes({ namespace });
  const known = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
  const missing = Object.entries(TRIBUTARY_SEARCH_ATTRIBUTES).filter(([name]) => !known.has(name));
  if (missing.length > 0) {
    try {
      await ops.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing) });
    } catch (err) {
      // Another client added them meanwhile: ALREADY_EXISTS is what we wanted.
      if ((err as { code?: number }).code !== 6) {
        throw new Error(`cannot register search attributes ${missing.map(([n]) => n).join(', ')} in namespace ${namespace}: ${(err as Error).message}`, { cause: err });
      }
    }
  }
  registered.add(namespace);
  return missing.map(([n]) => n);
}
