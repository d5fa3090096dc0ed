// Prints the action types extension/worker/actions.js has a performer for (JSON).
const { performers } = await import(`${process.env.WORKER_DIR}/actions.js`);
console.log(JSON.stringify(Object.keys(performers).sort()));
