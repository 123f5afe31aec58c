//! The signaling messages of one call: an offer, an answer and ten ICE
//! candidates each way, as visite's protocol carries them. Each message
//! carries its send time, so the receiver can compute the relay latency.

use std::sync::OnceLock;
use std::time::Instant;

/// Size of the offer's SDP text in bytes, about what Chromium sends for one
/// audio and one video track.
pub const OFFER_BYTES: usize = 5_400;
/// Size of the answer's SDP text in bytes.
pub const ANSWER_BYTES: usize = 4_700;
/// ICE candidates each side sends per call.
pub const CANDIDATES_PER_SIDE: usize = 10;

/// Lines of a Chromium-like offer for one audio and one video section, repeated
/// (the video section's codecs) until the SDP reaches its size.
const SDP_HEAD: &str = "v=0\r\n\
s=-\r\n\
t=0 0\r\n\
a=group:BUNDLE 0 1\r\n\
a=extmap-allow-mixed\r\n\
a=msid-semantic: WMS bench-stream\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n\
c=IN IP4 0.0.0.0\r\n\
a=rtcp:9 IN IP4 0.0.0.0\r\n\
a=ice-ufrag:Bq3x\r\n\
a=ice-pwd:3mK8yLPVg2kXWq9dTR1sAnEf\r\n\
a=ice-options:trickle\r\n\
a=fingerprint:sha-256 4A:1F:0C:9B:77:E2:5D:3A:C8:19:6B:F0:2E:84:AD:53:91:0E:7C:B6:28:F3:45:DA:6E:0B:C1:92:7F:3D:A4:58\r\n\
a=setup:actpass\r\n\
a=mid:0\r\n\
a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n\
a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n\
a=sendrecv\r\n\
a=msid:bench-stream bench-audio\r\n\
a=rtcp-mux\r\n\
a=rtpmap:111 opus/48000/2\r\n\
a=rtcp-fb:111 transport-cc\r\n\
a=fmtp:111 minptime=10;useinbandfec=1\r\n\
a=ssrc:1001 cname:benchcname\r\n\
m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 102 103 104 105 106 107\r\n\
c=IN IP4 0.0.0.0\r\n\
a=rtcp:9 IN IP4 0.0.0.0\r\n\
a=mid:1\r\n\
a=sendrecv\r\n\
a=rtcp-mux\r\n\
a=rtcp-rsize\r\n";

const SDP_VIDEO_CODEC: &str = "a=rtpmap:96 VP8/90000\r\n\
a=rtcp-fb:96 goog-remb\r\n\
a=rtcp-fb:96 transport-cc\r\n\
a=rtcp-fb:96 ccm fir\r\n\
a=rtcp-fb:96 nack\r\n\
a=rtcp-fb:96 nack pli\r\n\
a=rtpmap:97 rtx/90000\r\n\
a=fmtp:97 apt=96\r\n\
a=rtpmap:98 H264/90000\r\n\
a=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n";

/// Returns the instant all timestamps count from, set on first use.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Microseconds since the generator started.
pub fn now_micros() -> u64 {
    epoch().elapsed().as_micros() as u64
}

/// Builds an SDP text of exactly `bytes` bytes whose origin line carries
/// `sent_micros` as its session id.
pub fn sdp(bytes: usize, sent_micros: u64) -> String {
    let mut sdp = String::with_capacity(bytes + SDP_VIDEO_CODEC.len());
    sdp.push_str(&format!("v=0\r\no=- {sent_micros} 2 IN IP4 127.0.0.1\r\n"));
    sdp.push_str(&SDP_HEAD["v=0\r\n".len()..]);
    while sdp.len() < bytes {
        sdp.push_str(SDP_VIDEO_CODEC);
    }
    // Cut at a line end that leaves room for a padding line, then pad to the exact size.
    const PADDING_LINE: &str = "a=x-padding:\r\n";
    let cut = sdp[..bytes - PADDING_LINE.len()].rfind("\r\n").map_or(0, |end| end + 2);
    sdp.truncate(cut);
    let padding = bytes - cut - PADDING_LINE.len();
    sdp.push_str("a=x-padding:");
    sdp.extend(std::iter::repeat_n('0', padding));
    sdp.push_str("\r\n");
    debug_assert_eq!(sdp.len(), bytes);
    sdp
}

/// Builds an ICE candidate line whose foundation carries `sent_micros`.
pub fn candidate_line(index: usize, sent_micros: u64) -> String {
    format!("candidate:{sent_micros} 1 udp 2122260223 192.0.2.{index} {port} typ host generation 0 ufrag Bq3x network-id 1", port = 50_000 + index)
}

/// Builds visite's `description` message, with `type` first as browsers
/// write it (`serde_json::json!` would sort the keys).
pub fn description_json(kind: &str, bytes: usize) -> String {
    let sdp = serde_json::Value::from(sdp(bytes, now_micros()));
    format!(r#"{{"type":"description","description":{{"type":"{kind}","sdp":{sdp}}}}}"#)
}

/// Builds visite's `candidate` message, with `type` first.
pub fn candidate_json(index: usize) -> String {
    let line = candidate_line(index, now_micros());
    format!(r#"{{"type":"candidate","candidate":{{"candidate":"{line}","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"Bq3x"}}}}"#)
}

/// Finds the send time in a received offer, answer or candidate; `None` for
/// other messages.
pub fn sent_micros(text: &str) -> Option<u64> {
    let start = if let Some(origin) = text.find("o=- ") {
        origin + "o=- ".len()
    } else {
        text.find("candidate:")? + "candidate:".len()
    };
    let digits = text[start..].bytes().take_while(u8::is_ascii_digit).count();
    text[start..start + digits].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdp_has_exact_size() {
        for bytes in [OFFER_BYTES, ANSWER_BYTES] {
            let text = sdp(bytes, 42);
            assert_eq!(text.len(), bytes);
            assert!(text.ends_with("\r\n"));
        }
    }

    #[test]
    fn sent_time_round_trips() {
        let offer: serde_json::Value = serde_json::from_str(&description_json("offer", OFFER_BYTES)).unwrap();
        assert_eq!(offer["description"]["sdp"].as_str().map(str::len), Some(OFFER_BYTES));
        let candidate: serde_json::Value = serde_json::from_str(&candidate_json(1)).unwrap();
        assert_eq!(candidate["candidate"]["sdpMid"], "0");
        let offer = serde_json::json!({"sdp": sdp(OFFER_BYTES, 123_456)}).to_string();
        assert_eq!(sent_micros(&offer), Some(123_456));
        let candidate = candidate_line(3, 987);
        assert_eq!(sent_micros(&candidate), Some(987));
        assert_eq!(sent_micros(r#"{"type":"queue"}"#), None);
    }
}
