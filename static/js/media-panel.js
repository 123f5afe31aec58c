// The camera and microphone panel: a self view before the call, the reason
// when the camera or microphone cannot be opened, and the ways to go on
// without them. The room page and the dashboard share it; both templates
// contain the same element ids.

import { MediaFailure, openLocalMedia, stopStream } from './media.js';
import { t } from './strings.js';

/** @typedef {import('./media.js').MediaMode} MediaMode */

/** Translation keys of the failure messages, by MediaFailureKind. */
const FAILURE_MESSAGES = {
  denied: 'mediaDenied',
  'no-device': 'mediaNoDevice',
  'in-use': 'mediaInUse',
  unsupported: 'mediaUnsupported',
  other: 'mediaOther',
};

/** Translation keys of the status line, by MediaMode. */
const MODE_MESSAGES = {
  full: 'mediaOnFull',
  audio: 'mediaOnAudio',
  none: 'mediaOnNone',
};

/**
 * The panel. It dispatches `change` whenever a mode has been settled, either
 * because the devices opened or because the person chose to go on without them,
 * and `streamchange` whenever its stream is replaced, handed over or stopped.
 */
export class MediaPanel extends EventTarget {
  /** @type {MediaStream | null} */
  #stream = null;
  /** The settled mode, or null while nothing is settled. @type {MediaMode | null} */
  #mode = null;
  /** @type {MediaMode} */
  #lastAttempt = 'full';
  #busy = false;
  /** Counts start() calls, so that a slow getUserMedia cannot override a later choice. */
  #generation = 0;
  /** The running start(), if any. @type {Promise<boolean> | null} */
  #pending = null;

  #root;
  #preview;
  #previewOff;
  #status;
  #error;
  #errorText;
  #retryButton;
  #audioOnlyButton;
  #noDevicesButton;
  #checkButton;
  #stopButton;

  /** @param {Document} document */
  constructor(document) {
    super();
    this.#root = required(document, 'media-panel');
    this.#preview = /** @type {HTMLVideoElement} */ (required(document, 'media-preview'));
    this.#previewOff = required(document, 'media-preview-off');
    this.#status = required(document, 'media-status');
    this.#error = required(document, 'media-error');
    this.#errorText = required(document, 'media-error-text');
    this.#retryButton = /** @type {HTMLButtonElement} */ (required(document, 'media-retry'));
    this.#audioOnlyButton = /** @type {HTMLButtonElement} */ (required(document, 'media-audio-only'));
    this.#noDevicesButton = /** @type {HTMLButtonElement} */ (required(document, 'media-none'));
    // Only the dashboard has buttons to start and stop the preview.
    this.#checkButton = /** @type {HTMLButtonElement | null} */ (document.getElementById('media-check'));
    this.#stopButton = /** @type {HTMLButtonElement | null} */ (document.getElementById('media-stop'));

    this.#retryButton.addEventListener('click', () => this.start(this.#lastAttempt));
    this.#audioOnlyButton.addEventListener('click', () => this.start('audio'));
    this.#noDevicesButton.addEventListener('click', () => this.start('none'));
    this.#checkButton?.addEventListener('click', () => this.start('full'));
    this.#stopButton?.addEventListener('click', () => this.stop());
    this.#render();
  }

  get stream() {
    return this.#stream;
  }

  /** The settled mode, or null when the devices failed and no choice was made yet. */
  get mode() {
    return this.#mode;
  }

  get busy() {
    return this.#busy;
  }

  /** @param {boolean} hidden */
  set hidden(hidden) {
    this.#root.hidden = hidden;
  }

  /**
   * Resolves when no start() is running, such as while the browser's
   * permission prompt is open.
   * @returns {Promise<void>}
   */
  async settled() {
    while (this.#pending) {
      await this.#pending;
    }
  }

