// Camera and microphone access with classified failures, without any DOM.

/**
 * The media the local side sends: camera and microphone, microphone only, or nothing.
 * @typedef {'full' | 'audio' | 'none'} MediaMode
 */

/**
 * Why getUserMedia failed, in the categories the pages explain to people:
 * `denied` (the person or the browser refused permission), `no-device` (no
 * matching camera or microphone), `in-use` (the device exists but could not be
 * started, usually because another program uses it), `unsupported` (no
 * mediaDevices, as on a page that is not a secure context) and `other`.
 * @typedef {'denied' | 'no-device' | 'in-use' | 'unsupported' | 'other'} MediaFailureKind
 */

/** @type {MediaTrackConstraints} */
const VIDEO_CONSTRAINTS = {
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 30 },
  facingMode: 'user',
};

/** @type {MediaTrackConstraints} */
const AUDIO_CONSTRAINTS = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

export class MediaFailure extends Error {
  /**
   * @param {MediaFailureKind} kind
   * @param {unknown} cause the error that getUserMedia threw, if any
   */
  constructor(kind, cause) {
    super(`camera or microphone unavailable: ${kind}`, { cause });
    this.name = 'MediaFailure';
    this.kind = kind;
  }
}

/**
 * Sorts a getUserMedia error into a MediaFailureKind by its DOMException name.
 * The legacy names are those that older Chrome versions used.
 * @param {unknown} error
 * @returns {MediaFailureKind}
 */
export function classifyMediaError(error) {
  const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError':
      return 'no-device';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'in-use';
    default:
      return 'other';
  }
}

/**
 * Opens the camera and microphone for a mode. Returns null for `none`.
 * @param {MediaMode} mode
 * @returns {Promise<MediaStream | null>}
 * @throws {MediaFailure}
 */
export async function openLocalMedia(mode) {
  if (mode === 'none') {
    return null;
  }
  return getUserMedia({ audio: AUDIO_CONSTRAINTS, video: mode === 'full' ? VIDEO_CONSTRAINTS : false });
}

/**
 * Opens the camera alone and returns its video track, for turning the camera
 * back on during a call.
 * @returns {Promise<MediaStreamTrack>}
 * @throws {MediaFailure}
 */
export async function openCamera() {
  const stream = await getUserMedia({ audio: false, video: VIDEO_CONSTRAINTS });
  const [track] = stream.getVideoTracks();
  if (!track) {
    throw new MediaFailure('no-device', null);
  }
  return track;
}

/**
 * Stops every track of a stream, which turns off the camera light.
 * @param {MediaStream | null | undefined} stream
 */
export function stopStream(stream) {
  for (const track of stream?.getTracks() ?? []) {
    track.stop();
  }
}

/**
 * @param {MediaStreamConstraints} constraints
 * @returns {Promise<MediaStream>}
 */
async function getUserMedia(constraints) {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new MediaFailure('unsupported', null);
  }
  try {
    return await navigator.mediaDevices.getUserMedia(constraints);
  } catch (error) {
    throw new MediaFailure(classifyMediaError(error), error);
  }
}
