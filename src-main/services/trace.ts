// BOOTLAB_TRACE=1: a line on stderr at each step of a command-line run (`bootlab-trace 123.4 ms
// STEP`), in milliseconds since the process started, to see where a runner's or run's time goes
// (issue 15). Off, a step costs one boolean test.
const enabled = typeof process !== 'undefined' && Boolean(process.env.BOOTLAB_TRACE);

export function traceStep(step: string): void {
  if (enabled) process.stderr.write(`bootlab-trace ${performance.now().toFixed(1)} ms ${step}\n`);
}
