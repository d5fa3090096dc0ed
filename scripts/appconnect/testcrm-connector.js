'use strict';
// A testCRM connector for the real App Connect server core (@app-connect/core).
// It serves the demo CRM's seed (written by crm_callbacks/server/store.py, passed in as JSON),
// so the extension sees the same contacts and call logs from this server as from the bundled
// Python one. API-key sign-in checks one key; OAuth sign-in trusts a loopback token endpoint.

const DEFAULT_FORMATS = ['(***) ***-****', '***-***-****'];
const DIGIT_MARKS = /[*#]/g;

function digitsOf(number) {
  const digits = String(number).replace(/[^0-9]/g, '');
  return String(number).trim().startsWith('+') ? `+${digits}` : digits;
}

// The number written in `pattern` (`*` or `#` for each digit, filled from the end), or null.
function formatNumber(number, pattern) {
  const digits = digitsOf(number).replace(/^\+/, '');
  const wanted = (pattern.match(DIGIT_MARKS) || []).length;
  if (wanted === 0 || digits.length < wanted) return null;
  const tail = digits.slice(-wanted).split('');
  return pattern.replace(DIGIT_MARKS, () => tail.shift());
}

function spellings(number, formats) {
  const forms = [String(number).trim(), digitsOf(number)];
  for (const pattern of formats) {
    const form = formatNumber(number, pattern);
    if (form) forms.push(form);
  }
  return new Set(forms.filter(Boolean));
}

function createConnector({ seed, apiKey, oauth }) {
  const contacts = seed.contacts;
  const userFor = (hostname) => ({
    id: `testCRM-demo-user@${hostname || 'local'}`,
    name: 'Demo user',
    timezoneName: 'UTC',
    timezoneOffset: '+00:00',
    platformAdditionalInfo: {},
  });

  return {
    getAuthType: async () => (oauth ? 'oauth' : 'apiKey'),
    getBasicAuth: ({ apiKey: key }) => Buffer.from(`${key}:`).toString('base64'),
    getOauthInfo: async () => ({
      clientId: oauth.clientId,
      clientSecret: oauth.clientSecret,
      accessTokenUri: oauth.tokenUrl,
      redirectUri: oauth.redirectUri,
    }),

    async getUserInfo({ authHeader, hostname, additionalInfo }) {
      if (oauth) {
        if (!authHeader || !authHeader.startsWith('Bearer ')) {
          return { successful: false, returnMessage: { messageType: 'warning', message: 'No OAuth access token.', ttl: 3000 } };
        }
      } else if (!additionalInfo || additionalInfo.apiKey !== apiKey) {
        return { successful: false, returnMessage: { messageType: 'warning', message: 'Invalid API key.', ttl: 3000 } };
      }
      return {
        successful: true,
        platformUserInfo: userFor(hostname),
        returnMessage: { messageType: 'success', message: 'Connected to TestCRM.', ttl: 1000 },
      };
    },

    async findContact({ phoneNumber, overridingFormat }) {
      const formats = overridingFormat
        ? String(overridingFormat).split(',').map((f) => f.trim()).filter(Boolean)
        : DEFAULT_FORMATS;
      const wanted = spellings(phoneNumber, formats);
      const matched = contacts
        .filter((c) => wanted.has(c.phone))
        .map((c) => ({ id: c.id, name: c.name, phone: c.phone, type: c.type, additionalInfo: null }));
      return {
        successful: true,
        matchedContactInfo: matched,
        returnMessage: matched.length
          ? { messageType: 'success', message: `${matched.length} contact(s) found`, ttl: 1000 }
          : { messageType: 'warning', message: 'No contact found', ttl: 3000 },
      };
    },

    async unAuthorize({ user }) {
      await user.destroy();
      return { returnMessage: { messageType: 'success', message: 'Logged out of TestCRM.', ttl: 1000 } };
    },

    async createCallLog() {
      return { logId: null, returnMessage: { messageType: 'warning', message: 'Logging calls is not part of the demo.', ttl: 3000 } };
    },
    async updateCallLog() {
      return { returnMessage: { messageType: 'warning', message: 'Logging calls is not part of the demo.', ttl: 3000 } };
    },
    async getCallLog({ callLogId }) {
      const log = seed.callLogs.find((l) => l.logId === callLogId);
      return { callLogInfo: log ? { subject: log.subject, note: log.note } : null };
    },
    async createMessageLog() {
      return { logId: null, returnMessage: { messageType: 'warning', message: 'Not part of the demo.', ttl: 3000 } };
    },
    async updateMessageLog() {
      return {};
    },
  };
}

module.exports = { createConnector, spellings, formatNumber };
