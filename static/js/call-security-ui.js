// The security panel of the call view: the verification code that both
// people compare aloud, and a line on what protects the connection. Both are
// computed in this browser from the peer connection, never taken from the
// server.

import { connectionSecurity } from './connection-security.js';
import { required } from './media-panel.js';
import { t } from './strings.js';
import { verificationCode } from './verify.js';

/** @typedef {import('./call.js').Call} Call */

/** How often the security line reads the statistics again, since an ICE restart can change the route. */
const STATS_INTERVAL_MS = 3_000;

export class CallSecurityView {
  /** @type {Call | null} */
  #call = null;
  /** Listeners and the timer of the attached call, removed on detach. */
  #abort = new AbortController();
  #timer = 0;

  #root;
  #code;
  #line;
  #route;
  #ciphers;

  /** @param {Document} document */
  constructor(document) {
    this.#root = required(document, 'call-security');
    this.#code = required(document, 'call-code');
    this.#line = required(document, 'call-security-line');
    this.#route = required(document, 'call-security-route');
    this.#ciphers = required(document, 'call-security-ciphers');
  }

  /** @param {Call} call */
  attach(call) {
    this.detach();
    this.#call = call;
    this.#abort = new AbortController();
    const signal = this.#abort.signal;

    // Every negotiation ends in the stable state, so the code follows renegotiations.
    call.pc.addEventListener('signalingstatechange', () => this.#refreshCode(call), { signal });
    call.addEventListener('connectionstatechange', () => this.#refreshSecurity(call), { signal });
    this.#timer = window.setInterval(() => this.#refreshSecurity(call), STATS_INTERVAL_MS);
    this.#refreshCode(call);
    this.#refreshSecurity(call);
  }

  detach() {
    this.#abort.abort();
    window.clearInterval(this.#timer);
    this.#call = null;
    this.#code.textContent = t('callCodePending');
    this.#line.textContent = t('callSecurityPending');
    this.#route.hidden = true;
    this.#ciphers.hidden = true;
    delete this.#root.dataset.encrypted;
    delete this.#root.dataset.route;
  }

  /** @param {Call} call */
  async #refreshCode(call) {
    const pc = call.pc;
    const local = pc.localDescription?.sdp;
    const remote = pc.remoteDescription?.sdp;
    if (pc.signalingState !== 'stable' || !local || !remote) {
      return;
    }
    const code = await verificationCode(local, remote);
    if (this.#call === call) {
      this.#code.textContent = code ?? t('callCodePending');
    }
  }

  /** @param {Call} call */
  async #refreshSecurity(call) {
    if (call.closed) {
      return;
    }
    /** @type {RTCStatsReport} */
    let report;
    try {
      report = await call.pc.getStats();
    } catch {
      // The call closed while the statistics were read.
      return;
    }
    const security = connectionSecurity(report);
    if (this.#call !== call) {
      return;
    }

    this.#root.dataset.encrypted = String(security.encrypted);
    this.#root.dataset.route = security.route;
    if (!security.encrypted) {
      const pending = security.dtlsState === 'new' || security.dtlsState === 'connecting' || security.dtlsState === 'unknown';
      this.#line.textContent = t(pending ? 'callSecurityPending' : 'callSecurityNotEncrypted');
      this.#route.hidden = true;
      this.#ciphers.hidden = true;
      return;
    }

    this.#line.textContent = t('callSecurityEncrypted');
    this.#route.hidden = security.route === 'unknown';
    this.#route.textContent = security.route === 'relayed' ? t('callSecurityRelayed') : t('callSecurityDirect');
    // Cipher suite names are standard identifiers, so they are not translated.
    this.#ciphers.textContent = [security.srtpCipher, security.dtlsCipher].filter(Boolean).join(' · ');
    this.#ciphers.hidden = this.#ciphers.textContent === '';
  }
}
