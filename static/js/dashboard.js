// The provider's dashboard: the room link, the live waiting room, the call
// with an admitted patient, recent calls and the room settings form.
//
// Nobody is ever admitted without the provider pressing Admit for them.

import { CheckInNotifications, Chime, WaitingBadge } from './alerts.js';
import { Call, iceServersFrom } from './call.js';
import { CallLink } from './call-link.js';
import { CallView } from './call-ui.js';
import { DeviceCheck } from './device-check.js';
import { MediaPanel, required } from './media-panel.js';
import { Signaling, reconnectDelayMs, socketUrl } from './signaling.js';
import { errorText, t } from './strings.js';
import { formatClockTime, formatDateTime, formatWaitingTime, localizeTimes } from './time.js';

/** How often the waiting times in the queue are brought up to date. */
const WAITING_TIME_REFRESH_MS = 15_000;

/** How long a new entry stays highlighted. */
const NEW_ENTRY_HIGHLIGHT_MS = 8_000;

/** Failed connection attempts in a row after which the page suggests signing in again. */
const ATTEMPTS_BEFORE_SIGN_IN_HINT = 3;

/**
 * One waiting patient as the server's queue message lists them.
 * @typedef {{ id: number, name: string, waiting_since: number, connected: boolean }} QueueEntry
 */

/**
 * The running call as the queue message reports it.
 * @typedef {{ id: number, patient: number, name: string, started_at: number }} CallSummary
 */

/** Translation keys of the sentence shown when a call ends, by call_ended reason. */
const CALL_END_MESSAGES = {
  hung_up: 'providerEndedHungUp',
  removed: 'providerEndedRemoved',
  left: 'providerEndedPatientLeft',
  provider_left: 'providerEndedConnectionLost',
  patient_left: 'providerEndedPatientLeft',
  replaced: 'providerEndedPatientLeft',
  connection_lost: 'providerEndedConnectionLost',
  room_closed: 'providerEndedHungUp',
};

class ProviderPage {
  /** @type {QueueEntry[]} */
  #patients = [];
  /** @type {CallSummary | null} */
  #runningCall = null;
  /** Patients already seen, so that only new check-ins raise an alert. @type {Set<number>} */
  #knownPatients = new Set();
  /** False until the first queue message after connecting, which raises no alert. */
  #queueReceived = false;
  /** @type {Map<number, HTMLLIElement>} */
  #entries = new Map();
  /** @type {Call | null} */
  #call = null;
  /** When this page's call started, in Unix milliseconds. */
  #callStartedAt = 0;
  /** The patient that Admit was pressed for, until call_started or an error. @type {number | null} */
  #admitting = null;
  /** A patient to admit once the provider has chosen how to go on without a camera. @type {number | null} */
  #admitAfterMediaChoice = null;
  /** The patient to remove on the second press of Remove. @type {number | null} */
  #confirmingRemoval = null;
  #failedAttempts = 0;
  /** Set once the server closed the room for good, which ends reconnecting. */
  #roomClosed = false;
  /** The newest ticket for the running call, to resume it after a lost connection. @type {string | null} */
  #callTicket = null;

  #signaling;
  #link;
  #callReconnecting;
  #media;
  #callView;
  #chime = new Chime();
  #notifications;
  #badge;

  #outsideCall;
  #queueHeading;
  #queueList;
  #queueEmpty;
  #queueNotice;
  #callElsewhere;
  #connectionStatus;
  #signInHint;
  #pageError;
  #roomUrl;
  #copyButton;
  #copyStatus;