  /**
   * Opens the devices for a mode and shows the result. Returns true when the
   * mode is settled, false when the devices failed and the panel now shows why.
   * @param {MediaMode} mode
   */
  start(mode) {
    const pending = this.#open(mode);
    this.#pending = pending;
    pending.finally(() => {
      if (this.#pending === pending) {
        this.#pending = null;
      }
    });
    return pending;
  }

  /** @param {MediaMode} mode */
  async #open(mode) {
    const generation = ++this.#generation;
    this.#lastAttempt = mode;
    this.#busy = true;
    this.#hideError();
    this.#status.textContent = mode === 'none' ? '' : t('mediaStarting');

    try {
      const stream = await openLocalMedia(mode);
      if (generation !== this.#generation) {
        stopStream(stream);
        return this.#mode !== null;
      }
      this.#replaceStream(stream, mode);
      this.dispatchEvent(new Event('change'));
      return true;
    } catch (error) {
      if (!(error instanceof MediaFailure)) {
        throw error;
      }
      if (generation === this.#generation) {
        console.warn(`visite: camera or microphone failed (${error.kind})`, error.cause);
        this.#replaceStream(null, null);
        this.#showError(error.kind, mode);
      }
      return false;
    } finally {
      if (generation === this.#generation) {
        this.#busy = false;
        this.#render();
      }
    }
  }

  /**
   * Hands the stream and mode to a call, which then owns and stops the tracks.
   * The panel then drops both and shows nothing.
   */
  takeStream() {
    const handover = { stream: this.#stream, mode: this.#mode };
    this.#generation++;
    this.#stream = null;
    this.#mode = null;
    this.#preview.srcObject = null;
    this.#hideError();
    this.#status.textContent = '';
    this.#render();
    this.dispatchEvent(new Event('streamchange'));
    return handover;
  }

  /** Stops the camera and microphone and clears the panel. */
  stop() {
    this.#generation++;
    this.#busy = false;
    this.#replaceStream(null, null);
    this.#hideError();
    this.#status.textContent = t('mediaOff');
    this.#render();
  }

  /**
   * @param {MediaStream | null} stream
   * @param {MediaMode | null} mode
   */
  #replaceStream(stream, mode) {
    const changed = this.#stream !== stream;
    if (changed) {
      stopStream(this.#stream);
    }
    this.#stream = stream;
    this.#mode = mode;
    this.#preview.srcObject = stream;
    if (mode) {
      this.#status.textContent = t(MODE_MESSAGES[mode]);
    }
    if (changed) {
      this.dispatchEvent(new Event('streamchange'));
    }
  }

  /**
   * @param {import('./media.js').MediaFailureKind} kind
   * @param {MediaMode} attempted
   */
  #showError(kind, attempted) {
    this.#errorText.textContent = t(FAILURE_MESSAGES[kind]);
    this.#status.textContent = '';
    // Offer the next step down: audio only after a failed camera, nothing after a failed microphone.
    this.#audioOnlyButton.hidden = attempted !== 'full';
    this.#noDevicesButton.hidden = attempted === 'full';
    this.#error.hidden = false;
  }

  #hideError() {
    this.#error.hidden = true;
    this.#errorText.textContent = '';
  }

  #render() {
    const hasVideo = this.#stream?.getVideoTracks().some((track) => track.readyState === 'live') ?? false;
    this.#preview.hidden = !hasVideo;
    this.#previewOff.hidden = hasVideo;
    for (const button of [this.#retryButton, this.#audioOnlyButton, this.#noDevicesButton]) {
      button.disabled = this.#busy;
    }
    if (this.#checkButton) {
      this.#checkButton.hidden = this.#stream !== null;
      this.#checkButton.disabled = this.#busy;
    }
    if (this.#stopButton) {
      this.#stopButton.hidden = this.#stream === null;
    }
  }
}

/**
 * @param {Document} document
 * @param {string} id
 * @returns {HTMLElement}
 */
export function required(document, id) {
  const element = document.getElementById(id);
  if (!element) {
    throw new Error(`visite: the page has no #${id} element`);
  }
  return element;
}
