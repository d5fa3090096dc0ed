// Options page. It knows no setting by name: every key, label, choice and default comes
// from settings-schema.json, which Python generates at build time. Saving goes through
// the service worker ("save-settings"), where Python validates and normalises the values
// before anything is stored; this page only renders what it is given.

import { RUNTIME_MESSAGES, STORAGE_KEYS, TARGETS } from "./worker/names.js";

const SETTINGS_KEY = STORAGE_KEYS.SETTINGS;
const SCHEMA_FILE = "settings-schema.json";
const CONFIG_FILE = "config.json";
const SCHEMA_VERSION = 1;

const $ = (id) => document.getElementById(id);
const ui = {
  form: $("settings-form"),
  groups: $("groups"),
  errors: $("errors"),
  status: $("status"),
  save: $("save"),
  reset: $("reset"),
  version: $("version"),
  buildId: $("build-id"),
};

/** Rendered fields, in schema order: {spec, container, errorEl, controls, get, set}. */
let fields = [];
/** config.json of this build (defaults marked `defaultFromBuild` are read from it). */
let buildConfig = {};
let saving = false;
let nextId = 0;

// ---- small DOM helpers ----------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "className") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.filter((child) => child !== undefined && child !== null));
  return node;
}

function uniqueId(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

function isPlainObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function describedBy(control, ids) {
  const list = ids.filter(Boolean);
  if (list.length) control.setAttribute("aria-describedby", list.join(" "));
  else control.removeAttribute("aria-describedby");
}

// ---- defaults --------------------------------------------------------------------

function effectiveDefault(spec) {
  const fromBuild = spec.defaultFromBuild;
  const built = fromBuild ? (buildConfig.settingDefaults?.[fromBuild] ?? buildConfig[fromBuild]) : undefined;
  return built !== undefined && built !== null ? built : spec.default;
}

// A CRM server other than the build's needs its host permission, asked for while the
// user's click still counts as a gesture. Returns an error to show, or null.
async function permitServer(settings) {
  const url = settings.serverUrl;
  if (!url || url === buildConfig.settingDefaults?.serverUrl) return null;
  let origin;
  try {
    const parsed = new URL(url);
    origin = `${parsed.protocol}//${parsed.hostname}/*`;
  } catch {
    return null; // not a URL: Python names the field
  }
  try {
    if (await chrome.permissions.request({ origins: [origin] })) return null;
  } catch (error) {
    return { code: "PERMISSION_REFUSED", field: "serverUrl", message: `Chrome refused access to ${origin}: ${error?.message ?? error}` };
  }
  return { code: "PERMISSION_REFUSED", field: "serverUrl", message: `Access to ${origin} was not granted, so the server cannot be used.` };
}

function defaultLine(spec, id) {
  const line = el("p", { className: "default", id });
  const value = effectiveDefault(spec);
  const fromBuild = spec.defaultFromBuild && effectiveDefault(spec) !== spec.default;
  switch (spec.type) {
    case "choice": {
      const choice = (spec.choices ?? []).find((c) => c.value === value);
      line.append(`Default: ${choice?.label ?? value ?? "none"}`);
      break;
    }
    case "boolean":
      line.append(`Default: ${value === true ? "on" : "off"}`);
      break;
    case "perPlatform":
      line.append("Default: the value shown greyed out in each box");
      break;
    default:
      if (value === undefined || value === null || value === "") line.append("Default: none");
      else line.append("Default: ", el("code", {}, String(value)));
  }
  if (fromBuild) line.append(" (set by this build)");
  return line;
}

// ---- one renderer per field type ------------------------------------------------
// Each returns {container, controls, focus, get(), set(storedValue)}; `set` receives
// the stored value, or undefined when nothing is stored (meaning: the default).

function fieldShell(spec, tag = "div") {
  const id = uniqueId("setting");
  const ids = { control: id, help: `${id}-help`, default: `${id}-default`, error: `${id}-error` };
  const container = el(tag, { className: `field field-${spec.type}`, "data-setting": spec.key });
  const help = spec.help ? el("p", { className: "help", id: ids.help }, spec.help) : null;
  const errorEl = el("p", { className: "field-error", id: ids.error, hidden: true });
  return { ids, container, help, errorEl, deflt: defaultLine(spec, ids.default) };
}

const renderers = {
  choice(spec) {
    const shell = fieldShell(spec);
    const select = el("select", { id: shell.ids.control, name: spec.key });
    for (const choice of spec.choices ?? []) {
      select.append(el("option", { value: choice.value }, choice.label ?? choice.value));
    }
    shell.container.append(
      el("label", { for: shell.ids.control }, spec.label ?? spec.key),
      " ",
      select,
      shell.errorEl,
      shell.help,
      shell.deflt,
    );
    return {
      ...shell,
      controls: [select],
      get: () => select.value,
      set(stored) {
        const value = stored ?? effectiveDefault(spec);
        for (const option of select.querySelectorAll("option[data-unknown]")) option.remove();
        const known = [...select.options].some((option) => option.value === value);
        if (!known && value !== undefined && value !== null) {
          // Keep an unexpected stored value visible (and saved as is) rather than hiding it.
          select.append(el("option", { value, "data-unknown": true }, `${value} (not a known choice)`));
        }
        select.value = value ?? "";
      },
    };
  },

  boolean(spec) {
    const shell = fieldShell(spec);
    const box = el("input", { type: "checkbox", id: shell.ids.control, name: spec.key });
    shell.container.append(
      el("div", { className: "check" }, box, " ", el("label", { for: shell.ids.control }, spec.label ?? spec.key)),
      shell.errorEl,
      shell.help,
      shell.deflt,
    );
    return {
      ...shell,
      controls: [box],
      get: () => box.checked,
      set(stored) {
        box.checked = (stored ?? effectiveDefault(spec)) === true;
      },
    };
  },

  text(spec) {
    return textField(spec, "text");
  },

  url(spec) {
    return textField(spec, "url");
  },

  perPlatform(spec) {
    const shell = fieldShell(spec, "fieldset");
    const body = el("tbody");
    const inputs = [];
    for (const platform of spec.platforms ?? []) {
      const inputId = uniqueId("setting");
      const input = el("input", {
        type: "text",
        id: inputId,
        name: `${spec.key}.${platform.name}`,
        placeholder: platform.default ?? "",
        inputmode: "url",
        spellcheck: "false",
        autocomplete: "off",
        "data-platform": platform.name,
      });
      inputs.push(input);
      body.append(
        el(
          "tr",
          {},
          el("th", { scope: "row" }, el("label", { for: inputId }, platform.displayName ?? platform.name)),
          el("td", {}, input),
        ),
      );
    }
    shell.container.append(
      el("legend", {}, spec.label ?? spec.key),
      shell.help,
      el("table", { className: "platforms" }, body),
      shell.errorEl,
      shell.deflt,
    );
    return {
      ...shell,
      controls: inputs,
      get() {
        const values = {};
        for (const input of inputs) {
          if (input.value.trim() !== "") values[input.dataset.platform] = input.value;
        }
        return values;
      },
      set(stored) {
        const values = isPlainObject(stored) ? stored : {};
        for (const input of inputs) {
          const value = values[input.dataset.platform];
          input.value = typeof value === "string" ? value : "";
        }
      },
    };
  },
};

function textField(spec, inputType) {
  const shell = fieldShell(spec);
  const input = el("input", {
    type: inputType,
    id: shell.ids.control,
    name: spec.key,
    spellcheck: "false",
    autocomplete: "off",
    inputmode: inputType === "url" ? "url" : undefined,
  });
  shell.container.append(
    el("label", { for: shell.ids.control }, spec.label ?? spec.key),
    " ",
    input,
    shell.errorEl,
    shell.help,
    shell.deflt,
  );
  return {
    ...shell,
    controls: [input],
    get: () => input.value,
    set(stored) {
      const value = stored ?? effectiveDefault(spec);
      input.value = value === undefined || value === null ? "" : String(value);
    },
  };
}

function unsupportedField(spec) {
  // A type this page does not know (a newer schema): shown, and its stored value kept.
  const shell = fieldShell(spec);
  let kept;
  shell.container.append(
    el("p", { className: "label" }, spec.label ?? spec.key),
    el("p", { className: "unsupported" }, `This setting (type “${spec.type}”) cannot be edited here; its value is kept.`),
    shell.errorEl,
    shell.help,
  );
  return {
    ...shell,
    controls: [],
    get: () => kept,
    set(stored) {
      kept = stored;
    },
  };
}

// ---- rendering the schema and the values ----------------------------------------

function render(schema) {
  fields = [];
  const groups = [];
  for (const group of schema.groups) {
    const fieldset = el("fieldset", { className: "group" }, el("legend", {}, group.title ?? ""));
    for (const spec of group.fields ?? []) {
      if (!isPlainObject(spec) || typeof spec.key !== "string") continue;
      const field = (renderers[spec.type] ?? unsupportedField)(spec);
      field.spec = spec;
      for (const control of field.controls) {
        describedBy(control, [field.help?.id, field.deflt?.id]);
      }
      if (field.container.tagName === "FIELDSET") describedBy(field.container, [field.help?.id]);
      fieldset.append(field.container);
      fields.push(field);
    }
    groups.push(fieldset);
  }
  ui.groups.replaceChildren(...groups);
}

function applySettings(settings) {
  const values = isPlainObject(settings) ? settings : {};
  for (const field of fields) field.set(values[field.spec.key] ?? undefined);
}

function collectSettings() {
  const settings = {};
  for (const field of fields) {
    const value = field.get();
    if (value !== undefined) settings[field.spec.key] = value;
  }
  return settings;
}

// ---- status and errors -----------------------------------------------------------

function setStatus(text, kind = "") {
  ui.status.textContent = text;
  ui.status.dataset.kind = kind;
}

function clearErrors() {
  ui.errors.hidden = true;
  ui.errors.replaceChildren();
  for (const field of fields) {
    field.container.classList.remove("invalid");
    field.errorEl.hidden = true;
    field.errorEl.replaceChildren();
    for (const control of field.controls) {
      control.removeAttribute("aria-invalid");
      control.removeAttribute("aria-errormessage");
      describedBy(control, [field.help?.id, field.deflt?.id]);
    }
  }
}

/** The rendered field an error's `field` names: a key, or "key.platform" / "key[platform]". */
function fieldFor(name) {
  if (typeof name !== "string" || name === "") return null;
  const exact = fields.find((field) => field.spec.key === name);
  if (exact) return { field: exact, controls: exact.controls };
  const match = /^([^.[]+)(?:\.|\[)["']?([^\]"']+)/.exec(name);
  const field = match && fields.find((f) => f.spec.key === match[1]);
  if (!field) return null;
  const specific = field.controls.filter((control) => control.dataset.platform === match[2]);
  return { field, controls: specific.length ? specific : field.controls };
}

function showErrors(errors, intro = "Nothing was saved.") {
  clearErrors();
  const list = el("ul");
  for (const error of errors) {
    const message = String(error?.message ?? error?.code ?? "Unknown error");
    const target = fieldFor(error?.field);
    const item = el("li");
    if (target) {
      const { field, controls } = target;
      field.container.classList.add("invalid");
      field.errorEl.hidden = false;
      if (field.errorEl.childNodes.length) field.errorEl.append(el("br"));
      field.errorEl.append(message);
      for (const control of controls) {
        control.setAttribute("aria-invalid", "true");
        control.setAttribute("aria-errormessage", field.errorEl.id);
        describedBy(control, [field.errorEl.id, field.help?.id, field.deflt?.id]);
      }
      const focusTarget = controls[0];
      const label = field.spec.label ?? field.spec.key;
      if (focusTarget) {
        const link = el("a", { href: `#${focusTarget.id}` }, label);
        link.addEventListener("click", (event) => {
          event.preventDefault();
          focusTarget.focus();
        });
        item.append(link, ": ");
      } else {
        item.append(`${label}: `);
      }
    }
    item.append(message);
    if (error?.code) item.append(" ", el("span", { className: "code" }, `(${error.code})`));
    list.append(item);
  }
  ui.errors.replaceChildren(el("p", { className: "errors-title" }, intro), list);
  ui.errors.hidden = false;
}

// ---- saving ----------------------------------------------------------------------

function setBusy(busy) {
  saving = busy;
  ui.save.disabled = busy;
  ui.reset.disabled = busy;
  ui.form.setAttribute("aria-busy", String(busy));
}

async function readStoredSettings() {
  const stored = await chrome.storage.local.get(SETTINGS_KEY);
  return isPlainObject(stored[SETTINGS_KEY]) ? stored[SETTINGS_KEY] : {};
}

async function save(settings, trigger) {
  if (saving) return;
  const refused = await permitServer(settings);
  if (refused) {
    clearErrors();
    setStatus("Not saved", "error");
    showErrors([refused], "Nothing was saved. Please correct the following:");
    ui.errors.focus();
    return;
  }
  setBusy(true);
  clearErrors();
  setStatus("Saving…", "busy");
  let answer;
  try {
    answer = await chrome.runtime.sendMessage({ target: TARGETS.BACKGROUND, type: RUNTIME_MESSAGES.SAVE_SETTINGS, settings });
  } catch (error) {
    answer = { unreachable: String(error?.message ?? error) };
  } finally {
    setBusy(false);
    // The disabled button lost focus: give it back so keyboard users stay in place.
    if (trigger && (document.activeElement === document.body || !document.activeElement)) trigger.focus();
  }

  if (answer?.ok === true) {
    applySettings(isPlainObject(answer.data?.settings) ? answer.data.settings : await readStoredSettings());
    setStatus("Saved", "ok");
    return;
  }
  setStatus("Not saved", "error");
  const errors = answer?.ok === false ? (answer.error?.errors ?? [answer.error]) : [];
  if (Array.isArray(errors) && errors.length && errors.every(isPlainObject)) {
    showErrors(errors, "Nothing was saved. Please correct the following:");
  } else if (answer?.unreachable !== undefined || answer === undefined) {
    const detail = answer?.unreachable ? ` (${answer.unreachable})` : "";
    showErrors([
      {
        code: "BACKGROUND_UNREACHABLE",
        message:
          `The extension's background service worker did not answer${detail}. ` +
          "Reload the extension at chrome://extensions and try again.",
      },
    ]);
  } else {
    showErrors([
      { code: "BAD_ANSWER", message: "The background service worker sent an answer this page does not understand." },
    ]);
  }
  ui.errors.focus();
}

// ---- start -----------------------------------------------------------------------

async function fetchJson(file) {
  let response;
  try {
    response = await fetch(chrome.runtime.getURL(file), { cache: "no-store" });
  } catch (error) {
    throw new Error(`${file} is missing from the extension (${error?.message ?? error})`);
  }
  if (!response.ok) throw new Error(`${file}: HTTP ${response.status}`);
  try {
    return await response.json();
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${error?.message ?? error})`);
  }
}

function checkSchema(schema) {
  if (!isPlainObject(schema)) throw new Error(`${SCHEMA_FILE} is not a JSON object`);
  if (schema.version !== SCHEMA_VERSION) {
    throw new Error(`${SCHEMA_FILE} has version ${JSON.stringify(schema.version)}; this page reads version ${SCHEMA_VERSION}`);
  }
  if (!Array.isArray(schema.groups)) throw new Error(`${SCHEMA_FILE} has no "groups" list`);
  return schema;
}

async function start() {
  ui.errors.tabIndex = -1;
  ui.version.textContent = `version ${chrome.runtime.getManifest().version}`;
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    save(collectSettings(), ui.save);
  });
  ui.reset.addEventListener("click", () => {
    if (window.confirm("Reset every crm-callbacks setting to its default?")) save({}, ui.reset);
  });
  ui.form.addEventListener("input", () => {
    if (!saving && ui.status.dataset.kind !== "dirty") setStatus("Unsaved changes", "dirty");
  });

  const [schema, config, stored] = await Promise.allSettled([
    fetchJson(SCHEMA_FILE).then(checkSchema),
    fetchJson(CONFIG_FILE),
    readStoredSettings(),
  ]);
  if (config.status === "fulfilled" && isPlainObject(config.value)) {
    buildConfig = config.value;
    if (buildConfig.buildId) ui.buildId.textContent = String(buildConfig.buildId);
  } else {
    console.warn("[crm-callbacks] config.json unreadable:", config.reason);
  }

  ui.groups.removeAttribute("aria-busy");
  if (schema.status !== "fulfilled" || stored.status !== "fulfilled") {
    const reason = schema.status !== "fulfilled" ? schema.reason : stored.reason;
    ui.groups.replaceChildren(el("p", { className: "loading" }, "Settings are unavailable."));
    showErrors(
      [{ code: "OPTIONS_LOAD_FAILED", message: String(reason?.message ?? reason) }],
      "The settings could not be loaded; the extension build may be incomplete.",
    );
    document.documentElement.dataset.state = "failed";
    return;
  }
  render(schema.value);
  applySettings(stored.value);
  ui.save.disabled = false;
  ui.reset.disabled = false;
  document.documentElement.dataset.state = "ready";
}

start();