  /** @param {Document} document */
  constructor(document) {
    const root = required(document, 'dashboard');
    const slug = root.dataset.slug ?? '';
    this.#signaling = new Signaling(socketUrl(`/r/${encodeURIComponent(slug)}/host`));
    this.#link = new CallLink(this.#signaling);
    this.#callReconnecting = required(document, 'call-reconnecting');
    this.#media = new MediaPanel(document);
    new DeviceCheck(document, this.#media);
    this.#callView = new CallView(document);
    this.#notifications = new CheckInNotifications(
      /** @type {HTMLButtonElement} */ (required(document, 'enable-notifications')),
      required(document, 'notification-status'),
    );
    this.#badge = new WaitingBadge([required(document, 'waiting-badge')]);

    this.#outsideCall = [...document.querySelectorAll('[data-outside-call]')].map((element) => /** @type {HTMLElement} */ (element));
    this.#queueHeading = required(document, 'queue-heading');
    this.#queueList = required(document, 'queue-list');
    this.#queueEmpty = required(document, 'queue-empty');
    this.#queueNotice = required(document, 'queue-notice');
    this.#callElsewhere = required(document, 'call-elsewhere');
    this.#connectionStatus = required(document, 'connection-status');
    this.#signInHint = required(document, 'sign-in-hint');
    this.#pageError = required(document, 'dashboard-error');
    this.#roomUrl = /** @type {HTMLInputElement} */ (required(document, 'room-url'));
    this.#copyButton = /** @type {HTMLButtonElement} */ (required(document, 'copy-link'));
    this.#copyStatus = required(document, 'copy-status');
  }

  /** The running call's peer connection, for tests. */
  get peerConnection() {
    return this.#call?.pc ?? null;
  }

  /** The running call's quality monitor, for tests. */
  get qualityMonitor() {
    return this.#callView.qualityMonitor;
  }

