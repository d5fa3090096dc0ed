'use strict';
// The real App Connect server core with our testCRM connector, for the tests and the demo.
// Started by scripts/appconnect/realcore.py, which also runs its throwaway Postgres cluster.
// Environment: DATABASE_URL, APP_SERVER_SECRET_KEY (required by the core), TESTCRM_SEED (JSON
// file with the demo CRM's contacts and call logs), TESTCRM_API_KEY, HOST, PORT (0: any free
// port), and for OAuth sign-in TESTCRM_OAUTH_TOKEN_URL, _CLIENT_ID, _CLIENT_SECRET, _REDIRECT_URI.
// Prints one line `READY <url>` on stdout once the database is synced and seeded.

const fs = require('fs');
const http = require('http');
const { createCoreApp, connectorRegistry } = require('@app-connect/core');
const { CallLogModel } = require('@app-connect/core/models/callLogModel');
const { createConnector } = require('./testcrm-connector');

const seed = JSON.parse(fs.readFileSync(process.env.TESTCRM_SEED, 'utf8'));
const oauth = process.env.TESTCRM_OAUTH_TOKEN_URL
  ? {
      tokenUrl: process.env.TESTCRM_OAUTH_TOKEN_URL,
      clientId: process.env.TESTCRM_OAUTH_CLIENT_ID,
      clientSecret: process.env.TESTCRM_OAUTH_CLIENT_SECRET,
      redirectUri: process.env.TESTCRM_OAUTH_REDIRECT_URI,
    }
  : null;

// With TESTCRM_OAUTH_* set, testCRM signs in with OAuth at that token endpoint instead.
connectorRegistry.registerConnector(
  'testCRM',
  createConnector({ seed, apiKey: process.env.TESTCRM_API_KEY, oauth }),
);

const app = createCoreApp();
const host = process.env.HOST || '127.0.0.1';
const server = app.listen(Number(process.env.PORT || 0), host, async () => {
  const url = `http://${host}:${server.address().port}`;
  // The core syncs its tables before it serves the first request: wait for that, then seed
  // the call logs it answers GET /callLog from (it never asks the connector for those).
  await new Promise((resolve, reject) => {
    http.get(`${url}/isAlive`, (res) => (res.resume(), res.on('end', resolve))).on('error', reject);
  });
  for (const log of seed.callLogs) {
    await CallLogModel.upsert({
      id: `call-${log.sessionId}`,
      sessionId: log.sessionId,
      platform: 'testCRM',
      thirdPartyLogId: log.logId,
      contactId: log.contactId,
      userId: '',
    });
  }
  process.stdout.write(`READY ${url}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
