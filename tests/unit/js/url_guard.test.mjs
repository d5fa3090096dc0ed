// The worker's URL guard (extension/worker/url_guard.js), run in Node by
// tests/unit/test_worker_js.py with WORKER_DIR pointing at the worker modules and the
// names.js generated from crm_callbacks/names.py.
import assert from "node:assert/strict";
import { test } from "node:test";

const { refusal, isLoopbackHost } = await import(`${process.env.WORKER_DIR}/url_guard.js`);
const allowed = {
  hostPatterns: JSON.parse(process.env.OPEN_HOST_PATTERNS),
  origins: ["http://127.0.0.1:6066"],
};

test("CRM record URLs on the adapters' hosts pass", () => {
  for (const url of [
    "https://acme.pipedrive.com/person/42",
    "https://pipedrive.com/person/42",
    "https://cls5.bullhornstaffing.com/BullhornStaffing/OpenWindow.cfm?id=1",
    "https://acme.testcrm.localhost/contacts/1",
    "http://acme.testcrm.localhost:8080/contacts/1",
    "http://127.0.0.1:6066/contacts",
  ]) {
    assert.equal(refusal(url, allowed), null, url);
  }
});

test("foreign hosts, look-alikes, userinfo and fake loopback are refused", () => {
  for (const url of [
    "https://evil.com",
    "https://acme.pipedrive.com.evil.com/person/1",
    "https://acme.pipedrive.com@evil.com/",
    "https://user:pw@acme.pipedrive.com/",
    "https://acme.pipedrivе.com/person/1", // Cyrillic e: punycode, another host
    "https://acme.pipedrive.com\\@evil.com/",
    "http://acme.pipedrive.com/person/1",
    "http://127.evil.com/",
    "http://127.0.0.1.nip.io/",
    "http://127.0.0.1:6067/",
    "javascript:alert(1)",
    "https://acme.pipedrive.com/ person",
    "not a url",
    null,
  ]) {
    assert.notEqual(refusal(url, allowed), null, String(url));
  }
});

test("loopback is exactly 127.0.0.0/8, localhost, *.localhost and [::1]", () => {
  for (const host of ["127.0.0.1", "127.255.0.9", "localhost", "a.localhost", "[::1]"]) {
    assert.equal(isLoopbackHost(host), true, host);
  }
  for (const host of ["127.evil.com", "127.0.0.1.nip.io", "128.0.0.1", "localhost.evil.com", "[::2]", "0.0.0.0"]) {
    assert.equal(isLoopbackHost(host), false, host);
  }
  // The URL parser canonicalises IPv4 first, so shorthand forms are judged as the IP they are.
  assert.equal(refusal("http://127.1:6066/", allowed), null);
  assert.notEqual(refusal("http://0x7f.1.evil/", allowed), null);
});
