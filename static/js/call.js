// One WebRTC call between the provider and one patient, without any DOM.
//
// Negotiation follows the "perfect negotiation" pattern from the WebRTC 1.0
// specification: both sides make offers whenever negotiationneeded fires, and
// when two offers collide the polite side (the patient) gives way through the
// browser's implicit rollback while the impolite side (the provider) ignores
// the colliding offer. Incoming signaling messages are handled one at a time,
// in the order the server relayed them.

import { Chat } from './chat.js';
import { openCamera, stopStream } from './media.js';

/**
 * How long the impolite side waits while ICE is `disconnected` before it
 * restarts ICE. A short network hiccup recovers by itself within a few seconds.
 */
const IMPOLITE_RESTART_DELAY_MS = 5_000;
/**
 * How long the polite side waits while ICE is `failed` or `disconnected`
 * before it restarts ICE itself. It is longer than the impolite side's delay,
 * so the polite side restarts only when the other side's restart did not come
 * through, and both sides rarely restart at once.
 */
const POLITE_RESTART_DELAY_MS = 15_000;
/** How long either side waits for a restart to connect before it tries again. */
const RESTART_RETRY_MS = 10_000;

/**
 * Media that a side sends. `video` is the camera locally, but in media_state and
 * remoteMediaState it is true while either the camera or a shared screen is sent.
 * @typedef {{ audio: boolean, video: boolean, screen: boolean }} MediaState
 */

/**
 * @typedef {object} CallOptions
 * @property {boolean} polite true on the side that yields when offers collide
 * @property {RTCIceServer[]} iceServers STUN and TURN servers from call_started
 * @property {boolean} [relayOnly] true when call_started requires sending all media through the TURN server
 * @property {(message: { type: string } & Record<string, unknown>) => void} send
 *   sends a message to the other participant through the server
 */

/**
 * A call. It dispatches:
 * - `connectionstatechange` (CustomEvent with the RTCPeerConnectionState),
 * - `remotetrack` when a remote track arrives, so views can refresh their source,
 * - `remotechange` when remote media start, stop or report a new media_state,
 * - `localchange` when the local microphone, camera or screen sharing changes.
 */
export class Call extends EventTarget {
  /** @type {RTCPeerConnection} */
  #pc;
  #polite;
  #send;
  /** Camera and microphone tracks; the call stops them when it closes. */
  #localStream = new MediaStream();
  #remoteStream = new MediaStream();
  /** Assumed on until the other side's first media_state arrives. @type {MediaState} */
  #remoteMediaState = { audio: true, video: true, screen: false };
  /** The shared screen's video track while it replaces the camera, else null. @type {MediaStreamTrack | null} */
  #screenTrack = null;
  #chat;
  /** @type {Set<MediaStreamTrack>} */
  #watchedTracks = new Set();
  /** Whether start() has handed over the local tracks. */
  #started = false;
  /** Whether the local tracks were added to the peer connection. */
  #sendingTracks = false;
  #makingOffer = false;
  #ignoreOffer = false;
  /** @type {Promise<void>} */
  #inbox = Promise.resolve();
  #closed = false;
  /** Timer of the next ICE restart while ICE is failed or disconnected. @type {number | undefined} */
  #restartTimer;
  #iceRestarts = 0;

