// No import cycles in src/: neither among files nor among its top-level parts (a folder under src/, or a file
// directly in it such as log.ts), so every part can be read, tested and replaced after the parts it uses. The graph
// is TypeScript's own resolution of the build (tsc --explainFiles); `import type` counts (see helpers/module-graph.ts).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cyclesOf, edgesWithin, graphFromExplanation, type ModuleGraph, partGraph, sourceGraph } from './helpers/module-graph.js';

const projectDir = fileURLToPath(new URL('..', import.meta.url));

function describeCycles(graph: ModuleGraph): string {
  return cyclesOf(graph)
    .map(
      (cycle) =>
        `cycle of ${cycle.length}: ${cycle.join(', ')}\n${edgesWithin(graph, cycle)
          .map((edge) => `  ${edge}`)
          .join('\n')}`,
    )
    .join('\n');
}

describe('module graph', () => {
  it('reads who imports whom from TypeScript explaining its files, whatever the quotes, ignoring imports from outside src/', () => {
    const graph = graphFromExplanation(
      [
        'node_modules/pino/pino.d.ts',
        "   Imported via 'pino' from file 'src/log.ts' with packageId 'pino/pino.d.ts@10.4.0'",
        'src/log.ts',
        "   Imported via './log.js' from file 'src/main.ts'",
        '   Imported via "../log.js" from file "src/outputs/sms/index.ts"',
        "   Imported via '../src/log.js' from file 'test/log.test.ts'",
        "   Matched by include pattern 'src' in 'tsconfig.build.json'",
        'src/main.ts',
        "   Matched by include pattern 'src' in 'tsconfig.build.json'",
        'src/outputs/sms/index.ts',
        "   Imported via './index.js' from file 'src/outputs/sms/module.ts'",
      ].join('\n'),
    );
    assert.deepEqual(Object.fromEntries([...graph].map(([file, imports]) => [file, [...imports].sort()])), {
      'src/log.ts': [],
      'src/main.ts': ['src/log.ts'],
      'src/outputs/sms/index.ts': ['src/log.ts'],
      'src/outputs/sms/module.ts': ['src/outputs/sms/index.ts'],
    });
  });

  it('finds each cycle once, a file importing itself too, and none in a chain; parts are folders and top-level files', () => {
    const files: ModuleGraph = new Map([
      ['src/log.ts', new Set(['src/config/schema.ts'])],
      ['src/config/schema.ts', new Set(['src/outputs/registry.ts'])],
      ['src/outputs/registry.ts', new Set(['src/outputs/sms/index.ts'])],
      ['src/outputs/sms/index.ts', new Set(['src/log.ts', 'src/core/event.ts'])],
      ['src/core/event.ts', new Set(['src/core/event.ts'])],
      ['src/main.ts', new Set(['src/log.ts', 'src/core/event.ts'])],
    ]);
    assert.deepEqual(cyclesOf(files), [
      ['src/config/schema.ts', 'src/log.ts', 'src/outputs/registry.ts', 'src/outputs/sms/index.ts'],
      ['src/core/event.ts'],
    ]);
    assert.deepEqual(cyclesOf(partGraph(files)), [['config', 'log.ts', 'outputs']]);
    assert.deepEqual(edgesWithin(partGraph(files), ['config', 'log.ts', 'outputs']), [
      'config → outputs',
      'log.ts → config',
      'outputs → log.ts',
    ]);
    assert.deepEqual(
      cyclesOf(
        new Map([
          ['a', new Set(['b'])],
          ['b', new Set(['c'])],
          ['c', new Set<string>()],
        ]),
      ),
      [],
    );
  });

  describe('of src/', () => {
    let files: ModuleGraph;
    before(async () => (files = await sourceGraph(projectDir)));

    it('is read whole: every file of the build, and imports known to exist', () => {
      // Guards the two tests below: an explanation this reader no longer understands must not pass as "no cycles".
      assert.ok(files.size > 100, `only ${files.size} files`);
      assert.ok(files.get('src/cli.ts')?.has('src/main.ts') && files.get('src/cli.ts')?.has('src/log.ts'));
      assert.ok(files.get('src/config/sections.ts')?.has('src/outputs/registry.ts'));
    });

    it('has no cycle among files', () => {
      assert.equal(describeCycles(files), '');
    });

    it('has no two top-level parts that import each other, directly or round a loop', () => {
      assert.equal(describeCycles(partGraph(files)), '');
    });

    it('keeps the seams: no feature imports an output, and the processor knows no mail', () => {
      const crossing = [...files].flatMap(([file, imports]) =>
        [...imports]
          .filter(
            (imported) =>
              (file.startsWith('src/features/') && imported.startsWith('src/outputs/')) ||
              (file === 'src/pipeline/processor.ts' && imported.startsWith('src/mail/')),
          )
          .map((imported) => `${file} → ${imported}`),
      );
      assert.deepEqual(crossing, []);
    });
  });
});
