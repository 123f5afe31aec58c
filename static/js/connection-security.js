// The protection of a call, read from the peer connection's statistics
// (https://www.w3.org/TR/webrtc-stats/). Nothing here trusts a flag from the
// server: the browser reports the DTLS state, the ciphers and the ICE
// candidate pair that it actually uses. This module has no DOM.

/**
 * @typedef {object} ConnectionSecurity
 * @property {boolean} encrypted true when DTLS is connected, so the media are
 *   encrypted with SRTP keys that only the two browsers know
 * @property {string} dtlsState the transport's DTLSTransportState, or `unknown`
 * @property {'direct' | 'relayed' | 'unknown'} route `relayed` when either
 *   end of the selected candidate pair is a TURN relay candidate
 * @property {string} srtpCipher such as `SRTP_AES128_CM_HMAC_SHA1_80` (Chromium 156), or empty
 * @property {string} dtlsCipher such as `TLS_AES_128_GCM_SHA256` (Chromium 156), or empty
 */

/**
 * Summarises an RTCStatsReport. With BUNDLE a call has one transport. If a
 * browser reports several, the summary is only encrypted when all are.
 * @param {RTCStatsReport | Map<string, any>} report
 * @returns {ConnectionSecurity}
 */
export function connectionSecurity(report) {
  /** @type {any[]} */
  const transports = [];
  report.forEach((stats) => {
    if (stats.type === 'transport') {
      transports.push(stats);
    }
  });

  if (transports.length === 0) {
    return { encrypted: false, dtlsState: 'unknown', route: 'unknown', srtpCipher: '', dtlsCipher: '' };
  }

  const transport = transports.find((candidate) => candidate.dtlsState !== 'connected') ?? transports[0];
  return {
    encrypted: transports.every((candidate) => candidate.dtlsState === 'connected'),
    dtlsState: String(transport.dtlsState ?? 'unknown'),
    route: routeOf(report, transport.selectedCandidatePairId),
    srtpCipher: String(transport.srtpCipher ?? ''),
    dtlsCipher: String(transport.dtlsCipher ?? ''),
  };
}

/**
 * Returns whether the selected candidate pair goes through a TURN relay.
 * @param {RTCStatsReport | Map<string, any>} report
 * @param {string | undefined} pairId
 * @returns {'direct' | 'relayed' | 'unknown'}
 */
function routeOf(report, pairId) {
  const pair = pairId ? report.get(pairId) : undefined;
  if (!pair) {
    return 'unknown';
  }
  const local = report.get(pair.localCandidateId);
  const remote = report.get(pair.remoteCandidateId);
  if (!local || !remote) {
    return 'unknown';
  }
  return local.candidateType === 'relay' || remote.candidateType === 'relay' ? 'relayed' : 'direct';
}