  /** @param {CallOptions} options */
  constructor(options) {
    super();
    this.#polite = options.polite;
    this.#send = options.send;
    this.#pc = new RTCPeerConnection({
      iceServers: options.iceServers,
      iceTransportPolicy: options.relayOnly ? 'relay' : 'all',
    });
    this.#chat = new Chat(this.#pc);

    this.#pc.addEventListener('negotiationneeded', () => this.#offer());
    this.#pc.addEventListener('icecandidate', ({ candidate }) => {
      this.#send({ type: 'candidate', candidate: candidate ? candidateInit(candidate) : null });
    });
    this.#pc.addEventListener('track', ({ track }) => this.#addRemoteTrack(track));
    this.#pc.addEventListener('connectionstatechange', () => this.#connectionStateChanged());
    this.#pc.addEventListener('iceconnectionstatechange', () => this.#iceConnectionStateChanged());
  }

  /** The peer connection, for statistics and tests. */
  get pc() {
    return this.#pc;
  }

  get polite() {
    return this.#polite;
  }

  get localStream() {
    return this.#localStream;
  }

  get remoteStream() {
    return this.#remoteStream;
  }

  /** The text chat, which runs peer to peer on a data channel. */
  get chat() {
    return this.#chat;
  }

  get closed() {
    return this.#closed;
  }

  /** How many times this side restarted ICE. */
  get iceRestarts() {
    return this.#iceRestarts;
  }

  /** The other side's media state, from its last media_state message. */
  get remoteMediaState() {
    return { ...this.#remoteMediaState };
  }

  /** @returns {MediaState} */
  get localMediaState() {
    return {
      audio: this.#localStream.getAudioTracks().some((track) => track.readyState === 'live' && track.enabled),
      video: this.#localStream.getVideoTracks().some((track) => track.readyState === 'live'),
      screen: this.#screenTrack !== null,
    };
  }

  get hasMicrophone() {
    return this.#localStream.getAudioTracks().some((track) => track.readyState === 'live');
  }

  /** The remote video track while it is live, else null. */
  get remoteVideoTrack() {
    return this.#remoteStream.getVideoTracks().find((track) => track.readyState === 'live') ?? null;
  }

  /**
   * Takes the local tracks and sends a media_state message with the media
   * that are on. The call owns the tracks from now on.
   *
   * The impolite side adds its tracks at once, and adds a receive-only audio
   * or video transceiver for a kind it has no track of, so its first offer always
   * negotiates both kinds. The polite side adds its tracks only after it has
   * answered that first offer, so the first offers never collide: in the
   * browser tests, Chromium 156 left the polite side's remote tracks muted
   * after such a rollback although frames arrived. Later collisions are still
   * resolved by perfect negotiation.
   *
   * Messages from the other side may be handled before start(), so a patient
   * still answering the browser's permission prompt already receives the
   * provider's media.
   * @param {MediaStream | null} stream
   */
  start(stream) {
    if (this.#closed) {
      stopStream(stream);
      return;
    }
    for (const track of stream?.getTracks() ?? []) {
      this.#localStream.addTrack(track);
      this.#watchLocalTrack(track);
    }
    this.#started = true;

    if (!this.#polite) {
      this.#sendLocalTracks();
      for (const kind of /** @type {const} */ (['audio', 'video'])) {
        if (!this.#transceiver(kind)) {
          this.#pc.addTransceiver(kind, { direction: 'recvonly' });
        }
      }
    } else if (this.#pc.remoteDescription) {
      this.#sendLocalTracks();
    }
    this.#sendMediaState();
    this.dispatchEvent(new Event('localchange'));
  }

  /**
   * Queues a description, candidate or media_state message from the other side.
   * @param {{ type: string } & Record<string, any>} message
   * @returns {Promise<void>}
   */
  handleMessage(message) {
    this.#inbox = this.#inbox
      .then(() => this.#process(message))
      .catch((error) => console.error(`visite: handling a ${message.type} message failed`, error));
    return this.#inbox;
  }

  /**
   * Mutes or unmutes the microphone. The track stays open, so unmuting is instant.
   * @param {boolean} muted
   */
  setMicrophoneMuted(muted) {
    for (const track of this.#localStream.getAudioTracks()) {
      track.enabled = !muted;
    }
    this.#sendMediaState();
    this.dispatchEvent(new Event('localchange'));
  }

  /**
   * Turns the camera on or off. Off stops the video track, so the camera light
   * goes out, and stops sending video, so the other side's track is muted.
   * On opens a fresh track and sends it on the same transceiver.
   * @param {boolean} on
   * @throws {import('./media.js').MediaFailure} when the camera cannot be opened
   */
  async setCameraOn(on) {
    if (this.#closed || on === this.localMediaState.video) {
      return;
    }

    if (on) {
      await this.#startCamera();
    } else {
      await this.#stopCamera();
    }

    this.#sendMediaState();
    this.dispatchEvent(new Event('localchange'));
  }

  /** Whether a screen can be shared now: after this side started sending its media. */
  get canShareScreen() {
    return this.#sendingTracks && !this.#closed;
  }

  /**
   * Asks the browser for a screen, window or tab and sends it in place of the
   * camera on the same video sender. With a video transceiver that is already
   * sending, replaceTrack() needs no renegotiation. With the camera off, the
   * transceiver turns to sendrecv, which renegotiates once. The camera stays
   * open for the self view and is sent again when sharing stops.
   * @throws {DOMException} from getDisplayMedia, `NotAllowedError` when the person cancels
   */
  async startScreenShare() {
    if (!this.canShareScreen || this.#screenTrack) {
      return;
    }
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    const [track] = stream.getVideoTracks();
    if (this.#closed || this.#screenTrack || !track) {
      stopStream(stream);
      return;
    }
    // Under load the encoder then lowers the frame rate before the resolution, so text stays readable.
    track.contentHint = 'detail';
    // The browser's own "Stop sharing" control ends the track without this page asking.
    track.addEventListener('ended', () => this.stopScreenShare());
    this.#screenTrack = track;

    await this.#sendVideoTrack(track);
    this.#sendMediaState();
    this.dispatchEvent(new Event('localchange'));
  }

  /** Stops sharing the screen and sends the camera again, or no video if the camera is off. */
  async stopScreenShare() {
    const track = this.#screenTrack;
    if (!track) {
      return;
    }
    this.#screenTrack = null;
    track.stop();
    if (this.#closed) {
      return;
    }

    const camera = this.#localStream.getVideoTracks().find((candidate) => candidate.readyState === 'live') ?? null;
    await this.#sendVideoTrack(camera);
    this.#sendMediaState();
    this.dispatchEvent(new Event('localchange'));
  }

  /**
   * Puts a camera or screen track on the video sender, or takes the video off
   * with null. Without a video transceiver the track is added, which renegotiates.
   * @param {MediaStreamTrack | null} track
   */
  async #sendVideoTrack(track) {
    const transceiver = this.#transceiver('video');
    if (!transceiver) {
      if (track) {
        this.#pc.addTrack(track, this.#localStream);
      }
      return;
    }
    await transceiver.sender.replaceTrack(track);
    transceiver.direction = track ? 'sendrecv' : 'recvonly';
  }

  /** Sends hang_up to the other side and closes the call. */
  hangUp() {
    if (!this.#closed) {
      this.#send({ type: 'hang_up' });
    }
    this.close();
  }

  /** Closes the peer connection and stops the camera and microphone, without any message. */
  close() {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    window.clearTimeout(this.#restartTimer);
    stopStream(this.#localStream);
    this.#screenTrack?.stop();
    this.#screenTrack = null;
    this.#pc.close();
    // RTCPeerConnection.close() fires no connectionstatechange of its own.
    this.dispatchEvent(new CustomEvent('connectionstatechange', { detail: 'closed' }));
  }

  async #offer() {
    // Creating the chat channel fires negotiationneeded on both sides. The
    // polite side waits for the first offer, which carries the channel, so
    // the first offers never collide (see start()).
    if (this.#polite && !this.#pc.remoteDescription) {
      return;
    }
    try {
      this.#makingOffer = true;
      await this.#pc.setLocalDescription();
      this.#sendLocalDescription();
    } catch (error) {
      if (!this.#closed) {
        console.error('visite: creating an offer failed', error);
      }
    } finally {
      this.#makingOffer = false;
    }
  }

  /** @param {{ type: string } & Record<string, any>} message */
  async #process(message) {
    if (this.#closed) {
      return;
    }
    switch (message.type) {
      case 'description':
        await this.#receiveDescription(message.description);
        break;
      case 'candidate':
        await this.#receiveCandidate(message.candidate);
        break;
      case 'media_state':
        this.#remoteMediaState = {
          audio: message.audio === true,
          video: message.video === true,
          screen: message.screen === true,
        };
        this.dispatchEvent(new Event('remotechange'));
        break;
      default:
        console.warn(`visite: the call ignored a ${message.type} message`);
    }
  }

  /** @param {RTCSessionDescriptionInit} description */
  async #receiveDescription(description) {
    const offerCollision =
      description.type === 'offer' && (this.#makingOffer || this.#pc.signalingState !== 'stable');
    this.#ignoreOffer = !this.#polite && offerCollision;
    if (this.#ignoreOffer) {
      return;
    }

    // On the polite side, an offer in have-local-offer rolls the local offer back implicitly.
    await this.#pc.setRemoteDescription(description);
    if (description.type === 'offer') {
      await this.#pc.setLocalDescription();
      this.#sendLocalDescription();
    }
    if (this.#started) {
      this.#sendLocalTracks();
    }
  }

  /**
   * Adds the local tracks to the peer connection, once. On the polite side
   * addTrack() reuses the transceivers that the first offer created, so the
   * call keeps one audio and one video transceiver.
   */
  #sendLocalTracks() {
    if (this.#sendingTracks || this.#closed) {
      return;
    }
    this.#sendingTracks = true;
    for (const track of this.#localStream.getTracks()) {
      this.#pc.addTrack(track, this.#localStream);
    }
    // Screen sharing becomes possible now.
    this.dispatchEvent(new Event('localchange'));
  }

  /** @param {RTCIceCandidateInit | null} candidate */
  async #receiveCandidate(candidate) {
    // Chrome completes ICE without an explicit end-of-candidates, and some
    // versions reject one, so the null marker is not passed on.
    if (candidate === null) {
      return;
    }
    try {
      await this.#pc.addIceCandidate(candidate);
    } catch (error) {
      // Candidates of an offer that this side ignored have no remote description to join.
      if (!this.#ignoreOffer) {
        console.warn('visite: adding an ICE candidate failed', error);
      }
    }
  }

  #sendLocalDescription() {
    const description = this.#pc.localDescription;
    if (!description || (description.type !== 'offer' && description.type !== 'answer')) {
      return;
    }
    // The server accepts exactly these two fields.
    this.#send({ type: 'description', description: { type: description.type, sdp: description.sdp } });
  }

  #sendMediaState() {
    if (this.#closed) {
      return;
    }
    const state = this.localMediaState;
    this.#send({ type: 'media_state', audio: state.audio, video: state.video || state.screen, screen: state.screen });
  }

  async #startCamera() {
    const track = await openCamera();
    if (this.#closed) {
      track.stop();
      return;
    }
    this.#localStream.addTrack(track);
    this.#watchLocalTrack(track);
    if (!this.#sendingTracks || this.#screenTrack) {
      // #sendLocalTracks adds it together with the others, or stopping the
      // screen sharing sends it.
      return;
    }
    await this.#sendVideoTrack(track);
  }

  async #stopCamera() {
    for (const track of this.#localStream.getVideoTracks()) {
      track.stop();
      this.#localStream.removeTrack(track);
    }
    if (this.#screenTrack) {
      return;
    }

    // Sending no video also makes the other side's receiver mute its track,
    // so that side never keeps showing a frozen last frame.
    await this.#sendVideoTrack(null);
  }

  /**
   * The transceiver that carries this kind of media: the one sending it, else
   * the first of that kind that is not stopped.
   * @param {'audio' | 'video'} kind
   */
  #transceiver(kind) {
    const candidates = this.#pc
      .getTransceivers()
      .filter((transceiver) => transceiver.currentDirection !== 'stopped' && transceiver.receiver.track.kind === kind);
    return candidates.find((transceiver) => transceiver.sender.track !== null) ?? candidates[0] ?? null;
  }

  /** @param {MediaStreamTrack} track */
  #addRemoteTrack(track) {
    if (!this.#remoteStream.getTrackById(track.id)) {
      this.#remoteStream.addTrack(track);
    }
    if (!this.#watchedTracks.has(track)) {
      this.#watchedTracks.add(track);
      const changed = () => this.dispatchEvent(new Event('remotechange'));
      track.addEventListener('mute', changed);
      track.addEventListener('unmute', changed);
      track.addEventListener('ended', changed);
    }
    this.dispatchEvent(new Event('remotetrack'));
    this.dispatchEvent(new Event('remotechange'));
  }

  /**
   * A local track can end without this page asking, when the device is
   * unplugged or the permission is revoked; the other side then learns it.
   * @param {MediaStreamTrack} track
   */
  #watchLocalTrack(track) {
    track.addEventListener('ended', () => {
      this.#sendMediaState();
      this.dispatchEvent(new Event('localchange'));
    });
  }

  #connectionStateChanged() {
    this.dispatchEvent(new CustomEvent('connectionstatechange', { detail: this.#pc.connectionState }));
  }

  /**
   * Restarts ICE when the connection broke, for example after a network
   * change or a TURN server restart. The impolite side restarts at once on
   * `failed` and after a short delay on `disconnected`. The polite side waits
   * longer, so one restart is usually enough, and perfect negotiation resolves
   * the offers when both sides restart at once. The restart offer goes
   * through the same send callback as every other description.
   */
  #iceConnectionStateChanged() {
    if (this.#closed) {
      return;
    }
    const state = this.#pc.iceConnectionState;
    if (state === 'connected' || state === 'completed') {
      window.clearTimeout(this.#restartTimer);
      this.#restartTimer = undefined;
      return;
    }
    // A pending timer covers every other state, so a restart that fails
    // again at once waits for the retry interval instead of looping.
    if (this.#restartTimer !== undefined || (state !== 'failed' && state !== 'disconnected')) {
      return;
    }
    if (state === 'failed' && !this.#polite) {
      this.#restartIce();
    } else {
      this.#scheduleRestart(this.#polite ? POLITE_RESTART_DELAY_MS : IMPOLITE_RESTART_DELAY_MS);
    }
  }

  /**
   * Checks again after `delay` milliseconds: restarts ICE if it is still
   * failed or disconnected, and keeps watching while it is still checking.
   * @param {number} delay
   */
  #scheduleRestart(delay) {
    window.clearTimeout(this.#restartTimer);
    this.#restartTimer = window.setTimeout(() => {
      this.#restartTimer = undefined;
      const state = this.#pc.iceConnectionState;
      if (this.#closed || state === 'connected' || state === 'completed') {
        return;
      }
      if (state === 'failed' || state === 'disconnected') {
        this.#restartIce();
      } else {
        this.#scheduleRestart(RESTART_RETRY_MS);
      }
    }, delay);
  }

  /** Restarts ICE now and tries again later unless the restart connects. */
  #restartIce() {
    this.#iceRestarts += 1;
    this.#pc.restartIce();
    this.#scheduleRestart(RESTART_RETRY_MS);
  }
}

/**
 * Returns the four fields of a candidate that the server relays, taken from toJSON().
 * @param {RTCIceCandidate} candidate
 */
function candidateInit(candidate) {
  const json = candidate.toJSON();
  return {
    candidate: json.candidate ?? '',
    sdpMid: json.sdpMid ?? null,
    sdpMLineIndex: json.sdpMLineIndex ?? null,
    usernameFragment: json.usernameFragment ?? null,
  };
}

/**
 * Reads the ice_servers of a call_started message, keeping only well-formed entries.
 * @param {unknown} value
 * @returns {RTCIceServer[]}
 */
export function iceServersFrom(value) {
  if (!Array.isArray(value)) {
    return [];
  }
  /** @type {RTCIceServer[]} */
  const servers = [];
  for (const entry of value) {
    if (typeof entry !== 'object' || entry === null || !Array.isArray(entry.urls)) {
      continue;
    }
    /** @type {RTCIceServer} */
    const server = { urls: entry.urls.filter((/** @type {unknown} */ url) => typeof url === 'string') };
    if (typeof entry.username === 'string') {
      server.username = entry.username;
    }
    if (typeof entry.credential === 'string') {
      server.credential = entry.credential;
    }
    servers.push(server);
  }
  return servers;
}
