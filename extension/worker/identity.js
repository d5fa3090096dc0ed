// OAuth sign-in through the browser: chrome.identity.launchWebAuthFlow opens the URL Python
// built (the CRM's authorize page) in a sign-in window and ends when the CRM redirects to
// this extension's redirect URL (https://<extension id>.chromiumapp.org/). The redirect URL,
// with its code, goes back to Python, which exchanges it at the App Connect server.

import { MESSAGE_TYPES } from "./names.js";

const AUTH_RESULT = MESSAGE_TYPES.AUTH_RESULT;

/** What Python needs to build an authorize URL: where the sign-in window must redirect. */
export function identityContext() {
  return chrome.identity?.getRedirectURL ? { redirectUrl: chrome.identity.getRedirectURL() } : {};
}

/** Run the sign-in window; resolves to the event Python gets (never rejects). */
export async function runAuthFlow({ id, url }) {
  try {
    const redirected = await chrome.identity.launchWebAuthFlow({ url, interactive: true });
    return { type: AUTH_RESULT, id, url: redirected ?? null };
  } catch (error) {
    // e.g. "The user did not approve access." — no URL, so nothing secret is in the message
    return { type: AUTH_RESULT, id, url: null, error: String(error?.message ?? error) };
  }
}
