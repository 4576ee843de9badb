// A Vitest reporter that prints the slowest tests at the end of a run, so a CI log shows where
// the suite's time goes (and which tests come near their timeouts on a loaded machine).
import type { Reporter, TestModule } from 'vitest/node';

const SHOWN = 15;

export default class SlowestTestsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const timed: { name: string; ms: number }[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const ms = test.diagnostic()?.duration;
        if (ms !== undefined) timed.push({ name: `${module.moduleId.replace(`${process.cwd()}/`, '')} > ${test.fullName}`, ms });
      }
    }
    timed.sort((a, b) => b.ms - a.ms);
    const lines = timed.slice(0, SHOWN).map((t) => `${(t.ms / 1000).toFixed(1).padStart(7)} s  ${t.name}`);
    process.stdout.write(`\nSlowest ${lines.length} of ${timed.length} tests:\n${lines.join('\n')}\n`);
  }
}
