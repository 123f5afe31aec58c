// The device check in the camera and microphone panel: a level meter for the
// microphone of the panel's preview, a test tone for the speakers, and a
// connectivity check against the page's STUN and TURN servers. The room page
// and the dashboard share it, with the markup of templates/partials/device-check.html.
// The server fills its data-ice-servers attribute with the STUN servers only
// on the room page, which anyone may open, and with the full list on the dashboard.

import { playTone } from './alerts.js';
import { iceServersFrom } from './call.js';
import { required } from './media-panel.js';
import { levelPercent, reachability } from './quality.js';
import { t } from './strings.js';

/** @typedef {import('./media-panel.js').MediaPanel} MediaPanel */
/** @typedef {import('./quality.js').Reachability} Reachability */

/** Milliseconds between two readings of the microphone level. */
const METER_INTERVAL_MS = 100;

/**
 * A level from which the microphone counts as picking up sound, 0 to 100.
 * 30 is about -42 dBFS, an estimate of a level above a quiet room's noise.
 */
const HEARD_LEVEL = 30;

/** Frequency and length of the speaker test tone. */
const TEST_TONE_HZ = 440;
const TEST_TONE_SECONDS = 1;

/**
 * How long the connectivity check gathers candidates at most. Chromium 156
 * still waited after 12 s for an unanswered STUN server in the browser tests,
 * so the check ends earlier and reports what it found by then.
 */
export const GATHER_TIMEOUT_MS = 5000;

/** Translation keys of the connectivity result, by Reachability. */
const REACHABILITY_MESSAGES = {
  relay: 'deviceConnectionRelay',
  internet: 'deviceConnectionInternet',
  local: 'deviceConnectionLocal',
  none: 'deviceConnectionNone',
};

export class DeviceCheck {
  #panel;
  /** Shared by the meter and the test tone. @type {AudioContext | null} */
  #audio = null;
  /** @type {MediaStreamAudioSourceNode | null} */
  #source = null;
  /** @type {AnalyserNode | null} */
  #analyser = null;
  #meterTimer = 0;
  #heard = false;
  /** @type {RTCIceServer[]} */
  #iceServers;

  #meter;
  #micStatus;
  #speakerButton;
  #speakerStatus;
  #connectionButton;
  #connectionResult;

  /**
   * @param {Document} document
   * @param {MediaPanel} panel
   */
  constructor(document, panel) {
    this.#panel = panel;
    const root = required(document, 'device-check');
    this.#iceServers = parseIceServers(root.dataset.iceServers ?? '[]');
    this.#meter = /** @type {HTMLMeterElement} */ (required(document, 'mic-level'));
    this.#micStatus = required(document, 'mic-status');
    this.#speakerButton = /** @type {HTMLButtonElement} */ (required(document, 'speaker-test'));
    this.#speakerStatus = required(document, 'speaker-status');
    this.#connectionButton = /** @type {HTMLButtonElement} */ (required(document, 'connection-check'));
    this.#connectionResult = required(document, 'connection-result');

    panel.addEventListener('streamchange', () => this.#listen());
    this.#speakerButton.addEventListener('click', () => this.#playTestTone());
    this.#connectionButton.addEventListener('click', () => this.#checkConnection());
    // Browsers keep an AudioContext suspended until the person interacts with
    // the page, so the meter may start moving only on the first click or key press.
    const resume = () => this.#resumeAudio();
    document.addEventListener('pointerdown', resume);
    document.addEventListener('keydown', resume);
    this.#listen();
  }

  /** Connects the meter to the microphone of the panel's stream, or clears it. */
  #listen() {
    this.#stopMeter();
    const track = this.#panel.stream?.getAudioTracks().find((candidate) => candidate.readyState === 'live');
    if (!track) {
      this.#micStatus.textContent = this.#panel.stream ? t('deviceMicNone') : '';
      return;
    }

    try {
      const audio = this.#audioContext();
      this.#source = audio.createMediaStreamSource(new MediaStream([track]));
      this.#analyser = audio.createAnalyser();
      this.#analyser.fftSize = 1024;
      // The analyser is not connected to the output, so the microphone is not played back.
      this.#source.connect(this.#analyser);
    } catch (error) {
      console.warn('visite: the microphone level cannot be measured in this browser', error);
      this.#micStatus.textContent = '';
      return;
    }

    this.#heard = false;
    this.#micStatus.textContent = t('deviceMicSpeak');
    const samples = new Float32Array(this.#analyser.fftSize);
    this.#meterTimer = window.setInterval(() => this.#readLevel(samples), METER_INTERVAL_MS);
  }

  /** @param {Float32Array<ArrayBuffer>} samples */
  #readLevel(samples) {
    if (!this.#analyser) {
      return;
    }
    this.#analyser.getFloatTimeDomainData(samples);
    this.#showLevel(levelPercent(samples));
    if (!this.#heard && this.#meter.value >= HEARD_LEVEL) {
      this.#heard = true;
      this.#micStatus.textContent = t('deviceMicHeard');
    }
  }

