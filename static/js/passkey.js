// Passkey buttons: registration, the second factor and passwordless sign-in.
//
// A button carries `data-passkey` (register, authenticate or discover) and
// the two server endpoints in `data-start` and `data-finish`. The start
// endpoint returns WebAuthn options with binary values as base64url text.
// This module converts them into ArrayBuffers for the browser, encodes the
// credential the browser returns as base64url and posts it to the finish
// endpoint. That endpoint responds with `{redirect}`, `{error}` or, for a
// first second factor, `{redirect, recoveryCodes}`.

import { t } from './strings.js';

/**
 * @typedef {{ options?: { publicKey: Record<string, any> }, ceremony?: string,
 *   redirect?: string, error?: string, recoveryCodes?: string[] }} EndpointResponse
 */

/** @param {string} text base64url without padding */
function toBuffer(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes.buffer;
}

/** @param {ArrayBuffer | null} buffer */
function toBase64url(buffer) {
  if (buffer === null) {
    return null;
  }
  let binary = '';
  for (const byte of new Uint8Array(buffer)) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Converts the server's creation options into what `navigator.credentials.create` takes.
 * @param {Record<string, any>} options
 * @returns {PublicKeyCredentialCreationOptions}
 */
function creationOptions(options) {
  return /** @type {PublicKeyCredentialCreationOptions} */ ({
    ...options,
    challenge: toBuffer(options.challenge),
    user: { ...options.user, id: toBuffer(options.user.id) },
    excludeCredentials: (options.excludeCredentials ?? []).map(
      (/** @type {Record<string, any>} */ credential) => ({ ...credential, id: toBuffer(credential.id) }),
    ),
  });
}

/**
 * Converts the server's request options into what `navigator.credentials.get` takes.
 * @param {Record<string, any>} options
 * @returns {PublicKeyCredentialRequestOptions}
 */
function requestOptions(options) {
  return {
    ...options,
    challenge: toBuffer(options.challenge),
    allowCredentials: (options.allowCredentials ?? []).map(
      (/** @type {Record<string, any>} */ credential) => ({ ...credential, id: toBuffer(credential.id) }),
    ),
  };
}

/**
 * Encodes a new credential for the server.
 * @param {PublicKeyCredential} credential
 */
function encodeRegistration(credential) {
  const response = /** @type {AuthenticatorAttestationResponse} */ (credential.response);
  const extensions = credential.getClientExtensionResults();
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response: {
      attestationObject: toBase64url(response.attestationObject),
      clientDataJSON: toBase64url(response.clientDataJSON),
      transports: typeof response.getTransports === 'function' ? response.getTransports() : undefined,
    },
    // Only credProps is sent: the server has no use for the other outputs.
    clientExtensionResults: extensions.credProps ? { credProps: extensions.credProps } : {},
  };
}

/**
 * Encodes an assertion for the server.
 * @param {PublicKeyCredential} credential
 */
function encodeAssertion(credential) {
  const response = /** @type {AuthenticatorAssertionResponse} */ (credential.response);
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response: {
      authenticatorData: toBase64url(response.authenticatorData),
      clientDataJSON: toBase64url(response.clientDataJSON),
      signature: toBase64url(response.signature),
      userHandle: toBase64url(response.userHandle),
    },
    clientExtensionResults: {},
  };
}

/**
 * Posts JSON to this origin and returns the JSON response. A response that
 * is not JSON, such as an error page, counts as a failure.
 * @param {string} url
 * @param {unknown} body
 * @returns {Promise<EndpointResponse>}
 */
async function postJson(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  try {
    return /** @type {EndpointResponse} */ (await response.json());
  } catch {
    return { error: 'failed' };
  }
}

/**
 * Returns the translated text for a server error code such as `loginFailed`.
 * @param {string} code
 */
function errorText(code) {
  const known = ['failed', 'loginFailed', 'exists', 'expired', 'wait'];
  const key = known.includes(code) ? code : 'failed';
  return t('passkey' + key.charAt(0).toUpperCase() + key.slice(1));
}

