// Dispatch queue: one task at a time, in arrival order, a failure never blocks the next.

let queueTail = Promise.resolve();

export function serialised(task) {
  const run = queueTail.then(task, task);
  queueTail = run.catch(() => {});
  return run;
}
