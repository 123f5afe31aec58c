// The verification code of a call: a short code derived from the two DTLS
// certificate fingerprints that the browsers negotiated. Both people read it
// aloud. If the server or anyone on the signaling path swapped a certificate
// to sit in the middle of the call, each browser hashes a different pair of
// fingerprints and the two codes differ.
//
// The fingerprints come only from the local and remote session descriptions
// that the RTCPeerConnection applied, never from a field the server sends.
// This module has no DOM, so node can run its tests (node has crypto.subtle).

/** Separates this hash from any other use of the same fingerprints. */
const CODE_CONTEXT = 'visite verification code v1';

/** Number of decimal digits in the code. */
export const CODE_DIGITS = 6;

/**
 * Returns the certificate fingerprints of a session description, as
 * `algorithm HEX` strings: the algorithm in lower case, the hex in upper case
 * with colons, sorted and without duplicates. A BUNDLE description repeats the
 * same fingerprint in every media section, so it usually returns one entry.
 * @param {string} sdp
 * @returns {string[]}
 */
export function fingerprintsOf(sdp) {
  const fingerprints = new Set();
  for (const line of sdp.split(/\r?\n/)) {
    const match = /^a=fingerprint:(\S+) ([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})+)\s*$/.exec(line);
    if (match) {
      fingerprints.add(`${match[1].toLowerCase()} ${match[2].toUpperCase()}`);
    }
  }
  return [...fingerprints].sort();
}

/**
 * Computes the verification code of a call from the local and the remote
 * session description, formatted as two groups of three digits ("123 456").
 * The two fingerprint sets are sorted before hashing, so both sides get the
 * same code. Returns null while either description has no fingerprint.
 *
 * NOTE: six digits stop an attacker who must pick a certificate blindly
 * (one chance in a million). An attacker on the signaling path who sees
 * both real fingerprints before it sends its own could try many certificates
 * until the codes match. Stopping that would need a hash commitment to each
 * certificate before the other is revealed, as ZRTP (RFC 6189) does.
 * @param {string} localSdp pc.localDescription.sdp
 * @param {string} remoteSdp pc.remoteDescription.sdp
 * @returns {Promise<string | null>}
 */
export async function verificationCode(localSdp, remoteSdp) {
  const local = fingerprintsOf(localSdp);
  const remote = fingerprintsOf(remoteSdp);
  if (local.length === 0 || remote.length === 0) {
    return null;
  }

  const sides = [local.join(','), remote.join(',')].sort();
  const input = new TextEncoder().encode([CODE_CONTEXT, ...sides].join('\n'));
  const digest = new DataView(await crypto.subtle.digest('SHA-256', input));
  // 2^32 is not a multiple of 10^6, so some codes are more likely by at most 1 in 4294.
  const number = digest.getUint32(0) % 10 ** CODE_DIGITS;
  return formatCode(String(number).padStart(CODE_DIGITS, '0'));
}

/**
 * Splits the digits into groups of three, which are easier to read aloud.
 * @param {string} digits
 */
function formatCode(digits) {
  return digits.replace(/(\d{3})(?=\d)/g, '$1 ');
}
