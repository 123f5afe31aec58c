// The call view shared by the room page and the dashboard: the other person's
// video or an avatar, the self view, the buttons and the connection state.
// The markup is templates/partials/call.html.

import { CallSecurityView } from './call-security-ui.js';
import { ChatView } from './chat-ui.js';
import { MediaFailure } from './media.js';
import { required } from './media-panel.js';
import { QualityIndicator } from './quality-ui.js';
import { t } from './strings.js';

/** @typedef {import('./call.js').Call} Call */

/** Translation keys of the connection state line, by RTCPeerConnectionState. */
const CONNECTION_MESSAGES = {
  new: 'callConnecting',
  connecting: 'callConnecting',
  connected: 'callConnected',
  disconnected: 'callDisconnected',
  failed: 'callFailed',
  closed: 'callClosed',
};

/** Translation keys of camera failures during a call, by MediaFailureKind. */
const CAMERA_FAILURE_MESSAGES = {
  denied: 'mediaDenied',
  'no-device': 'mediaNoDevice',
  'in-use': 'mediaInUse',
  unsupported: 'mediaUnsupported',
  other: 'mediaOther',
};

/**
 * The view. It dispatches `hangup` when the person presses the end-call
 * button; the page then ends the call.
 */
export class CallView extends EventTarget {
  /** @type {Call | null} */
  #call = null;
  #cameraBusy = false;
  #screenBusy = false;
  /** The local video track the self view was last given, to notice a new one. */
  #localTrackId = '';
  /** Listeners of the attached call, removed on detach. */
  #abort = new AbortController();

  #root;
  #peerName;
  #state;
  #remoteVideo;
  #remoteAvatar;
  #remoteInitial;
  #remoteMuted;
  #playButton;
  #localVideo;
  #localOff;
  #error;
  #muteButton;
  #cameraButton;
  #hangUpButton;
  #quality;
  #shareButton;
  #remoteScreen;
  #localScreen;
  #security;
  #chat;

  /** @param {Document} document */
  constructor(document) {
    super();
    this.#root = required(document, 'call-view');
    this.#peerName = required(document, 'call-peer-name');
    this.#state = required(document, 'call-state');
    this.#remoteVideo = /** @type {HTMLVideoElement} */ (required(document, 'remote-video'));
    this.#remoteAvatar = required(document, 'remote-avatar');
    this.#remoteInitial = required(document, 'remote-initial');
    this.#remoteMuted = required(document, 'remote-muted');
    this.#playButton = /** @type {HTMLButtonElement} */ (required(document, 'call-play'));
    this.#localVideo = /** @type {HTMLVideoElement} */ (required(document, 'local-video'));
    this.#localOff = required(document, 'local-off');
    this.#error = required(document, 'call-error');
    this.#muteButton = /** @type {HTMLButtonElement} */ (required(document, 'call-mute'));
    this.#cameraButton = /** @type {HTMLButtonElement} */ (required(document, 'call-camera'));
    this.#hangUpButton = /** @type {HTMLButtonElement} */ (required(document, 'call-hang-up'));
    this.#quality = new QualityIndicator(document);

    this.#muteButton.addEventListener('click', () => this.#toggleMute());
    this.#cameraButton.addEventListener('click', () => this.#toggleCamera());
    this.#hangUpButton.addEventListener('click', () => this.dispatchEvent(new Event('hangup')));

    this.#shareButton = /** @type {HTMLButtonElement} */ (required(document, 'call-share-screen'));
    this.#remoteScreen = required(document, 'remote-screen');
    this.#localScreen = required(document, 'local-screen');
    // Phones and some browsers cannot capture the screen at all.
    this.#shareButton.hidden = typeof navigator.mediaDevices?.getDisplayMedia !== 'function';
    this.#shareButton.addEventListener('click', () => this.#toggleScreenShare());
    this.#security = new CallSecurityView(document);
    this.#chat = new ChatView(document);
    this.#playButton.addEventListener('click', () => this.#play());
    // The first frame gives the element its size; #render then shows the picture.
    this.#remoteVideo.addEventListener('resize', () => this.#render());
  }

  get root() {
    return this.#root;
  }

  /** The running call's quality monitor, for the browser tests. */
  get qualityMonitor() {
    return this.#quality.monitor;
  }

