// The house's imports, read from the source: no circle of files importing each other (a circle
// that must stay for a while is listed in KNOWN, so removing it means striking it off), no
// circle of folders (an import that runs back up a floor), and workflows that know no kind
// and no warehouse.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// Every kind the registry holds, so a fifth kind is watched for without editing this test.
import { KIND_NAMES } from '../../activities/kinds/registry.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FOLDERS = ['activities', 'workflows', 'workers', 'schedules', 'config', 'client', 'cli', 'common', 'names', 'types'].filter((f) => existsSync(join(ROOT, f)));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** file -> the project files it imports (type-only imports too: they tie the files as well). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of FOLDERS.flatMap((f) => files(join(ROOT, f)))) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/g)].map((m) => relative(ROOT, resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'))));
    graph.set(relative(ROOT, file), targets);
  }
  return graph;
}

/** Strongly connected components of more than one file (Tarjan). */
function circles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out.sort(byNames);
}

const byNames = (a: string[], b: string[]) => a.join().localeCompare(b.join());

/** Circles allowed to stand for now: none. */
const KNOWN: string[][] = [];

/** The graph of rooms: each file stands for the room `room` puts it in; imports inside a room are dropped. */
function rooms(graph: Map<string, string[]>, room: (file: string) => string | null): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const a = room(file);
    if (a === null) continue;
    const set = out.get(a) ?? new Set<string>();
    out.set(a, set);
    for (const t of targets) {
      const b = room(t);
      if (b !== null && b !== a) set.add(b);
    }
  }
  return new Map([...out].map(([k, v]) => [k, [...v]]));
}

/** Top-level folders. */
const topFolder = (file: string) => file.split('/')[0]!;
/** Inside activities/: its folders (warehouse/ as one) and its own files. */
const activitiesRoom = (file: string) => {
  const parts = file.split('/');
  if (parts[0] !== 'activities') return null;
  return parts.length > 2 ? `activities/${parts[1]}/` : file;
};
/** Inside activities/warehouse/: a dialect's folder, or a shared file. */
const warehouseRoom = (file: string) => {
  const parts = file.split('/');
  if (parts[0] !== 'activities' || parts[1] !== 'warehouse') return null;
  return parts.length > 3 ? `activities/warehouse/${parts[2]}/` : file;
};

/** The names of things only kinds and dialects may know. */
const WAREHOUSE_TYPES = ['postgres', 'redshift'];
const UNIT_TYPES = ['FactUnit', 'DimensionUnit', 'TopicUnit', 'CdcUnit'];

/** Lines of workflow code that compare a kind or a warehouse type, or name a kind's unit type. */
function kindKnowledge(text: string): string[] {
  const names = [...KIND_NAMES, ...WAREHOUSE_TYPES].join('|');
  const compare = new RegExp(`(===|!==|case)\\s*'(${names})'|'(${names})'\\s*(===|!==)`);
  const unit = new RegExp(`\\b(${UNIT_TYPES.join('|')})\\b`);
  return text.split('\n').filter((line) => !line.trim().startsWith('//') && (compare.test(line) || unit.test(line)));
}

describe('the import graph', () => {
  it('has no circle beyond the known ones, and every known one still stands', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(100);
    expect(circles(graph)).toEqual(KNOWN.map((c) => [...c].sort()).sort(byNames));
  });

  it('has no circle of folders: no import runs back up, at the top level, inside activities/ and inside its warehouse/', () => {
    const graph = importGraph();
    expect(circles(rooms(graph, topFolder))).toEqual([]);
    expect(circles(rooms(graph, activitiesRoom))).toEqual([]);
    expect(circles(rooms(graph, warehouseRoom))).toEqual([]);
  });

  it('keeps the type map at the bottom: types/ imports no other folder of the project', () => {
    const graph = importGraph();
    const out = [...graph].flatMap(([file, targets]) => (file.startsWith('types/') ? targets.filter((t) => !t.startsWith('types/')).map((t) => `${file} -> ${t}`) : []));
    expect([...graph.keys()].some((f) => f.startsWith('types/'))).toBe(true);
    expect(out).toEqual([]);
  });

  it('keeps the sources and the warehouse dialects apart: neither imports the other', () => {
    const graph = importGraph();
    const crossing = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((t) => (file.startsWith('activities/sources/') && t.startsWith('activities/warehouse/')) || (file.startsWith('activities/warehouse/') && t.startsWith('activities/sources/')))
        .map((t) => `${file} -> ${t}`),
    );
    expect(crossing).toEqual([]);
  });

  it('lets no workflow compare a kind or a warehouse type, nor name a kind\'s unit', () => {
    const found = files(join(ROOT, 'workflows')).flatMap((f) => kindKnowledge(readFileSync(f, 'utf8')).map((line) => `${relative(ROOT, f)}: ${line.trim()}`));
    expect(found).toEqual([]);
  });

  it('finds what it looks for when it is there', () => {
    expect(kindKnowledge("if (unit.kind === 'cdc') return;\nconst u = x as TopicUnit;\n// kind === 'fact' in a comment")).toHaveLength(2);
    expect(kindKnowledge("if (w.type !== 'redshift') throw e;")).toHaveLength(1);
    const g = new Map([
      ['activities/kinds/a.ts', ['activities/sources/b.ts']],
      ['activities/sources/b.ts', ['activities/kinds/c.ts']],
    ]);
    expect(circles(rooms(g, activitiesRoom))).toEqual([['activities/kinds/', 'activities/sources/']]);
  });

  it('finds a circle when there is one', () => {
    const g = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(circles(g)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});
