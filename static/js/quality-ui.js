// The call-quality indicator in the call view: a label (good, fair, poor),
// the figures behind it in a disclosure, and on a poor connection a hint
// with a button that turns this side's camera off. The markup is the
// #call-quality block of templates/partials/call.html.

import { QualityMonitor } from './call-quality.js';
import { required } from './media-panel.js';
import { pageLanguage, t } from './strings.js';

/** @typedef {import('./call.js').Call} Call */
/** @typedef {import('./call-quality.js').QualityReport} QualityReport */

/** Translation keys of the label, by QualityLevel. */
const LEVEL_MESSAGES = {
  good: 'qualityGood',
  fair: 'qualityFair',
  poor: 'qualityPoor',
};

export class QualityIndicator {
  /** @type {Call | null} */
  #call = null;
  /** @type {QualityMonitor | null} */
  #monitor = null;
  /** @type {string | null} */
  #level = null;

  #root;
  #label;
  #rtt;
  #loss;
  #bitrate;
  #hint;
  #hintText;
  #audioOnlyButton;

  /** @param {Document} document */
  constructor(document) {
    this.#root = required(document, 'call-quality');
    this.#label = required(document, 'quality-label');
    this.#rtt = required(document, 'quality-rtt');
    this.#loss = required(document, 'quality-loss');
    this.#bitrate = required(document, 'quality-bitrate');
    this.#hint = required(document, 'quality-hint');
    this.#hintText = required(document, 'quality-hint-text');
    this.#audioOnlyButton = /** @type {HTMLButtonElement} */ (required(document, 'quality-audio-only'));
    this.#audioOnlyButton.addEventListener('click', () => this.#turnCameraOff());
  }

  /** The running call's monitor, for the browser tests. */
  get monitor() {
    return this.#monitor;
  }

  /**
   * Starts measuring a call and shows the figures as they arrive.
   * @param {Call} call
   */
  attach(call) {
    this.detach();
    this.#call = call;
    this.#monitor = new QualityMonitor(call);
    this.#monitor.addEventListener('sample', (event) => {
      this.#render(/** @type {CustomEvent<QualityReport>} */ (event).detail);
    });
    this.#label.textContent = t('qualityMeasuring');
    this.#root.hidden = false;
  }

  detach() {
    this.#monitor?.stop();
    this.#monitor = null;
    this.#call = null;
    this.#level = null;
    this.#root.hidden = true;
    this.#hint.hidden = true;
    for (const figure of [this.#rtt, this.#loss, this.#bitrate]) {
      figure.textContent = '–';
    }
  }

  /** @param {QualityReport} report */
  #render({ sample, level, lowered }) {
    const language = pageLanguage();
    const whole = new Intl.NumberFormat(language, { maximumFractionDigits: 0 });
    const tenths = new Intl.NumberFormat(language, { maximumFractionDigits: 1 });
    this.#rtt.textContent = sample.rttMs === null ? '–' : `${whole.format(sample.rttMs)} ms`;
    this.#loss.textContent = sample.lossPercent === null ? '–' : `${tenths.format(sample.lossPercent)} %`;
    this.#bitrate.textContent = sample.bitrateKbps === null ? '–' : `${whole.format(sample.bitrateKbps)} kbit/s`;

    // The label is a live region, so it changes only when the level does.
    if (level !== null && level !== this.#level) {
      this.#level = level;
      this.#label.textContent = t(LEVEL_MESSAGES[level]);
      this.#root.dataset.level = level;
    }
    // The hint stays while the sent video is lowered and until the connection
    // is good again, so it does not flicker on a fair sample.
    if (level === 'poor' || lowered) {
      this.#showHint();
    } else if (level === 'good') {
      this.#hint.hidden = true;
    }
  }

  #showHint() {
    const cameraOn = this.#call?.localMediaState.video ?? false;
    this.#hintText.textContent = t(cameraOn ? 'qualityPoorHint' : 'qualityPoorHintCameraOff');
    this.#audioOnlyButton.hidden = !cameraOn;
    this.#hint.hidden = false;
  }

  async #turnCameraOff() {
    const call = this.#call;
    if (!call) {
      return;
    }
    this.#audioOnlyButton.disabled = true;
    try {
      await call.setCameraOn(false);
    } finally {
      this.#audioOnlyButton.disabled = false;
    }
    if (this.#call === call && !this.#hint.hidden) {
      this.#showHint();
    }
  }
}
