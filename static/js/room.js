// The patient's page at /r/<slug>: check-in form with camera preview, the
// waiting room, the call and the end of the visit.
//
// The page shows the patient only their own status. The server never sends
// anything about other patients to this socket.

import { Call, iceServersFrom } from './call.js';
import { CallLink } from './call-link.js';
import { CallView } from './call-ui.js';
import { DeviceCheck } from './device-check.js';
import { MediaPanel, required } from './media-panel.js';
import { Signaling, reconnectDelayMs, socketUrl } from './signaling.js';
import { errorText, t } from './strings.js';
import { parseDisplayName } from './validate.js';

/**
 * How long after leaving the page a reload may take back the queue place. The
 * server keeps a disconnected patient's place, and signs tickets, for the
 * same 120 s (Limits::rejoin_grace_ms in src/core/room.rs).
 */
const RESUME_WINDOW_MS = 120_000;

/** How often the stored visit's timestamp is renewed while the page is open. */
const TOUCH_INTERVAL_MS = 15_000;

/** @typedef {'join' | 'waiting' | 'call' | 'ended'} PatientView */

/**
 * Ways a visit ends: the reasons of call_ended, and `connection_lost` when the
 * socket closed during a call.
 * @typedef {'hung_up' | 'removed' | 'left' | 'provider_left' | 'patient_left' | 'replaced' | 'connection_lost' | 'room_closed'} EndReason
 */

/** Translation keys of the sentence on the visit-ended view, by EndReason. */
const END_MESSAGES = {
  hung_up: 'endedHungUp',
  removed: 'endedRemoved',
  left: 'endedLeft',
  provider_left: 'endedProviderLeft',
  patient_left: 'endedPatientLeft',
  replaced: 'endedReplaced',
  connection_lost: 'endedConnectionLost',
  room_closed: 'endedRoomClosed',
};

/** Translation keys of the name errors, by NameError. */
const NAME_ERRORS = {
  empty: 'nameEmpty',
  'too-long': 'nameTooLong',
  'forbidden-character': 'nameForbiddenCharacter',
  'not-a-letter': 'nameNotALetter',
};

/**
 * The check-in token and name of this tab's visit, kept in sessionStorage so
 * that a reload resumes the visit. sessionStorage belongs to one tab and is
 * gone when the tab closes.
 */
class VisitStore {
  #key;

  /** @param {string} slug */
  constructor(slug) {
    this.#key = `visite.visit.${slug}`;
  }

  /** @returns {{ token: string, name: string } | null} the visit, unless it is older than the resume window */
  load() {
    const value = this.#read();
    if (!value) {
      return null;
    }
    if (Date.now() - value.savedAt > RESUME_WINDOW_MS) {
      this.clear();
      return null;
    }
    return { token: value.token, name: value.name };
  }

  /** @returns {string} the name of the last visit, even an expired one */
  lastName() {
    return this.#read()?.name ?? '';
  }

  /**
   * @param {string} token
   * @param {string} name
   */
  save(token, name) {
    this.#write({ token, name, savedAt: Date.now() });
  }

  /** Renews the timestamp, so the resume window counts from the last time the page was open. */
  touch() {
    const value = this.#read();
    if (value) {
      this.#write({ ...value, savedAt: Date.now() });
    }
  }