  /**
   * Shows a call.
   * @param {Call} call
   * @param {string} peerName the other person's name: the provider's, or the
   *   patient's self-declared one
   */
  attach(call, peerName) {
    this.detach();
    this.#call = call;
    this.#abort = new AbortController();
    const signal = this.#abort.signal;

    this.#peerName.textContent = peerName;
    this.#remoteInitial.textContent = initial(peerName);
    this.#state.textContent = t('callConnecting');
    this.#hideError();
    this.#localTrackId = '';
    this.#remoteVideo.srcObject = call.remoteStream;

    call.addEventListener('connectionstatechange', (event) => {
      const state = /** @type {CustomEvent<RTCPeerConnectionState>} */ (event).detail;
      this.#state.textContent = t(CONNECTION_MESSAGES[state] ?? 'callConnecting');
    }, { signal });
    call.addEventListener('remotetrack', () => this.#refreshRemoteSource(), { signal });
    call.addEventListener('remotechange', () => this.#render(), { signal });
    call.addEventListener('localchange', () => this.#render(), { signal });
    this.#quality.attach(call);
    this.#security.attach(call);
    this.#chat.attach(call, peerName);
    this.#render();
  }

  /** Clears the view and lets go of the call's streams. */
  detach() {
    this.#abort.abort();
    this.#quality.detach();
    this.#call = null;
    this.#cameraBusy = false;
    this.#screenBusy = false;
    this.#security.detach();
    this.#chat.detach();
    this.#shareButton.disabled = true;
    this.#shareButton.setAttribute('aria-pressed', 'false');
    this.#localScreen.hidden = true;
    this.#remoteScreen.hidden = true;
    this.#remoteVideo.srcObject = null;
    this.#localVideo.srcObject = null;
    this.#playButton.hidden = true;
    this.#hideError();
  }

  /** @param {string} text */
  showError(text) {
    this.#error.textContent = text;
    this.#error.hidden = false;
  }

  #hideError() {
    this.#error.hidden = true;
    this.#error.textContent = '';
  }

  #toggleMute() {
    const call = this.#call;
    if (!call) {
      return;
    }
    call.setMicrophoneMuted(call.localMediaState.audio);
  }

  async #toggleCamera() {
    const call = this.#call;
    if (!call || this.#cameraBusy) {
      return;
    }

    this.#cameraBusy = true;
    this.#hideError();
    this.#render();
    try {
      await call.setCameraOn(!call.localMediaState.video);
    } catch (error) {
      if (!(error instanceof MediaFailure)) {
        throw error;
      }
      console.warn(`visite: turning the camera on failed (${error.kind})`, error.cause);
      this.showError(t(CAMERA_FAILURE_MESSAGES[error.kind]));
    } finally {
      this.#cameraBusy = false;
      if (this.#call === call) {
        this.#render();
      }
    }
  }

  async #toggleScreenShare() {
    const call = this.#call;
    if (!call || this.#screenBusy) {
      return;
    }

    this.#screenBusy = true;
    this.#hideError();
    this.#render();
    try {
      if (call.localMediaState.screen) {
        await call.stopScreenShare();
      } else {
        await call.startScreenShare();
      }
    } catch (error) {
      // NotAllowedError is also what the browser reports when the person cancels the picker.
      if (!(error instanceof DOMException) || error.name !== 'NotAllowedError') {
        console.warn('visite: sharing the screen failed', error);
        this.showError(t('callShareScreenFailed'));
      }
    } finally {
      this.#screenBusy = false;
      if (this.#call === call) {
        this.#render();
      }
    }
  }

  /** @param {Call} call */
  #renderScreenShare(call) {
    const sharing = call.localMediaState.screen;
    this.#shareButton.disabled = this.#screenBusy || !call.canShareScreen;
    this.#shareButton.setAttribute('aria-pressed', String(sharing));
    this.#localScreen.hidden = !sharing;
    this.#remoteScreen.hidden = !call.remoteMediaState.screen;
  }

  /** Re-sets the source so the element picks up tracks added to the stream. */
  #refreshRemoteSource() {
    const call = this.#call;
    if (!call) {
      return;
    }
    this.#remoteVideo.srcObject = null;
    this.#remoteVideo.srcObject = call.remoteStream;
    this.#play();
  }

  /**
   * Starts playback. A browser that blocks playback with sound before the
   * person interacted with the page gets a button that starts it.
   */
  async #play() {
    try {
      await this.#remoteVideo.play();
      this.#playButton.hidden = true;
    } catch (error) {
      if (error instanceof DOMException && error.name === 'NotAllowedError') {
        this.#playButton.hidden = false;
      }
    }
  }

  #render() {
    const call = this.#call;
    if (!call) {
      return;
    }

    // A muted track has no picture yet or any more. Frames that did arrive
    // count as well, in case a browser leaves the track muted after a rollback.
    // The other side's media_state decides, so a stopped camera never leaves a
    // frozen last frame on screen.
    const track = call.remoteVideoTrack;
    const hasPicture = track !== null && (!track.muted || this.#remoteVideo.videoWidth > 0);
    const remoteShown = hasPicture && call.remoteMediaState.video;
    this.#remoteVideo.hidden = !remoteShown;
    this.#remoteAvatar.hidden = remoteShown;
    this.#remoteMuted.hidden = call.remoteMediaState.audio;

    const local = call.localMediaState;
    const localTrackId = call.localStream.getVideoTracks()[0]?.id ?? '';
    if (localTrackId !== this.#localTrackId) {
      // Re-setting the source makes the self view show a track that was added later.
      this.#localTrackId = localTrackId;
      this.#localVideo.srcObject = null;
      this.#localVideo.srcObject = call.localStream;
    }
    this.#localVideo.hidden = !local.video;
    this.#localOff.hidden = local.video;

    this.#muteButton.disabled = !call.hasMicrophone;
    this.#muteButton.setAttribute('aria-pressed', String(call.hasMicrophone && !local.audio));
    this.#cameraButton.disabled = this.#cameraBusy;
    this.#cameraButton.setAttribute('aria-pressed', String(!local.video));
    this.#root.classList.toggle('is-muted', !local.audio);
    this.#root.classList.toggle('is-camera-off', !local.video);
    this.#renderScreenShare(call);
  }
}

/**
 * Returns the first letter of a name for the avatar, as one grapheme so that a letter
 * with a combining accent stays whole.
 * @param {string} name
 */
function initial(name) {
  const trimmed = name.trim();
  if (trimmed === '') {
    return '';
  }
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const first = segmenter.segment(trimmed)[Symbol.iterator]().next().value;
  return (first?.segment ?? '').toLocaleUpperCase();
}
