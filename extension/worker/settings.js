// Settings, the build's config and the declared storage, cached in memory and refreshed
// on chrome.storage.onChanged (and at once after the worker's own writes), so an event
// costs no storage read. A restarted worker starts with an empty cache.

import { STORAGE_KEYS } from "./names.js";
import { readSecrets, removeSecrets, splitSecrets, writeSecrets } from "./secrets.js";

let buildConfig = null;

export function readBuildConfig() {
  buildConfig ??= fetch(chrome.runtime.getURL("config.json")).then((r) => r.json());
  return buildConfig;
}

let cached = null; // promise of {settings, storage, crmInUse}
let generation = 0;

async function readLocal() {
  const built = await readBuildConfig();
  const { storageKeys = [] } = built;
  const keys = [...storageKeys, STORAGE_KEYS.SETTINGS, STORAGE_KEYS.CRM_IN_USE];
  const [local, secret] = await Promise.all([chrome.storage.local.get(keys), readSecrets()]);
  const stored = { ...local, ...secret }; // the session lives in secrets.js, not in local
  return {
    settings: { ...built.settingDefaults, ...stored[STORAGE_KEYS.SETTINGS] },
    // Only the keys the build listed (from the adapters' declarations) reach Python; a
    // key that is not stored is passed as null so Python can tell "absent".
    storage: Object.fromEntries(storageKeys.map((key) => [key, stored[key] ?? null])),
    crmInUse: stored[STORAGE_KEYS.CRM_IN_USE] ?? null,
  };
}

function snapshot() {
  if (cached) return cached;
  const mine = generation;
  const reading = readLocal();
  cached = reading;
  reading.then(
    () => {
      if (generation !== mine && cached === reading) cached = null; // changed meanwhile
    },
    () => {
      if (cached === reading) cached = null;
    },
  );
  return reading;
}

export function invalidate() {
  generation += 1;
  cached = null;
}

export const readSettings = async () => (await snapshot()).settings;
export const readDeclaredStorage = async () => (await snapshot()).storage;
export const readCrmInUse = async () => (await snapshot()).crmInUse;

/** The worker's storage writes (session secrets to secrets.js, the rest to
 * chrome.storage.local): the cache never serves the old value. */
export async function writeLocal(items) {
  const [secret, other] = splitSecrets(items);
  await Promise.all([chrome.storage.local.set(other), writeSecrets(secret)]);
  invalidate();
}

export async function removeLocal(keys) {
  await Promise.all([chrome.storage.local.remove(keys), removeSecrets(keys)]);
  invalidate();
}

export function watchStorage() {
  chrome.storage.onChanged.addListener((_changes, area) => {
    if (area === "local") invalidate();
  });
}