  clear() {
    try {
      sessionStorage.removeItem(this.#key);
    } catch {
      // Storage can be disabled; there is then nothing to clear.
    }
  }

  /** @returns {{ token: string, name: string, savedAt: number } | null} */
  #read() {
    try {
      const value = JSON.parse(sessionStorage.getItem(this.#key) ?? 'null');
      const valid =
        value && typeof value.token === 'string' && typeof value.name === 'string' && typeof value.savedAt === 'number';
      return valid ? value : null;
    } catch {
      return null;
    }
  }

  /** @param {{ token: string, name: string, savedAt: number }} value */
  #write(value) {
    try {
      sessionStorage.setItem(this.#key, JSON.stringify(value));
    } catch (error) {
      // Without storage the visit works, but a reload loses the queue place.
      console.warn('visite: could not keep the visit for a reload', error);
    }
  }
}

class PatientPage {
  /** @type {PatientView} */
  #view = 'join';
  /** @type {Call | null} */
  #call = null;
  /** The name sent with check_in, kept until the first ticket arrives. @type {string | null} */
  #pendingName = null;
  /** True from sending check_in or resume until the status sent in reply. */
  #awaitingStatus = false;
  #reconnectAttempt = 0;
  /** @type {number | undefined} */
  #reconnectTimer;
  /** @type {number | undefined} */
  #touchTimer;

  #providerName;
  #store;
  #signaling;
  #link;
  #media;
  #callView;

  #views;
  #status;
  #pageError;
  #form;
  #nameInput;
  #nameError;
  #consent;
  #consentError;
  /** The patient's choice to use only the relay; absent without TURN. @type {HTMLInputElement | null} */
  #relayOnly;
  #submitButton;
  #joinNotice;
  #leaveButton;
  #waitingStatus;
  #providerNote;
  #callReconnecting;
  #endedText;
  #rejoinButton;

  /** @param {Document} document */
  constructor(document) {
    const root = required(document, 'room');
    const slug = root.dataset.slug ?? '';
    this.#providerName = root.dataset.providerName ?? '';
    this.#store = new VisitStore(slug);
    this.#signaling = new Signaling(socketUrl(`/r/${encodeURIComponent(slug)}/ws`));
    this.#link = new CallLink(this.#signaling);
    this.#media = new MediaPanel(document);
    new DeviceCheck(document, this.#media);
    this.#callView = new CallView(document);

    this.#views = {
      join: required(document, 'join-view'),
      waiting: required(document, 'waiting-view'),
      call: this.#callView.root,
      ended: required(document, 'ended-view'),
    };
    this.#status = required(document, 'room-status');
    this.#pageError = required(document, 'room-error');
    this.#form = /** @type {HTMLFormElement} */ (required(document, 'join-form'));
    this.#nameInput = /** @type {HTMLInputElement} */ (required(document, 'display-name'));
    this.#nameError = required(document, 'display-name-error');
    this.#consent = /** @type {HTMLInputElement} */ (required(document, 'consent'));
    this.#consentError = required(document, 'consent-error');
    this.#relayOnly = /** @type {HTMLInputElement | null} */ (document.getElementById('relay-only'));
    this.#submitButton = /** @type {HTMLButtonElement} */ (required(document, 'check-in-button'));
    this.#joinNotice = required(document, 'join-notice');
    this.#leaveButton = /** @type {HTMLButtonElement} */ (required(document, 'leave-button'));
    this.#waitingStatus = required(document, 'waiting-status');
    this.#providerNote = required(document, 'provider-note');
    this.#callReconnecting = required(document, 'call-reconnecting');
    this.#endedText = required(document, 'ended-reason');
    this.#rejoinButton = /** @type {HTMLButtonElement} */ (required(document, 'rejoin-button'));
  }

  start() {
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#checkIn();
    });
    this.#nameInput.addEventListener('input', () => this.#clearFieldError(this.#nameInput, this.#nameError));
    this.#consent.addEventListener('change', () => this.#clearFieldError(this.#consent, this.#consentError));
    this.#leaveButton.addEventListener('click', () => this.#leave());
    this.#rejoinButton.addEventListener('click', () => this.#rejoin());
    this.#callView.addEventListener('hangup', () => this.#hangUp());
    this.#signaling.addEventListener('message', (event) => {
      this.#receive(/** @type {CustomEvent<import('./signaling.js').ServerMessage>} */ (event).detail);
    });
    this.#signaling.addEventListener('close', (event) => {
      this.#socketClosed(/** @type {CustomEvent<import('./signaling.js').CloseDetail>} */ (event).detail);
    });
    window.addEventListener('pagehide', () => this.#pageHidden());

    const saved = this.#store.load();
    if (saved) {
      this.#nameInput.value = saved.name;
      this.#show('waiting', false);
      this.#waitingStatus.textContent = t('waitingResuming');
      this.#resume();
    } else {
      this.#nameInput.value = this.#store.lastName();
      this.#show('join', false);
    }
    this.#media.start('full');
  }

  /** The running call's peer connection, for tests. */
  get peerConnection() {
    return this.#call?.pc ?? null;
  }

  /** The running call's quality monitor, for tests. */
  get qualityMonitor() {
    return this.#callView.qualityMonitor;
  }

  async #checkIn() {
    this.#hidePageError();
    this.#joinNotice.hidden = true;

    const parsed = parseDisplayName(this.#nameInput.value);
    const consented = this.#consent.checked;
    if (!parsed.ok) {
      this.#showFieldError(this.#nameInput, this.#nameError, t(NAME_ERRORS[parsed.error]));
    }
    if (!consented) {
      this.#showFieldError(this.#consent, this.#consentError, t('consentMissing'));
    }
    if (!parsed.ok) {
      this.#nameInput.focus();
      return;
    }
    if (!consented) {
      this.#consent.focus();
      return;
    }

    this.#nameInput.value = parsed.name;
    this.#pendingName = parsed.name;
    this.#submitButton.disabled = true;
    this.#status.textContent = t('checkingIn');
    try {
      await this.#signaling.connect();
      this.#awaitingStatus = true;
      this.#signaling.send({ type: 'check_in', name: parsed.name });
    } catch (error) {
      console.warn('visite: connecting for the check-in failed', error);
      this.#pendingName = null;
      this.#submitButton.disabled = false;
      this.#status.textContent = '';
      this.#showPageError(t('connectFailed'));
    }
  }

  async #resume() {
    const saved = this.#store.load();
    if (!saved) {
      if (this.#view === 'call') {
        this.#endVisit('connection_lost');
      } else {
        this.#placeLost();
      }
      return;
    }
    try {
      await this.#signaling.connect();
      this.#reconnectAttempt = 0;
      this.#awaitingStatus = true;
      this.#signaling.send({ type: 'resume', token: saved.token, name: saved.name });
    } catch (error) {
      console.warn('visite: reconnecting to the waiting room failed', error);
      // The close handler schedules the next attempt.
    }
  }

  #leave() {
    this.#signaling.send({ type: 'leave' });
    this.#endVisit('left');
  }

  #hangUp() {
    this.#call?.hangUp();
    this.#endVisit('hung_up');
  }

  #rejoin() {
    this.#joinNotice.hidden = true;
    this.#submitButton.disabled = false;
    this.#status.textContent = '';
    this.#show('join', true);
    this.#media.start('full');
  }

  /** @param {import('./signaling.js').ServerMessage} message */
  #receive(message) {
    switch (message.type) {
      case 'ticket':
        this.#ticket(String(message.token));
        break;
      case 'status':
        this.#waiting(typeof message.note === 'string' ? message.note : null);
        break;
      case 'call_started':
        this.#startCall(message);
        break;
      case 'call_resumed':
        this.#callResumed();
        break;
      case 'description':
      case 'candidate':
      case 'media_state':
        this.#call?.handleMessage(message);
        break;
      case 'call_ended':
        this.#endVisit(/** @type {EndReason} */ (message.reason in END_MESSAGES ? message.reason : 'hung_up'));
        break;
      case 'error':
        this.#serverError(String(message.code));
        break;
      default:
        console.warn(`visite: ignored a ${message.type} message`);
    }
  }

  /**
   * Keeps the newest ticket, with which a reload or a reconnect takes back
   * the place or the call. The server renews it while the page is connected.
   * @param {string} token
   */
  #ticket(token) {
    const name = this.#pendingName ?? this.#nameInput.value;
    this.#pendingName = null;
    this.#store.save(token, name);
  }

  /** @param {string | null} note the practice's note to this patient */
  #waiting(note) {
    if (this.#view === 'ended' || this.#view === 'call') {
      return;
    }
    this.#providerNote.hidden = note === null;
    // Rendered as text: the note comes from the practice but passes through the server.
    this.#providerNote.querySelector('.provider-note-text')?.replaceChildren(note ?? '');
    if (!this.#awaitingStatus) {
      // A new note while waiting changes nothing else.
      return;
    }
    this.#awaitingStatus = false;
    this.#reconnectAttempt = 0;
    const resumed = this.#view === 'waiting';
    this.#submitButton.disabled = false;
    this.#status.textContent = resumed ? t('waitingResumed') : '';
    this.#waitingStatus.textContent = t('waitingStatus');
    this.#show('waiting', !resumed);
    this.#store.touch();
    window.clearInterval(this.#touchTimer);
    this.#touchTimer = window.setInterval(() => this.#store.touch(), TOUCH_INTERVAL_MS);
  }

  /** @param {import('./signaling.js').ServerMessage} message */
  async #startCall(message) {
    this.#call?.close();
    this.#link.reset();
    this.#link.link();

    const call = new Call({
      polite: message.polite === true,
      iceServers: iceServersFrom(message.ice_servers),
      relayOnly: message.relay_only === true || this.#relayOnly?.checked === true,
      send: (outgoing) => this.#link.send(outgoing),
    });
    this.#call = call;
    this.#callView.attach(call, this.#providerName);
    this.#show('call', true);

    // The call already handles the provider's offer while the permission prompt may still be open.
    await this.#media.settled();
    const { stream } = this.#media.takeStream();
    call.start(stream);
  }

  /** Resumes the call after the server gave this page its side of the call again. */
  #callResumed() {
    this.#reconnectAttempt = 0;
    if (!this.#call) {
      // A reloaded page has lost the call's media; the call cannot go on.
      this.#signaling.send({ type: 'hang_up' });
      this.#endVisit('connection_lost');
      return;
    }
    this.#callReconnecting.hidden = true;
    this.#link.link();
  }

  /**
   * Hangs up when the page goes away during a call, so the practice need not
   * wait for the grace period to run out. Outside a call, it keeps the stored
   * visit fresh for a reload.
   */
  #pageHidden() {
    if (this.#view === 'call' && this.#link.linked) {
      this.#call?.hangUp();
      this.#store.clear();
      return;
    }
    this.#store.touch();
  }

  /** @param {EndReason} reason */
  #endVisit(reason) {
    if (this.#view === 'ended') {
      return;
    }
    window.clearInterval(this.#touchTimer);
    window.clearTimeout(this.#reconnectTimer);
    this.#store.clear();
    this.#link.reset();
    this.#callReconnecting.hidden = true;
    this.#call?.close();
    this.#call = null;
    this.#callView.detach();
    this.#media.stop();
    this.#status.textContent = '';
    this.#endedText.textContent = t(END_MESSAGES[reason]);
    this.#show('ended', true);
    // The server closes the patient socket after call_ended; a new check-in opens a new one.
    this.#signaling.close();
  }

  /** @param {string} code */
  #serverError(code) {
    this.#pendingName = null;
    this.#submitButton.disabled = false;
    this.#status.textContent = '';

    switch (code) {
      case 'resume_failed':
        if (this.#view === 'call') {
          this.#endVisit('connection_lost');
        } else {
          this.#placeLost();
        }
        break;
      case 'invalid_name':
        this.#show('join', false);
        this.#showFieldError(this.#nameInput, this.#nameError, t('errorInvalidName'));
        this.#nameInput.focus();
        break;
      default:
        this.#showPageError(errorText(code));
    }
  }

  /** Shows the check-in form again after the queue place could not be taken back. */
  #placeLost() {
    this.#store.clear();
    window.clearInterval(this.#touchTimer);
    window.clearTimeout(this.#reconnectTimer);
    this.#show('join', true);
    this.#joinNotice.textContent = t('resumeFailed');
    this.#joinNotice.hidden = false;
  }

  /** @param {import('./signaling.js').CloseDetail} detail */
  #socketClosed(detail) {
    if (detail.intentional || this.#view === 'ended') {
      return;
    }
    if (this.#view === 'call') {
      // The media go on between the browsers; the server keeps this side of
      // the call for the grace period, and the ticket takes it back.
      this.#link.unlink();
      this.#callReconnecting.hidden = false;
      const delay = reconnectDelayMs(this.#reconnectAttempt++);
      this.#reconnectTimer = window.setTimeout(() => this.#resume(), delay);
      return;
    }
    if (this.#view === 'waiting') {
      // The resume window counts from the disconnect, as the server's grace period does.
      window.clearInterval(this.#touchTimer);
      this.#waitingStatus.textContent = t('waitingReconnecting');
      const delay = reconnectDelayMs(this.#reconnectAttempt++);
      this.#reconnectTimer = window.setTimeout(() => this.#resume(), delay);
      return;
    }
    if (this.#pendingName !== null) {
      this.#pendingName = null;
      this.#submitButton.disabled = false;
      this.#status.textContent = '';
      this.#showPageError(t('connectFailed'));
    }
  }

  /**
   * @param {PatientView} view
   * @param {boolean} moveFocus whether to move focus to the view's heading,
   *   so that screen readers follow a change the person did not cause directly
   */
  #show(view, moveFocus) {
    this.#view = view;
    for (const [name, element] of Object.entries(this.#views)) {
      element.hidden = name !== view;
    }
    this.#media.hidden = view === 'call' || view === 'ended';
    document.body.dataset.view = view;
    if (moveFocus) {
      this.#views[view].querySelector('h2')?.focus();
    }
  }

  /**
   * @param {HTMLInputElement} input
   * @param {HTMLElement} errorElement
   * @param {string} text
   */
  #showFieldError(input, errorElement, text) {
    errorElement.textContent = text;
    errorElement.hidden = false;
    input.setAttribute('aria-invalid', 'true');
  }

  /**
   * @param {HTMLInputElement} input
   * @param {HTMLElement} errorElement
   */
  #clearFieldError(input, errorElement) {
    errorElement.hidden = true;
    errorElement.textContent = '';
    input.removeAttribute('aria-invalid');
  }

  /** @param {string} text */
  #showPageError(text) {
    this.#pageError.textContent = text;
    this.#pageError.hidden = false;
  }

  #hidePageError() {
    this.#pageError.hidden = true;
    this.#pageError.textContent = '';
  }
}

const page = new PatientPage(document);
// A hook for the browser tests, which read connectionState and getStats()
// and feed samples to the quality monitor.
/** @type {any} */ (window).visiteDebug = Object.freeze({ pc: () => page.peerConnection, quality: () => page.qualityMonitor });
page.start();