  start() {
    localizeTimes(document);
    this.#copyButton.addEventListener('click', () => this.#copyLink());
    this.#queueList.addEventListener('click', (event) => this.#queueClick(event));
    this.#queueList.addEventListener('submit', (event) => this.#noteSubmitted(event));
    this.#callView.addEventListener('hangup', () => this.#hangUp());
    this.#media.addEventListener('change', () => this.#mediaChosen());

    // Leaving the page ends its call, whose media go with the page, so the
    // patient need not wait for the grace period to run out.
    window.addEventListener('pagehide', () => {
      if (this.#call && this.#link.linked) {
        this.#call.hangUp();
      }
    });

    // Browsers start audio only after a user gesture; the first one unlocks the chime.
    const unlock = () => this.#chime.unlock();
    document.addEventListener('pointerdown', unlock, { once: true });
    document.addEventListener('keydown', unlock, { once: true });

    this.#signaling.addEventListener('open', () => this.#connected());
    this.#signaling.addEventListener('message', (event) => {
      this.#receive(/** @type {CustomEvent<import('./signaling.js').ServerMessage>} */ (event).detail);
    });
    this.#signaling.addEventListener('close', (event) => {
      this.#socketClosed(/** @type {CustomEvent<import('./signaling.js').CloseDetail>} */ (event).detail);
    });
    window.setInterval(() => this.#refreshWaitingTimes(), WAITING_TIME_REFRESH_MS);

    this.#connectionStatus.textContent = t('queueConnecting');
    this.#connect();
  }

  #connect() {
    this.#signaling.connect().catch((error) => {
      console.warn('visite: connecting to the waiting room failed', error);
    });
  }

  #connected() {
    this.#failedAttempts = 0;
    this.#queueReceived = false;
    this.#signInHint.hidden = true;
    this.#connectionStatus.textContent = '';
    if (this.#call && this.#callTicket) {
      this.#signaling.send({ type: 'resume_call', token: this.#callTicket });
    }
  }

  /** @param {import('./signaling.js').CloseDetail} detail */
  #socketClosed(detail) {
    if (detail.intentional || this.#roomClosed) {
      return;
    }
    // The media go on between the browsers. The server keeps the provider's
    // side of the call for the grace period, so the ticket can take it back.
    if (this.#call) {
      this.#link.unlink();
      this.#callReconnecting.hidden = false;
    }
    this.#admitting = null;
    this.#failedAttempts++;
    this.#connectionStatus.textContent = t('queueReconnecting');
    // A socket that keeps failing at once most likely lacks a valid session.
    this.#signInHint.hidden = this.#failedAttempts < ATTEMPTS_BEFORE_SIGN_IN_HINT;
    window.setTimeout(() => this.#connect(), reconnectDelayMs(this.#failedAttempts - 1));
  }

  /** @param {import('./signaling.js').ServerMessage} message */
  #receive(message) {
    switch (message.type) {
      case 'queue':
        this.#queueChanged(message.patients, message.call);
        break;
      case 'call_started':
        this.#startCall(message);
        break;
      case 'ticket':
        this.#callTicket = String(message.token);
        break;
      case 'call_resumed':
        this.#callReconnecting.hidden = true;
        this.#link.link();
        break;
      case 'description':
      case 'candidate':
      case 'media_state':
        this.#call?.handleMessage(message);
        break;
      case 'call_ended':
        if (message.reason === 'room_closed') {
          this.#closeRoom();
        } else {
          this.#endCall(String(message.reason));
        }
        break;
      case 'error':
        this.#serverError(String(message.code));
        break;
      default:
        console.warn(`visite: ignored a ${message.type} message`);
    }
  }

  /**
   * @param {QueueEntry[]} patients in check-in order
   * @param {CallSummary | null} runningCall
   */
  #queueChanged(patients, runningCall) {
    const newPatients = patients.filter((patient) => !this.#knownPatients.has(patient.id));
    const alert = this.#queueReceived && newPatients.length > 0;
    this.#queueReceived = true;
    this.#knownPatients = new Set(patients.map((patient) => patient.id));
    this.#patients = patients;
    this.#runningCall = runningCall;

    if (this.#confirmingRemoval !== null && !this.#knownPatients.has(this.#confirmingRemoval)) {
      this.#confirmingRemoval = null;
    }
    this.#renderQueue(alert ? new Set(newPatients.map((patient) => patient.id)) : new Set());
    this.#badge.update(patients.length);

    // During a call only the badge changes: no sound and no notification.
    if (alert && !this.#call) {
      this.#chime.play();
      this.#notifications.notify();
    }
  }

  /** @param {Set<number>} highlighted patients to mark as new */
  #renderQueue(highlighted) {
    const now = Date.now();
    const present = new Set(this.#patients.map((patient) => patient.id));
    for (const [id, element] of this.#entries) {
      if (!present.has(id)) {
        element.remove();
        this.#entries.delete(id);
      }
    }

    // Entries are updated in place and only moved when out of order, so that
    // keyboard focus stays on a button while the queue changes around it.
    let previous = /** @type {Element | null} */ (null);
    for (const patient of this.#patients) {
      let element = this.#entries.get(patient.id);
      if (!element) {
        element = createEntry(patient.id);
        this.#entries.set(patient.id, element);
      }
      this.#updateEntry(element, patient, now);
      if (highlighted.has(patient.id)) {
        markNew(element);
      }

      const expectedPosition = previous ? previous.nextElementSibling : this.#queueList.firstElementChild;
      if (expectedPosition !== element) {
        this.#queueList.insertBefore(element, expectedPosition);
      }
      previous = element;
    }

    this.#queueEmpty.hidden = this.#patients.length > 0;
    const elsewhere = this.#runningCall !== null && this.#call === null;
    this.#callElsewhere.hidden = !elsewhere;
  }

  /**
   * @param {HTMLLIElement} element
   * @param {QueueEntry} patient
   * @param {number} now Unix time in milliseconds
   */
  #updateEntry(element, patient, now) {
    const name = /** @type {HTMLElement} */ (element.querySelector('.patient-name'));
    name.textContent = patient.name;

    const since = /** @type {HTMLTimeElement} */ (element.querySelector('time'));
    since.dateTime = new Date(patient.waiting_since).toISOString();
    since.dataset.since = String(patient.waiting_since);
    since.textContent = formatWaitingTime(patient.waiting_since, now);
    since.title = formatClockTime(new Date(patient.waiting_since));

    element.classList.toggle('is-disconnected', !patient.connected);
    const lost = /** @type {HTMLElement} */ (element.querySelector('.connection-lost'));
    lost.hidden = patient.connected;

    const busy = this.#runningCall !== null || this.#call !== null || this.#admitting !== null;
    const admit = /** @type {HTMLButtonElement} */ (element.querySelector('[data-action="admit"]'));
    admit.disabled = busy || !patient.connected || this.#media.busy;
    admit.textContent = this.#admitting === patient.id ? t('queueAdmitting') : t('queueAdmit');

    const remove = /** @type {HTMLButtonElement} */ (element.querySelector('[data-action="remove"]'));
    const confirming = this.#confirmingRemoval === patient.id;
    remove.textContent = confirming ? t('queueRemoveConfirm') : t('queueRemove');
    remove.classList.toggle('danger', confirming);
  }

  #refreshWaitingTimes() {
    const now = Date.now();
    for (const time of this.#queueList.querySelectorAll('time[data-since]')) {
      const since = Number(/** @type {HTMLElement} */ (time).dataset.since);
      time.textContent = formatWaitingTime(since, now);
    }
  }

  /** @param {MouseEvent} event */
  #queueClick(event) {
    const button = /** @type {HTMLElement} */ (event.target).closest('button[data-action]');
    const entry = button?.closest('li[data-patient]');
    if (!button || !(entry instanceof HTMLElement)) {
      return;
    }
    const id = Number(entry.dataset.patient);
    const action = /** @type {HTMLElement} */ (button).dataset.action;
    if (action === 'admit') {
      this.#admit(id);
    } else if (action === 'remove') {
      this.#remove(id);
    } else if (action === 'note') {
      const form = /** @type {HTMLFormElement} */ (entry.querySelector('form.note-form'));
      form.hidden = !form.hidden;
      if (!form.hidden) {
        form.querySelector('input')?.focus();
      }
    }
  }

  /**
   * Sends the note typed into a queue entry's form to that waiting patient.
   * @param {SubmitEvent} event
   */
  #noteSubmitted(event) {
    const form = /** @type {HTMLElement} */ (event.target).closest('form.note-form');
    const entry = form?.closest('li[data-patient]');
    if (!(form instanceof HTMLFormElement) || !(entry instanceof HTMLElement)) {
      return;
    }
    event.preventDefault();
    const input = /** @type {HTMLInputElement} */ (form.querySelector('input'));
    const status = /** @type {HTMLElement} */ (form.querySelector('.note-status'));
    const text = input.value.trim();
    if (!text) {
      input.focus();
      return;
    }
    if (this.#signaling.send({ type: 'note_patient', patient: Number(entry.dataset.patient), text })) {
      status.textContent = t('queueNoteSent');
    }
  }

  /**
   * Opens the camera and microphone, then sends admit to start the call.
   * When they fail, the media panel explains why and offers audio only or no
   * devices; the admission continues once the provider has chosen.
   * @param {number} patient
   */
  async #admit(patient) {
    if (this.#call || this.#admitting !== null || this.#media.busy) {
      return;
    }
    this.#hidePageError();
    this.#confirmingRemoval = null;

    if (this.#media.mode === null) {
      // On success the panel's change event sends the admission, see #mediaChosen.
      this.#admitAfterMediaChoice = patient;
      this.#renderQueue(new Set());
      const opened = await this.#media.start('full');
      if (!opened) {
        document.getElementById('media-error')?.focus();
        this.#renderQueue(new Set());
      }
      return;
    }
    this.#sendAdmit(patient);
  }

  /** @param {number} patient */
  #sendAdmit(patient) {
    if (!this.#patients.some((entry) => entry.id === patient && entry.connected)) {
      this.#showPageError(errorText('patient_not_connected'));
      this.#renderQueue(new Set());
      return;
    }
    if (this.#signaling.send({ type: 'admit', patient })) {
      this.#admitting = patient;
    }
    this.#renderQueue(new Set());
  }

  /** Continues an admission that waited for the provider's choice in the media panel. */
  #mediaChosen() {
    const patient = this.#admitAfterMediaChoice;
    this.#admitAfterMediaChoice = null;
    if (patient !== null && !this.#call && this.#admitting === null) {
      this.#sendAdmit(patient);
    } else {
      this.#renderQueue(new Set());
    }
  }

  /**
   * Removes a patient on the second press, so a slip of the finger sends nobody away.
   * @param {number} patient
   */
  #remove(patient) {
    if (this.#confirmingRemoval !== patient) {
      this.#confirmingRemoval = patient;
      this.#renderQueue(new Set());
      return;
    }
    this.#confirmingRemoval = null;
    this.#signaling.send({ type: 'remove', patient });
  }

  /** @param {import('./signaling.js').ServerMessage} message */
  #startCall(message) {
    this.#call?.close();
    const admitted = this.#admitting;
    this.#admitting = null;

    const name = this.#patients.find((patient) => patient.id === admitted)?.name ?? '';
    const { stream } = this.#media.takeStream();
    this.#link.reset();
    this.#link.link();
    const call = new Call({
      polite: message.polite === true,
      iceServers: iceServersFrom(message.ice_servers),
      relayOnly: message.relay_only === true,
      send: (outgoing) => this.#link.send(outgoing),
    });
    this.#call = call;
    this.#callStartedAt = Date.now();
    this.#callView.attach(call, name);
    this.#showCall(true);
    call.start(stream);
  }

  #hangUp() {
    this.#call?.hangUp();
    this.#endCall('hung_up');
  }

  /** @param {string} reason a call_ended reason, or `connection_lost` */
  #endCall(reason) {
    const call = this.#call;
    if (!call) {
      return;
    }
    call.close();
    this.#call = null;
    this.#callTicket = null;
    this.#link.reset();
    this.#callReconnecting.hidden = true;
    addRecentCall(this.#callStartedAt, Date.now());
    this.#callView.detach();
    this.#media.stop();
    this.#showCall(false);
    this.#queueNotice.textContent = t(CALL_END_MESSAGES[/** @type {keyof typeof CALL_END_MESSAGES} */ (reason)] ?? 'providerEndedHungUp');
    this.#renderQueue(new Set());
    this.#queueHeading.focus();
  }

  /**
   * Ends the page's work after the server closed the room because the
   * operator disabled the account or removed its second factor. The
   * session is gone too, so the page points to the login instead of
   * reconnecting.
   */
  #closeRoom() {
    this.#roomClosed = true;
    this.#endCall('room_closed');
    this.#admitting = null;
    this.#queueChanged([], null);
    this.#connectionStatus.textContent = t('queueRoomClosed');
    this.#signInHint.hidden = false;
  }

  /** @param {string} code */
  #serverError(code) {
    if (code === 'resume_failed' && this.#call) {
      // The call ended while this page was away.
      this.#endCall('connection_lost');
      return;
    }
    const wasAdmitting = this.#admitting !== null;
    this.#admitting = null;
    if (wasAdmitting && !this.#call) {
      // No call started, so the camera goes off again until the next admission.
      this.#media.stop();
    }
    this.#showPageError(errorText(code));
    this.#renderQueue(new Set());
  }

  /** @param {boolean} inCall */
  #showCall(inCall) {
    this.#callView.root.hidden = !inCall;
    for (const element of this.#outsideCall) {
      element.hidden = inCall;
    }
    document.body.dataset.view = inCall ? 'call' : 'queue';
    if (inCall) {
      this.#queueNotice.textContent = '';
      this.#callView.root.querySelector('h2')?.focus();
    }
  }

  async #copyLink() {
    try {
      await navigator.clipboard.writeText(this.#roomUrl.value);
      this.#copyStatus.textContent = t('linkCopied');
    } catch {
      // Without clipboard access the link is selected for copying by hand.
      this.#roomUrl.focus();
      this.#roomUrl.select();
      this.#copyStatus.textContent = t('linkCopyManually');
    }
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

/**
 * Builds the elements of one queue entry. The texts are filled in by #updateEntry.
 * @param {number} id
 */
function createEntry(id) {
  const item = document.createElement('li');
  item.className = 'queue-entry';
  item.dataset.patient = String(id);

  const details = document.createElement('div');
  details.className = 'queue-entry-details';

  const name = document.createElement('span');
  name.className = 'patient-name';
  name.id = `patient-${id}-name`;
  // A name in a right-to-left script must not reorder the text around it.
  name.dir = 'auto';

  const unverified = document.createElement('span');
  unverified.className = 'unverified-tag';
  unverified.textContent = t('queueUnverified');

  const waiting = document.createElement('span');
  waiting.className = 'waiting-since';
  waiting.append(t('queueWaitingFor'), ' ', document.createElement('time'));

  const lost = document.createElement('span');
  lost.className = 'connection-lost';
  lost.textContent = t('queueConnectionLost');
  lost.hidden = true;

  details.append(name, ' ', unverified, waiting, lost);

  const actions = document.createElement('div');
  actions.className = 'button-row';
  const admit = document.createElement('button');
  admit.type = 'button';
  admit.className = 'primary';
  admit.dataset.action = 'admit';
  admit.setAttribute('aria-describedby', name.id);
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.dataset.action = 'remove';
  remove.setAttribute('aria-describedby', name.id);
  const note = document.createElement('button');
  note.type = 'button';
  note.dataset.action = 'note';
  note.textContent = t('queueNote');
  note.setAttribute('aria-describedby', name.id);
  actions.append(admit, note, remove);

  item.append(details, actions, createNoteForm(id));
  return item;
}

/**
 * Builds the hidden form for a note to one waiting patient.
 * @param {number} id
 */
function createNoteForm(id) {
  const form = document.createElement('form');
  form.className = 'note-form';
  form.hidden = true;
  const label = document.createElement('label');
  label.htmlFor = `patient-${id}-note`;
  label.textContent = t('queueNoteLabel');
  const input = document.createElement('input');
  input.id = `patient-${id}-note`;
  input.type = 'text';
  input.maxLength = 200;
  input.autocomplete = 'off';
  const send = document.createElement('button');
  send.type = 'submit';
  send.textContent = t('queueNoteSend');
  const status = document.createElement('span');
  status.className = 'note-status';
  status.setAttribute('role', 'status');
  form.append(label, input, send, status);
  return form;
}

/** @param {HTMLElement} element */
function markNew(element) {
  element.classList.add('is-new');
  window.setTimeout(() => element.classList.remove('is-new'), NEW_ENTRY_HIGHLIGHT_MS);
}

const page = new ProviderPage(document);
// A hook for the browser tests, which read connectionState and getStats()
// and feed samples to the quality monitor.
/** @type {any} */ (window).visiteDebug = Object.freeze({ pc: () => page.peerConnection, quality: () => page.qualityMonitor });
page.start();

/**
 * Adds a finished call to the top of the recent-calls table, as the server
 * will list it after a reload: start time and duration.
 * @param {number} startedAt Unix milliseconds
 * @param {number} endedAt Unix milliseconds
 */
function addRecentCall(startedAt, endedAt) {
  const table = /** @type {HTMLTableElement | null} */ (document.getElementById('recent-calls'));
  const body = table?.tBodies[0];
  if (!table || !body) {
    return;
  }
  const seconds = Math.max(0, Math.floor((endedAt - startedAt) / 1000));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor(seconds / 60) % 60;
  const rest = String(seconds % 60).padStart(2, '0');
  const duration = hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;

  const row = document.createElement('tr');
  const started = document.createElement('td');
  const time = document.createElement('time');
  time.dateTime = new Date(startedAt).toISOString();
  time.textContent = formatDateTime(new Date(startedAt));
  started.append(time);
  const length = document.createElement('td');
  length.className = 'duration';
  length.textContent = duration;
  row.append(started, length);
  body.prepend(row);

  table.hidden = false;
  const empty = document.getElementById('recent-calls-empty');
  if (empty) {
    empty.hidden = true;
  }
}
