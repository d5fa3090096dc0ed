// One reply envelope for every runtime message the worker answers:
// {ok: true, data} or {ok: false, error: {code, message}}.

import { SHIM_ERROR_CODES } from "./names.js";

export const ok = (data = null) => ({ ok: true, data });

export const fail = (code, message, extra = {}) => ({ ok: false, error: { code, message, ...extra } });

/** Answer `sendResponse` with the envelope of `work` (a promise of data). */
export function answerWith(work, sendResponse) {
  Promise.resolve(work).then(
    (data) => sendResponse(ok(data)),
    (error) =>
      sendResponse(
        error?.envelope ?? fail(error?.code ?? SHIM_ERROR_CODES.INTERNAL, String(error?.message ?? error)),
      ),
  );
  return true; // answered asynchronously
}

/** An error that travels as a given envelope. */
export class EnvelopeError extends Error {
  constructor(code, message, extra = {}) {
    super(`${code}: ${message}`);
    this.code = code;
    this.envelope = fail(code, message, extra);
  }
}
