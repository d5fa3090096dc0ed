// The worker's own URL guard, behind Python's: a URL opens or is fetched only when its
// host is one Python's adapters declared (config.json, written by the build), the CRM in
// use, or the configured server. It holds no CRM knowledge: hosts come as data.
// Pure (no chrome.*), so tests run it in Node.

import { LOOPBACK } from "./names.js";

const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f\\]/;

/** True for exactly 127.0.0.0/8, localhost, *.localhost and [::1] (parsed hostnames). */
export function isLoopbackHost(host) {
  if (LOOPBACK.names.includes(host) || LOOPBACK.ipv6.includes(host)) return true;
  if (LOOPBACK.suffixes.some((suffix) => host.endsWith(suffix))) return true;
  const octets = host.split(".");
  return (
    octets.length === 4 &&
    octets.every((o) => /^(0|[1-9]\d{0,2})$/.test(o) && Number(o) <= 255) &&
    Number(octets[0]) === LOOPBACK.ipv4FirstOctet
  );
}

/** Chrome match-pattern host semantics: "*.x.com" matches x.com and its subdomains. */
export function hostMatches(host, pattern) {
  if (pattern.startsWith("*.")) {
    const domain = pattern.slice(2);
    return host === domain || host.endsWith(`.${domain}`);
  }
  return host === pattern;
}

/**
 * Why `url` may not be opened or fetched, or null when it may.
 * `allowed`: {hostPatterns: [...], origins: [...]} — a host matching a pattern, or a URL
 * whose origin is listed exactly.
 */
export function refusal(url, { hostPatterns = [], origins = [] } = {}) {
  if (typeof url !== "string" || CONTROL_OR_SPACE.test(url)) return "not a clean URL";
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return "not an absolute URL";
  }
  if (parsed.username || parsed.password || parsed.host.includes("@")) return "the URL carries userinfo";
  const host = parsed.hostname;
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && isLoopbackHost(host))) {
    return `scheme ${parsed.protocol} is not allowed here`;
  }
  if (origins.includes(parsed.origin)) return null;
  if (hostPatterns.some((pattern) => hostMatches(host, pattern))) return null;
  return `host ${host} is not one the extension may open`;
}
