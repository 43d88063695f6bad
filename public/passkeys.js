// Passkeys in the browser. Turns the server's WebAuthn options into
// navigator.credentials calls and posts the answers back. Kept outside the
// WASM app: it needs no Rust, and it works on every page that marks a block
// with data-passkey, including blocks the app draws after a client-side
// navigation. Without script the blocks keep their buttons hidden and their
// <noscript> note says passkeys need JavaScript.
(() => {
  'use strict';
  // Every passkey block brings this script; the first copy does the work.
  if (window.latchkeyPasskeys) return;
  window.latchkeyPasskeys = true;

  const supported = Boolean(window.PublicKeyCredential && navigator.credentials);

  const bytes = (base64url) => {
    const binary = atob(base64url.replace(/-/g, '+').replace(/_/g, '/'));
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) out[i] = binary.charCodeAt(i);
    return out.buffer;
  };

  const base64url = (buffer) => {
    let binary = '';
    for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };

  // Calls one of Latchkey's server functions the way the app does: a form
  // body in, JSON out. Errors carry the server's error value.
  const call = async (endpoint, fields) => {
    const response = await fetch(`/api/${endpoint}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
    const reply = await response.json().catch(() => null);
    if (!response.ok) throw Object.assign(new Error('refused'), { reply });
    return reply;
  };

  const creationOptions = ({ publicKey }) => {
    publicKey.challenge = bytes(publicKey.challenge);
    publicKey.user.id = bytes(publicKey.user.id);
    for (const credential of publicKey.excludeCredentials || []) credential.id = bytes(credential.id);
    return { publicKey };
  };

  const requestOptions = ({ publicKey }) => {
    publicKey.challenge = bytes(publicKey.challenge);
    for (const credential of publicKey.allowCredentials || []) credential.id = bytes(credential.id);
    return { publicKey };
  };

  const encode = (credential) => {
    const r = credential.response;
    const response = { clientDataJSON: base64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = base64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = base64url(r.authenticatorData);
      response.signature = base64url(r.signature);
      response.userHandle = r.userHandle ? base64url(r.userHandle) : null;
    }
    return JSON.stringify({
      id: credential.id,
      rawId: base64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      response,
    });
  };

  const say = (block, message, urgent) => {
    const status = block.querySelector('[data-passkey-status]');
    if (!status) return;
    status.setAttribute('role', urgent ? 'alert' : 'status');
    status.textContent = message || '';
    status.hidden = !message;
  };

  // What went wrong, in the page's language: the texts travel in the
  // block's data attributes. Re-authentication and expired sign-ins move on
  // to the page that deals with them.
  const explain = (block, error) => {
    const reply = error && error.reply;
    if (reply === 'ReauthRequired') {
      const back = window.location.pathname + window.location.search;
      window.location.assign(`/login/reauth?next=${encodeURIComponent(back)}`);
      return;
    }
    if (reply === 'Unauthenticated') {
      window.location.assign('/login');
      return;
    }
    const passwordRefused = reply && Array.isArray(reply.Validation)
      && reply.Validation.some((issue) => issue.field === 'current_password');
    if (error && error.name === 'NameMissing') {
      say(block, block.dataset.msgName, true);
    } else if (error && error.name === 'PasswordMissing') {
      say(block, block.dataset.msgPassword, true);
    } else if (passwordRefused) {
      say(block, block.dataset.msgPasswordWrong, true);
    } else if (error && (error.name === 'NotAllowedError' || error.name === 'AbortError')) {
      say(block, block.dataset.msgCancelled, true);
    } else if (reply && reply.RateLimited) {
      say(block, block.dataset.msgBusy, true);
    } else {
      say(block, block.dataset.msgFailed, true);
    }
  };

  // Only one WebAuthn request may be open: a click first ends a waiting
  // autofill request, and waits until the browser has let go of it.
  let autofill = null;
  const stopAutofill = async () => {
    if (!autofill) return;
    const { controller, settled } = autofill;
    autofill = null;
    controller.abort();
    await settled;
  };

  const signIn = async (block, signal) => {
    const secondFactor = block.dataset.passkey === 'second-factor';
    const start = await call('auth/passkey/options', { second_factor: secondFactor });
    const options = requestOptions(JSON.parse(start.options));
    if (signal) {
      options.mediation = 'conditional';
      options.signal = signal;
    }
    const credential = await navigator.credentials.get(options);
    say(block, block.dataset.msgWorking, false);
    const next = await call('auth/passkey', {
      ceremony: start.ceremony,
      credential: encode(credential),
      second_factor: secondFactor,
      next: block.dataset.next || '',
    });
    window.location.assign(next);
  };

  const register = async (block) => {
    const nameField = block.querySelector('input[name="name"]');
    // Checked first: the authenticator would make a credential that a
    // refused name then leaves unstored.
    if (nameField && !nameField.value.trim()) {
      nameField.focus();
      throw Object.assign(new Error('no name'), { name: 'NameMissing' });
    }
    const start = await call('account/passkeys/options', {});
    const credential = await navigator.credentials.create(creationOptions(JSON.parse(start.options)));
    say(block, block.dataset.msgWorking, false);
    const next = await call('account/passkeys/add', {
      ceremony: start.ceremony,
      credential: encode(credential),
      name: nameField ? nameField.value : '',
    });
    window.location.assign(next);
  };

  // Re-authentication: the password typed in the page's form, and the passkey.
  const reauthenticate = async (block) => {
    const field = document.querySelector('#reauth-form input[name="current_password"]');
    if (!field || !field.value) {
      if (field) field.focus();
      throw Object.assign(new Error('no password'), { name: 'PasswordMissing' });
    }
    const start = await call('auth/reauth/passkey/options', {});
    const credential = await navigator.credentials.get(requestOptions(JSON.parse(start.options)));
    say(block, block.dataset.msgWorking, false);
    const next = await call('auth/reauth/passkey', {
      current_password: field.value,
      ceremony: start.ceremony,
      credential: encode(credential),
      next: block.dataset.next || '',
    });
    window.location.assign(next);
  };

  // A password reset: the passkey stands in for the code. The answer goes
  // into the reset form's hidden fields and the form is sent as usual.
  const confirmReset = async (block) => {
    const form = document.getElementById('reset-form');
    const fields = form ? [...form.querySelectorAll('input[type="password"]')] : [];
    const empty = fields.find((field) => !field.value);
    if (!form || empty) {
      if (empty) empty.focus();
      throw Object.assign(new Error('no password'), { name: 'PasswordMissing' });
    }
    const start = await call('recover/passkey/options', {});
    const credential = await navigator.credentials.get(requestOptions(JSON.parse(start.options)));
    const answer = [['ceremony', start.ceremony], ['credential', encode(credential)]]
      .map(([name, value]) => Object.assign(form.querySelector(`input[name="${name}"]`), { value }));
    form.requestSubmit();
    // The form was read as it was sent; a refused reset asks for a new answer.
    answer.forEach((field) => { field.value = ''; });
  };

  const run = async (block, button) => {
    button.disabled = true;
    await stopAutofill();
    button.setAttribute('aria-busy', 'true');
    say(block, block.dataset.msgWaiting, false);
    try {
      if (block.dataset.passkey === 'register') await register(block);
      else if (block.dataset.passkey === 'reauth') await reauthenticate(block);
      else if (block.dataset.passkey === 'reset') await confirmReset(block);
      else await signIn(block, null);
    } catch (error) {
      explain(block, error);
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  };

  const prepare = (block) => {
    if (block.dataset.passkeyReady) return;
    block.dataset.passkeyReady = 'yes';
    const button = block.querySelector('[data-passkey-start]');
    const note = block.querySelector('[data-passkey-note]');
    if (!supported) {
      if (note) note.textContent = block.dataset.msgUnsupported;
      return;
    }
    if (note) note.hidden = true;
    for (const field of block.querySelectorAll('[data-passkey-field]')) field.hidden = false;
    if (button) {
      button.hidden = false;
      button.addEventListener('click', () => run(block, button));
    }
    // Passkey autofill in the address field, where the browser offers it.
    if (block.dataset.passkey === 'sign-in' && PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then((available) => {
        if (!available || autofill) return;
        const controller = new AbortController();
        const settled = signIn(block, controller.signal).catch((error) => {
          if (!controller.signal.aborted) explain(block, error);
        });
        autofill = { controller, settled };
      });
    }
  };

  const scan = () => document.querySelectorAll('[data-passkey]').forEach(prepare);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan);
  else scan();
  new MutationObserver(scan).observe(document.documentElement, { childList: true, subtree: true });
})();
