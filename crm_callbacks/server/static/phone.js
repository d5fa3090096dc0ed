// The demo phone: posts the RingCentral Embeddable widget's message shapes to the CRM
// page it is embedded in, and renders the pages the extension registers in it (the
// API-key form, the contact chooser), as the real widget would.
(() => {
  const received = [];
  let requests = 0;
  const log = (text) => {
    const item = document.createElement("li");
    item.textContent = text;
    document.getElementById("log").prepend(item);
  };
  const post = (message) => {
    log(`→ ${message.type}${message.path ? " " + message.path : ""}`);
    window.parent.postMessage(message, "*");
  };
  const request = (path, body) =>
    post({ type: "rc-post-message-request", requestId: `demo-${++requests}`, path, body });

  function ring(number) {
    const sessionId = `demo-${Date.now()}`;
    post({
      type: "rc-active-call-notify",
      call: {
        sessionId, direction: "Inbound", telephonyStatus: "Ringing",
        from: { phoneNumber: number }, to: { phoneNumber: "+16505550199" },
        startTime: Date.now(),
      },
    });
  }

  function renderPage(page) {
    const container = document.getElementById("page");
    container.replaceChildren();
    const form = document.createElement("form");
    const title = document.createElement("strong");
    title.textContent = page.title;
    form.append(title);
    const fields = {};
    for (const [key, spec] of Object.entries(page.schema?.properties ?? {})) {
      const label = document.createElement("label");
      label.append(document.createTextNode(spec.title ?? key));
      if (spec.oneOf) {
        for (const option of spec.oneOf) {
          const line = document.createElement("label");
          const radio = Object.assign(document.createElement("input"), {
            type: "radio", name: key, value: option.const,
            checked: option.const === page.formData?.[key],
          });
          line.append(radio, document.createTextNode(" " + option.title));
          label.append(document.createElement("br"), line);
        }
        fields[key] = () => form.querySelector(`input[name="${key}"]:checked`)?.value;
      } else {
        const input = Object.assign(document.createElement("input"), { type: "password", name: key });
        label.append(input);
        fields[key] = () => input.value;
      }
      form.append(label);
    }
    const submit = Object.assign(document.createElement("button"), {
      type: "submit", textContent: page.uiSchema?.submitButtonOptions?.submitText ?? "Save",
    });
    form.append(submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const formData = Object.fromEntries(Object.entries(fields).map(([k, read]) => [k, read()]));
      request("/crm-callbacks/button-click", { button: { id: page.id, formData } });
      container.replaceChildren();
    });
    container.append(form);
  }

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent) return;
    const message = event.data;
    received.push(message);
    log(`← ${message?.type}`);
    if (message?.type === "rc-adapter-register-customized-page") renderPage(message.page);
  });

  document.getElementById("sign-in").addEventListener("click", () => {
    post({ type: "rc-login-status-notify", loggedIn: true, loginNumber: "+16505550199*101" });
    request("/authorize", {});
  });
  document.getElementById("ring").addEventListener("click", () => ring("+16505550123"));
  document.getElementById("ring-unknown").addEventListener("click", () => ring("+16505550999"));
  window.phone = { post, request, ring, received };
})();
