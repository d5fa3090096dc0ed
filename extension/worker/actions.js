// Action performers: one per action type Python returns (names.js ACTION_TYPES). Each
// gets the action and a `shell` (the browser side effects, see dispatch.js) and does
// exactly what the action says. Pure of chrome.* at load, so tests import it in Node.

import { ACTION_TYPES } from "./names.js";

export const performers = {
  [ACTION_TYPES.OPEN_TAB]: (action, shell) =>
    shell.openUrl(action.url, { active: Boolean(action.active), popup: Boolean(action.popup) }),
  [ACTION_TYPES.REMOVE_STORAGE]: (action, shell) => shell.removeStorage(action.keys),
  [ACTION_TYPES.SET_STORAGE]: (action, shell) => shell.setStorage(action.items),
  [ACTION_TYPES.REPLY]: (action, shell) =>
    shell.toWidget({ type: "rc-post-message-response", responseId: action.requestId, response: { data: action.data } }),
  [ACTION_TYPES.POST]: (action, shell) => shell.toWidget(action.message),
  // Not awaited: the queue goes on while the request is out; the result joins the queue
  // as a new event from the same origin.
  [ACTION_TYPES.FETCH]: (action, shell) => {
    shell.fetchThenDispatch(action);
  },
  // Not awaited, like fetch: the sign-in window may stay open for minutes.
  [ACTION_TYPES.AUTH_FLOW]: (action, shell) => {
    shell.authFlowThenDispatch(action);
  },
  [ACTION_TYPES.NOTIFY]: (action, shell) => shell.notify(action.level, action.message),
};

export async function perform(action, shell) {
  const performer = Object.hasOwn(performers, action?.type) ? performers[action.type] : null;
  if (!performer) throw new Error(`unknown action type ${JSON.stringify(action?.type)}`);
  await performer(action, shell);
}