  /** @param {number} level 0 to 100 */
  #showLevel(level) {
    this.#meter.value = level;
    this.#meter.textContent = `${level} %`;
  }

  #stopMeter() {
    window.clearInterval(this.#meterTimer);
    this.#source?.disconnect();
    this.#source = null;
    this.#analyser = null;
    this.#showLevel(0);
  }

  #audioContext() {
    this.#audio ??= new AudioContext();
    return this.#audio;
  }

  #resumeAudio() {
    if (this.#audio?.state === 'suspended') {
      this.#audio.resume().catch((error) => console.warn('visite: resuming audio failed', error));
    }
  }

  async #playTestTone() {
    try {
      const audio = this.#audioContext();
      await audio.resume();
      playTone(audio, TEST_TONE_HZ, audio.currentTime, TEST_TONE_SECONDS);
      this.#speakerStatus.textContent = t('deviceSpeakerPlaying');
    } catch (error) {
      console.warn('visite: the test tone cannot be played in this browser', error);
      this.#speakerStatus.textContent = t('deviceSpeakerFailed');
    }
  }

  async #checkConnection() {
    this.#connectionButton.disabled = true;
    this.#connectionResult.textContent = t('deviceConnectionChecking');
    try {
      const result = await checkConnectivity(this.#iceServers, GATHER_TIMEOUT_MS);
      this.#connectionResult.textContent = t(REACHABILITY_MESSAGES[result]);
      this.#connectionResult.dataset.result = result;
    } catch (error) {
      console.warn('visite: the connectivity check failed', error);
      this.#connectionResult.textContent = t('deviceConnectionFailed');
      delete this.#connectionResult.dataset.result;
    } finally {
      this.#connectionButton.disabled = false;
    }
  }
}

/**
 * Reads the page's ICE server list; a malformed attribute gives an empty list.
 * @param {string} json
 */
function parseIceServers(json) {
  try {
    return iceServersFrom(JSON.parse(json));
  } catch (error) {
    console.warn('visite: the page has a malformed ICE server list', error);
    return [];
  }
}

/**
 * Gathers ICE candidates for a data channel with the given servers and
 * returns the best path found. A relay candidate means that a TURN server
 * responded, and a server-reflexive candidate or a completed gathering means
 * that a STUN server responded (see reachability()). Only the configured
 * servers are contacted, and no media flow, because the connection never
 * gets a remote description.
 * @param {RTCIceServer[]} iceServers
 * @param {number} timeoutMs
 * @returns {Promise<Reachability>}
 */
export async function checkConnectivity(iceServers, timeoutMs) {
  const hasStun = iceServers.some((server) => [server.urls].flat().some(isStunUrl));
  const pc = new RTCPeerConnection({ iceServers });
  /** @type {Set<string>} */
  const candidateTypes = new Set();
  let complete = false;
  let stunFailed = false;
  try {
    pc.addEventListener('icecandidateerror', (event) => {
      if (isStunUrl(event.url)) {
        stunFailed = true;
      }
    });
    // NOTE: a gathering that waits for an unreachable TURN server until the timeout
    // cannot count a STUN response, so a device with a public address then gets `local`.
    const finished = new Promise((resolve) => {
      const timer = window.setTimeout(resolve, timeoutMs);
      pc.addEventListener('icecandidate', ({ candidate }) => {
        if (candidate?.type) {
          candidateTypes.add(candidate.type);
        }
        complete = candidate === null;
        // A relay is the best result there is, so the check need not wait for the rest.
        if (complete || candidateTypes.has('relay')) {
          window.clearTimeout(timer);
          resolve(undefined);
        }
      });
    });
    pc.createDataChannel('visite-connectivity-check');
    await pc.setLocalDescription();
    await finished;
  } finally {
    pc.close();
  }
  return reachability({ candidateTypes, stunResponded: hasStun && complete && !stunFailed });
}

/** @param {string} url */
function isStunUrl(url) {
  return /^stuns?:/i.test(url);
}
