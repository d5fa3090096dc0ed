// Session secrets: the App Connect session token and the server that issued it.
//
// Where: the extension origin's IndexedDB, used by the service worker only. Content scripts
// can read chrome.storage.local (where App Connect keeps its token) but run in the CRM page's
// origin, so they cannot open the extension origin's IndexedDB; chrome.storage.session is out
// of their reach too, but it is emptied when the browser restarts, and a sign-in should last.
// Python still decides: its setStorage/removeStorage actions name these keys as any other,
// and the worker routes them here. Nothing here logs or shows a value.

import { SECRET_STORAGE_KEYS } from "./names.js";

export const SECRET_KEYS = SECRET_STORAGE_KEYS;
const SERVER_KEY = SECRET_STORAGE_KEYS[1];
const DB_NAME = "crm-callbacks-secrets";
const STORE = "secrets";

let opening = null;

function openDb() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => {
      opening = null;
      reject(request.error);
    };
  });
  return opening;
}

async function transact(mode, work) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const result = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(result?.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** Split `items` into [secret items, other items]. */
export function splitSecrets(items) {
  const secret = {};
  const other = {};
  for (const [key, value] of Object.entries(items ?? {})) {
    (SECRET_KEYS.includes(key) ? secret : other)[key] = value;
  }
  return [secret, other];
}

export async function writeSecrets(items) {
  const entries = Object.entries(items);
  if (entries.length === 0) return;
  await transact("readwrite", (store) => {
    for (const [key, value] of entries) store.put(value, key);
  });
}

export async function removeSecrets(keys) {
  const wanted = keys.filter((key) => SECRET_KEYS.includes(key));
  if (wanted.length === 0) return;
  await transact("readwrite", (store) => {
    for (const key of wanted) store.delete(key);
  });
}

/**
 * Every secret as {key: value|null}. A secret found in chrome.storage.local (put there by
 * an older version, or by hand) is moved here first, so it stops being readable there.
 */
export async function readSecrets() {
  const legacy = await chrome.storage.local.get(SECRET_KEYS);
  if (Object.keys(legacy).length > 0) {
    await writeSecrets(legacy);
    await chrome.storage.local.remove(Object.keys(legacy));
  }
  const values = await Promise.all(
    SECRET_KEYS.map((key) => transact("readonly", (store) => store.get(key))),
  );
  return Object.fromEntries(SECRET_KEYS.map((key, i) => [key, values[i] ?? null]));
}

/**
 * A request carrying credentials goes only to the server that issued the session: a
 * second guard behind Python's, in case the server setting changed since the sign-in.
 */
export async function checkCredentialTarget(request) {
  const headers = Object.keys(request?.headers ?? {}).map((name) => name.toLowerCase());
  if (!headers.includes("authorization")) return;
  const { [SERVER_KEY]: server } = await readSecrets();
  let same = false;
  try {
    same = Boolean(server) && new URL(request.url).origin === new URL(server).origin;
  } catch {
    same = false;
  }
  if (!same) throw new Error("refused to send the session to a server that did not issue it");
}

/** The response headers Python asked for (lower-case names), those that came back. */
export function pickHeaders(response, names) {
  const picked = {};
  for (const name of Array.isArray(names) ? names : []) {
    const value = response.headers.get(String(name));
    if (value !== null) picked[String(name).toLowerCase()] = value;
  }
  return picked;
}