/**
 * Returns the translated text for an exception from the browser's WebAuthn call or from fetch.
 * @param {unknown} error
 */
function exceptionText(error) {
  if (error instanceof DOMException && (error.name === 'NotAllowedError' || error.name === 'AbortError')) {
    return t('passkeyCancelled');
  }
  if (error instanceof DOMException && error.name === 'InvalidStateError') {
    return t('passkeyExists');
  }
  if (error instanceof TypeError) {
    return t('passkeyNetwork');
  }
  return t('passkeyFailed');
}

/**
 * Shows the recovery codes of a first second factor in place of the setup page.
 * @param {string[]} codes
 * @param {string} next where the continue link goes
 */
function showRecoveryCodes(codes, next) {
  const section = document.getElementById('passkey-recovery');
  const list = document.getElementById('passkey-recovery-codes');
  const proceed = document.getElementById('passkey-recovery-continue');
  if (!section || !list || !(proceed instanceof HTMLAnchorElement)) {
    window.location.assign(next);
    return;
  }
  for (const code of codes) {
    const item = document.createElement('li');
    const text = document.createElement('code');
    text.textContent = code;
    item.append(text);
    list.append(item);
  }
  proceed.href = next;
  for (const other of document.querySelectorAll('main > section:not(#passkey-recovery)')) {
    other.setAttribute('hidden', '');
  }
  section.hidden = false;
  section.querySelector('h1')?.setAttribute('tabindex', '-1');
  /** @type {HTMLElement | null} */ (section.querySelector('h1'))?.focus();
}

/**
 * Runs one ceremony for a button.
 * @param {HTMLButtonElement} button
 * @param {HTMLElement} status
 */
async function runCeremony(button, status) {
  const kind = button.dataset.passkey;
  const start = button.dataset.start;
  const finish = button.dataset.finish;
  if (!start || !finish) {
    return;
  }
  const started = await postJson(start, {});
  if (started.redirect) {
    window.location.assign(started.redirect);
    return;
  }
  if (!started.options) {
    status.textContent = errorText(started.error ?? 'failed');
    return;
  }

  status.textContent = t('passkeyWorking');
  /** @type {Record<string, unknown>} */
  const body = {};
  if (kind === 'register') {
    const created = await navigator.credentials.create({ publicKey: creationOptions(started.options.publicKey) });
    body.credential = encodeRegistration(/** @type {PublicKeyCredential} */ (created));
    const name = document.getElementById('passkey-name');
    body.name = name instanceof HTMLInputElement ? name.value : '';
  } else {
    const asserted = await navigator.credentials.get({ publicKey: requestOptions(started.options.publicKey) });
    body.credential = encodeAssertion(/** @type {PublicKeyCredential} */ (asserted));
    if (started.ceremony) {
      body.ceremony = started.ceremony;
    }
  }

  const finished = await postJson(finish, body);
  if (finished.recoveryCodes && finished.redirect) {
    status.textContent = '';
    showRecoveryCodes(finished.recoveryCodes, finished.redirect);
  } else if (finished.redirect) {
    window.location.assign(finished.redirect);
  } else {
    status.textContent = errorText(finished.error ?? 'failed');
  }
}

function setUp() {
  const status = document.getElementById('passkey-status');
  const buttons = document.querySelectorAll('button[data-passkey]');
  if (!status) {
    return;
  }
  const supported = typeof window.PublicKeyCredential === 'function' && Boolean(navigator.credentials);
  for (const element of buttons) {
    const button = /** @type {HTMLButtonElement} */ (element);
    if (!supported) {
      button.disabled = true;
      status.textContent = t('passkeyUnsupported');
      continue;
    }
    button.addEventListener('click', async () => {
      button.disabled = true;
      status.textContent = '';
      try {
        await runCeremony(button, status);
      } catch (error) {
        status.textContent = exceptionText(error);
      } finally {
        button.disabled = false;
      }
    });
  }
}

setUp();
