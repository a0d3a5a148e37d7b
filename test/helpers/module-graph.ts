// The import graph of src/ as TypeScript itself resolves it (`tsc --explainFiles` over tsconfig.build.json), and
// its cycles: among files, and among the top-level parts of src/ (a folder under src/, or a file directly in it).
// Every import counts, `import type` and `export … from` included: with verbatimModuleSyntax a type-only import
// vanishes at run time, but it still ties the two modules together (one cannot change or move without the other).
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

/** From each file (a path relative to the project, `src/…`) to the src/ files it imports. */
export type ModuleGraph = ReadonlyMap<string, ReadonlySet<string>>;

const header = /^(src\/\S+\.ts)$/;
const importedVia = /^\s+Imported via (["']).*?\1 from file (["'])(src\/.+?\.ts)\2/;

/** Runs TypeScript's own resolution over src/ (as the build compiles it) and reads who imports whom. */
export async function sourceGraph(projectDir: string): Promise<ModuleGraph> {
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  // A type error makes tsc exit 2 but still explain every file; the typecheck step reports such errors, not this.
  const stdout = await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--noEmit', '--explainFiles'], {
    cwd: projectDir,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  }).then(
    (result) => result.stdout,
    (error: Error & { stdout?: string; killed?: boolean }) => {
      if (error.killed || !error.stdout) throw error;
      return error.stdout;
    },
  );
  return graphFromExplanation(stdout);
}

/** `--explainFiles` lists each file of the program, then one indented line per file that imports it. */
export function graphFromExplanation(text: string): ModuleGraph {
  const graph = new Map<string, Set<string>>();
  let imported: string | undefined;
  for (const line of text.split('\n')) {
    const file = header.exec(line);
    if (file) {
      imported = file[1]!;
      if (!graph.has(imported)) graph.set(imported, new Set());
      continue;
    }
    if (!/^\s/.test(line)) imported = undefined;
    const importer = importedVia.exec(line)?.[3];
    if (imported === undefined || importer === undefined) continue;
    if (!graph.has(importer)) graph.set(importer, new Set());
    graph.get(importer)!.add(imported);
  }
  return graph;
}

/** `src/outputs/mqtt/index.ts` → `outputs`; `src/log.ts` → `log.ts`. */
export function topLevelPart(file: string): string {
  return file.replace(/^src\//, '').split('/')[0]!;
}

/** The same graph between top-level parts; an import inside one part is no edge. */
export function partGraph(files: ModuleGraph): ModuleGraph {
  const parts = new Map<string, Set<string>>();
  for (const [from, targets] of files) {
    const part = topLevelPart(from);
    if (!parts.has(part)) parts.set(part, new Set());
    for (const target of targets) if (topLevelPart(target) !== part) parts.get(part)!.add(topLevelPart(target));
  }
  return parts;
}

/**
 * The cycles: each strongly connected component of more than one node (or a node importing itself), its nodes sorted.
 * Tarjan's algorithm, iterative so a deep chain of imports cannot overflow the stack.
 */
export function cyclesOf(graph: ModuleGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  for (const root of [...graph.keys()].sort()) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; targets: string[] }> = [];
    const enter = (node: string) => {
      index.set(node, next);
      low.set(node, next++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, targets: [...(graph.get(node) ?? [])].sort() });
    };
    enter(root);
    while (work.length > 0) {
      const frame = work.at(-1)!;
      const target = frame.targets.shift();
      if (target !== undefined) {
        if (!index.has(target)) enter(target);
        else if (onStack.has(target)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.node);
      if (component.length > 1 || graph.get(frame.node)?.has(frame.node)) cycles.push(component.sort());
    }
  }
  return cycles.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** The edges inside one cycle, `a → b`, for a message that shows which imports to cut. */
export function edgesWithin(graph: ModuleGraph, cycle: readonly string[]): string[] {
  const members = new Set(cycle);
  return cycle.flatMap((from) =>
    [...(graph.get(from) ?? [])]
      .filter((to) => members.has(to))
      .sort()
      .map((to) => `${from} → ${to}`),
  );
}
